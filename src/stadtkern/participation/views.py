"""Web pages of participation: processes, the ballot, results, and code sheets to print.

Every page works without JavaScript; the ballot's running total is a small extra
(``participation/ballot.js``) for those who have it.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stadtkern.core.charts import Reference, bars
from stadtkern.core.images import picture_response
from stadtkern.core.maps import map_context
from stadtkern.core.money import sign as money_sign
from stadtkern.core.rules import can_view_drafts
from stadtkern.core.selectors import municipality_get
from stadtkern.core.throttle import Throttled, client_address

from . import rules, services
from .models import (
    RULE_LABELS,
    Assembly,
    BallotKind,
    Budget,
    Comment,
    PhaseKind,
    Process,
    Project,
    ProposalStatus,
    Survey,
    SurveyKind,
)
from .selectors import (
    comparison_text,
    current_phase,
    own_ballot,
    process_get,
    project_places,
    proposal_places,
    proposals_of,
    results_rows,
    shown_measure,
    voting_over,
)


def _process(request, slug: str, process_slug: str) -> Process:
    return process_get(request.user, slug, process_slug)


def _budget(process: Process, budget_id: int) -> Budget:
    budget = process.budgets.filter(pk=budget_id).first()
    if budget is None:
        raise Http404(_("No such budget."))
    return budget


def processes(request, slug: str):
    municipality = municipality_get(slug)
    listed = Process.objects.filter(municipality=municipality).prefetch_related("phases", "budgets")
    visible = [
        p for p in listed.select_related("municipality") if rules.can_view_process(request.user, p)
    ]
    for p in visible:
        p.running = current_phase(p)
    listed_surveys = Survey.objects.filter(
        municipality=municipality, published=True, kind=SurveyKind.SURVEY
    )
    if not rules.can_see_survey(request.user, Survey(municipality=municipality, team_only=True)):
        listed_surveys = listed_surveys.filter(team_only=False)
    pulses = Survey.objects.filter(municipality=municipality, published=True, kind=SurveyKind.PULSE)
    if not rules.can_see_survey(request.user, Survey(municipality=municipality, team_only=True)):
        pulses = pulses.filter(team_only=False)  # each wave by itself, as on the trend page
    # Each series under the title of its latest wave, not its short name.
    series = {}
    for wave in pulses.order_by("series", "-opens_at").only("series", "title", "title_en"):
        series.setdefault(
            wave.series, wave.title_en if get_language() == "en" and wave.title_en else wave.title
        )
    listed_assemblies = Assembly.objects.filter(municipality=municipality, published=True)
    return render(request, "participation/processes.html", {
        "municipality": municipality, "processes": visible, "surveys": listed_surveys, "series": series,
        "assemblies": listed_assemblies, "now": timezone.now(),
        "can_edit": rules.can_edit_participation(request.user, municipality),
    })  # fmt: skip


def process(request, slug: str, process_slug: str):
    process = _process(request, slug, process_slug)
    running = current_phase(process)
    proposals = list(proposals_of(process))
    places = proposal_places(proposals)
    return render(request, "participation/process.html", {
        "municipality": process.municipality, "process": process, "running": running,
        "phases": process.phases.all(), "budgets": process.budgets.all(),
        "voting_open": rules.phase_allows(running, "vote") and process.published,
        "voting_over": voting_over(process),
        "can_manage": rules.can_manage_process(request.user, process),
        "proposals": proposals, "places": places,
        **map_context(request, process.municipality), "can_propose": rules.can_propose(request.user, process, running),
    })  # fmt: skip


def _whole(raw: str) -> bool:
    """True for a whole number as people type it: ASCII digits, at most nine ('²' and
    '٣' are digits to Python, yet int() of the first fails; long ones are no ballot)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 9


def _read_ballot(budget: Budget, post) -> tuple[list[str], list[int] | None]:
    """Return (project refs, points) from the ballot form; raise ValidationError on nonsense."""
    refs = [p.ref for p in budget.projects.all()]
    if budget.ballot_kind == BallotKind.CUMULATIVE:
        chosen, points = [], []
        for ref in refs:
            raw = post.get(f"points-{ref}", "").strip() or "0"
            if not _whole(raw):
                raise ValidationError({"points": _("Points are whole numbers from 1.")})
            if int(raw) > 0:
                chosen.append(ref)
                points.append(int(raw))
        return chosen, points
    if budget.ballot_kind == BallotKind.ORDINAL:
        ranked = {}
        for ref in refs:
            raw = post.get(f"rank-{ref}", "").strip()
            if raw:
                if not _whole(raw) or int(raw) in ranked:
                    raise ValidationError({"projects": _("Give each place to one project only.")})
                ranked[int(raw)] = ref
        return [ranked[k] for k in sorted(ranked)], None
    return [ref for ref in post.getlist("projects") if ref in refs], None


def vote(request, slug: str, process_slug: str, budget_id: int):
    process = _process(request, slug, process_slug)
    budget = _budget(process, budget_id)
    running = current_phase(process)
    verified = rules.is_verified(request.user, process)
    errors, chosen, points, status = [], set(), {}, None
    mine = own_ballot(budget, request.user) if verified else None
    if mine is not None:
        chosen = set(mine.projects)
        points = dict(zip(mine.projects, mine.points or [], strict=False))
        if budget.ballot_kind == BallotKind.ORDINAL:
            points = {ref: k for k, ref in enumerate(mine.projects, start=1)}
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        try:
            refs, given = _read_ballot(budget, request.POST)
            chosen = set(refs)
            points = dict(zip(refs, given or range(1, len(refs) + 1), strict=False))
            replaced = services.ballot_cast(
                budget=budget, projects=refs, points=given,
                user=request.user if verified and not code else None, code=code or None,
                client=client_address(request),
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.messages
        except Throttled as exc:
            errors, status = [str(exc)], 429
        else:
            messages.success(
                request,
                _("Your changed ballot was saved.") if replaced else _("Your ballot was saved."),
            )
            return redirect("participation:process", slug=slug, process_slug=process.slug)
    projects = list(budget.projects.defer("image"))
    return render(request, "participation/vote.html", {
        "municipality": process.municipality, "process": process, "budget": budget,
        "projects": projects, "open": rules.phase_allows(running, "vote") and process.published,
        "project_places": project_places(projects), "pictured": _pictured(budget),
        **map_context(request, process.municipality),
        "verified": verified, "has_voted": mine is not None, "errors": errors,
        "chosen": chosen, "points": points, "places": range(1, (budget.max_projects or budget.projects.count()) + 1),
    }, status=status or (422 if errors else 200))  # fmt: skip


def _budget_chart(budget, rows):
    """How the selected projects fill the budget: each bar the money spent up to and with
    it, in the order of the outcome, against the budget line."""
    spent, pairs = 0, []
    for r in rows:
        if r["selected"]:
            spent += float(r["project"].cost)
            pairs.append((f"{r['project'].ref}. {r['project'].display_title}", spent))
    return bars(
        pairs, title=_("How the selected projects fill the budget"), x_label=_("Project"),
        y_label=_("Spent up to this project"), unit=money_sign(budget.currency),
        references=[Reference(float(budget.amount), _("Budget"))], horizontal=True,
    )  # fmt: skip


def results(request, slug: str, process_slug: str, budget_id: int):
    process = _process(request, slug, process_slug)
    budget = _budget(process, budget_id)
    if (
        not rules.can_see_results(request.user, process, voting_over(process))
        or services.budget_results(budget=budget) is None  # reopened a moment ago
    ):
        return render(request, "participation/results.html", {
            "municipality": process.municipality, "process": process, "budget": budget, "pending": True,
        }, status=409)  # fmt: skip
    rows = results_rows(budget)
    return render(request, "participation/results.html", {
        "municipality": process.municipality, "process": process, "budget": budget, "rows": rows,
        "budget_chart": _budget_chart(budget, rows),
        "funded": [r for r in rows if r["selected"]], "outcome": budget.outcome,
        "comparison": comparison_text(budget), "equal_shares": budget.rule.startswith("equalshares"),
        "rule_label": RULE_LABELS.get(budget.rule, budget.rule),
    })  # fmt: skip


def codes(request, slug: str, process_slug: str):
    """Create voting codes and show them once as a sheet to print and cut (editors)."""
    process = _process(request, slug, process_slug)
    if not rules.can_manage_process(request.user, process):
        raise PermissionDenied(_("Only the municipality's editors create voting codes."))
    made, error = [], ""
    districts = sorted({b.district for b in process.budgets.all() if b.district})
    district = (
        request.POST.get("district", "") if request.POST.get("district", "") in districts else ""
    )
    if request.method == "POST":
        raw = request.POST.get("count", "")
        try:
            made = services.voting_codes_create(
                process=process, count=int(raw) if _whole(raw) else 0, district=district
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    address = request.build_absolute_uri(f"/m/{slug}/participation/{process.slug}/")
    return render(request, "participation/codes.html", {
        "municipality": process.municipality, "process": process, "codes": made, "error": error,
        "districts": districts, "district": district,
        "address": address, "voting": process.phases.filter(kind=PhaseKind.VOTING).first(),
    }, status=422 if error else 200)  # fmt: skip


# --- Proposals ------------------------------------------------------------------------


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _float(raw: str | None):
    try:
        return float(raw.replace(",", ".")) if raw and raw.strip() else None
    except ValueError:
        return "bad"


def proposal_new(request, slug: str, process_slug: str):
    process = _process(request, slug, process_slug)
    running = current_phase(process)
    if not rules.can_propose(request.user, process, running):
        raise PermissionDenied(_("Proposals are not taken now."))
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        field_raw = request.POST.get("field_of_action", "")
        lat, lon = _float(request.POST.get("latitude")), _float(request.POST.get("longitude"))
        if "bad" in (lat, lon):
            errors = {"location": [_("Latitude and longitude are numbers, e.g. 51.45 and 6.63.")]}
        else:
            try:
                proposal = services.proposal_create(
                    process=process, user=request.user, title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    field_of_action_id=int(field_raw) if _whole(field_raw) else None, latitude=lat, longitude=lon,
                )  # fmt: skip
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                picture = request.FILES.get("image")
                if picture is not None:
                    try:
                        services.proposal_image_set(
                            proposal=proposal, user=request.user, data=picture.read(),
                            alt=request.POST.get("image_alt", ""),
                        )  # fmt: skip
                    except ValidationError as exc:
                        # The proposal stands; the picture can be added again on its page.
                        messages.warning(request, " ".join(exc.messages))
                messages.success(request, _("Thank you: your proposal was submitted."))
                return redirect(
                    "participation:proposal", slug=slug, process_slug=process.slug, pk=proposal.pk
                )
    return render(request, "participation/proposal_form.html", {
        "municipality": process.municipality, "process": process, "errors": errors, "values": values,
        "fields": process.municipality.fields_of_action.filter(published=True),
        # The picker starts where the other proposals are, so that the town is in view.
        "places": proposal_places(proposals_of(process)) or {"type": "FeatureCollection", "features": []},
        **map_context(request, process.municipality),
    }, status=422 if errors else 200)  # fmt: skip


PROPOSAL_ACTIONS = {
    "support": lambda p, user, post: services.proposal_support(proposal=p, user=user),
    "comment": lambda p, user, post: services.comment_create(proposal=p, user=user, text=post.get("text", "")),
    "hide": lambda p, user, post: services.proposal_hide(proposal=p, user=user, reason=post.get("reason", "")),
    "hide_comment": lambda p, user, post: services.comment_hide(
        comment=p.comments.filter(pk=post.get("comment") if _whole(str(post.get("comment", ""))) else 0).get(),
        user=user, reason=post.get("reason", ""),
    ),
    "review": lambda p, user, post: services.proposal_review(
        proposal=p, user=user, status=post.get("status", ""), note=post.get("note", ""),
        cost_estimate=_decimal(post.get("cost_estimate")),
    ),
    "measure": lambda p, user, post: services.proposal_to_measure(proposal=p, user=user),
}  # fmt: skip


def _decimal(raw):
    if not raw or not raw.strip():
        return None
    try:
        return (
            Decimal(raw.strip().replace(".", "").replace(",", "."))
            if "," in raw
            else Decimal(raw.strip())
        )
    except InvalidOperation:
        raise ValidationError(
            {"cost_estimate": _("The cost is a number of euros, e.g. 18000.")}
        ) from None


def proposal(request, slug: str, process_slug: str, pk: int):
    process = _process(request, slug, process_slug)
    found = proposals_of(process).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such proposal."))
    running = current_phase(process)
    errors = {}
    if request.method == "POST":
        action = PROPOSAL_ACTIONS.get(request.POST.get("action", ""))
        if action is None or not request.user.is_authenticated:
            raise PermissionDenied(_("Log in to take part."))
        try:
            action(found, request.user, request.POST)
        except ValidationError as exc:
            errors = _errors(exc)
        except Comment.DoesNotExist:
            raise Http404(_("No such comment.")) from None
        else:
            return redirect(
                "participation:proposal", slug=slug, process_slug=process.slug, pk=found.pk
            )
    return render(request, "participation/proposal.html", {
        "municipality": process.municipality, "process": process, "proposal": found,
        "shown_measure": shown_measure(found, can_view_drafts(request.user, process.municipality)),
        "comments": found.comments.select_related("author"), "errors": errors,
        "can_support": rules.can_support(request.user, process, running) and not found.hidden_reason,
        "can_comment": rules.can_comment(request.user, process, running) and not found.hidden_reason,
        "can_moderate": rules.can_moderate(request.user, process),
        "can_review": rules.can_review(request.user, process),
        "statuses": [s for s in ProposalStatus.choices if s[0] != ProposalStatus.SUBMITTED],
    }, status=422 if errors else 200)  # fmt: skip


def _pictured(budget) -> set[int]:
    return set(budget.projects.exclude(image=None).values_list("pk", flat=True))


def project_image(request, slug: str, process_slug: str, pk: int):
    process = _process(request, slug, process_slug)
    found = Project.objects.filter(pk=pk, budget__process=process).exclude(image=None).first()
    return picture_response(found, public=process.published)


def proposal_image(request, slug: str, process_slug: str, pk: int):
    process = _process(request, slug, process_slug)
    found = process.proposals.filter(pk=pk, hidden_reason="").exclude(image=None).first()
    return picture_response(found, public=process.published)
