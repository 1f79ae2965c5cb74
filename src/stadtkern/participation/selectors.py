"""Reads of participation, shared by pages, the JSON API and the command line."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.money import money
from stadtkern.core.selectors import municipality_get

from . import pabulib, rules
from .keys import ballot_key
from .models import (
    Assembly,
    Ballot,
    BallotKind,
    Budget,
    Comment,
    Phase,
    PhaseKind,
    Process,
    Proposal,
    Support,
    Survey,
)


def current_phase(process: Process, now: datetime | None = None) -> Phase | None:
    """Return the phase running at ``now`` (the latest started if several overlap).

    Reads ``process.phases.all()``, so a list of processes fetched with
    ``prefetch_related("phases")`` costs no query per process.
    """
    now = now or timezone.now()
    running = [
        p
        for p in process.phases.all()
        if p.starts_at <= now and (p.ends_at is None or p.ends_at > now)
    ]
    return max(running, key=lambda p: (p.starts_at, p.pk), default=None)


def voting_over(process: Process, now: datetime | None = None) -> bool:
    """Return True when the process had a vote and every voting phase has ended."""
    now = now or timezone.now()
    votes = [p.ends_at for p in process.phases.all() if p.kind == PhaseKind.VOTING]
    return bool(votes) and all(end is not None and end <= now for end in votes)


def _vote_type(budget: Budget) -> str:
    original = budget.pabulib_meta.get("vote_type")
    if budget.ballot_kind == BallotKind.CUMULATIVE:
        return "scoring" if original == "scoring" else "cumulative"
    if budget.ballot_kind == BallotKind.ORDINAL:
        return "ordinal"
    return "choose-1" if original == "choose-1" and budget.max_projects == 1 else "approval"


def _amount(value: Decimal) -> Decimal:
    """Return an amount without trailing zeros: 5000.00 as 5000, 12.50 as 12.5."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _number(value: Decimal) -> str:
    return format(_amount(value), "f")


def budget_election(budget: Budget, *, with_results: bool = False) -> pabulib.Election:
    """Return a budget with its projects and ballots as a Pabulib election.

    Voters are numbered in the order of their ballots' keys, which says nothing about
    who they are or when they voted; imported ballots keep the ids of their file.
    """
    meta = {k: str(v) for k, v in budget.pabulib_meta.items()}
    meta.update(
        {
            "description": meta.get("description") or f"{budget.process.title}: {budget.name}",
            "unit": meta.get("unit") or budget.process.municipality.name,
            "budget": _number(budget.amount),
            "vote_type": _vote_type(budget),
            "rule": budget.rule,
            "currency": budget.currency,
            "min_length": str(budget.min_projects),
            "tie_breaking": budget.tie_break,
        }
    )
    if budget.tie_seed:
        meta["tie_breaking_seed"] = budget.tie_seed
    for key, value in (
        ("max_length", budget.max_projects),
        ("max_sum_points", budget.max_points),
        ("min_project_score_threshold", budget.min_score),
        ("max_sum_cost", budget.amount if budget.ballot_kind == BallotKind.KNAPSACK else None),
    ):
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = _number(Decimal(value))
    projects = {}
    for p in budget.projects.all():
        extra = {**p.extra}
        for column, value in (("description", p.description), ("category", p.category),
                              ("latitude", p.latitude), ("longitude", p.longitude)):  # fmt: skip
            if value not in (None, ""):
                extra[column] = str(value)
        if with_results and p.selected is not None:
            extra["selected"] = "1" if p.selected else "0"
        projects[p.ref] = pabulib.Project(p.ref, _amount(p.cost), p.title, extra)
    ballots = []
    for n, (projects_, points, extra) in enumerate(
        budget.ballots.order_by("key")
        .values_list("projects", "points", "extra")
        .iterator(chunk_size=5000),
        start=1,
    ):
        extra = dict(extra)
        voter = str(extra.pop("voter_id", n))
        ballots.append(
            pabulib.Ballot(
                voter, list(projects_), [Decimal(str(x)) for x in points] if points is not None else None,
                {k: str(v) for k, v in extra.items()},
            )
        )  # fmt: skip
    project_columns = ["project_id", "cost", "name"]
    project_columns += sorted({k for p in projects.values() for k in p.extra})
    vote_columns = ["voter_id", "vote"] + (
        ["points"] if budget.ballot_kind == BallotKind.CUMULATIVE else []
    )
    vote_columns += sorted({k for b in ballots for k in b.extra})
    return pabulib.Election(meta, projects, ballots, project_columns, vote_columns)


def own_ballot(budget: Budget, user) -> Ballot | None:
    """Return the ballot the user cast in the budget (only they can find it: their key)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return budget.ballots.filter(key=ballot_key(budget, user=user)).first()


def results_rows(budget: Budget) -> list[dict]:
    """Return each project of a counted budget with its score and the reason in words."""
    outcome = budget.outcome or {}
    why = outcome.get("projects", {})
    rows = []
    top = max((float(w.get("score", 0)) for w in why.values()), default=0) or 1
    cur = budget.currency
    for p in budget.projects.all():
        w = why.get(p.ref, {})
        reason = w.get("reason")
        values = {
            "round": w.get("round"), "rank": w.get("rank"), "threshold": w.get("threshold"),
            "stopped_at": w.get("stopped_at"), "approvals": w.get("approvals"),
            "price": money(w.get("price_per_supporter", 0), cur), "share": money(w.get("share_per_voter", 0), cur),
            "behind": money(w.get("money_behind", 0), cur), "cost": money(p.cost, cur),
            "left": money(w.get("budget_left_before", 0), cur),
        }  # fmt: skip
        text = {
            "bought_by_supporters": _("Funded in round %(round)s: its supporters each paid %(price)s at most, "
                                      "out of an equal share of %(share)s per voter."),
            "supporters_cannot_afford": _("Not funded: its supporters had only %(behind)s left of their equal "
                                          "shares, and it costs %(cost)s."),
            "fits": _("Funded: place %(rank)s by votes, and %(left)s of the budget was still free."),
            "does_not_fit": _("Not funded: place %(rank)s by votes, but only %(left)s of the budget was still free."),
            "below_threshold": _("Not funded: fewer than the %(threshold)s votes required."),
            "counting_stopped": _("Not funded: counting stopped at project %(stopped_at)s, which did not fit."),
        }.get(reason, "")  # fmt: skip
        score = float(w.get("score", 0))
        rows.append({
            "project": p, "selected": bool(w.get("selected")), "score": w.get("score", 0),
            "approvals": w.get("approvals", 0), "reason": text % values if text else "",
            "bar": round(10 * score / top),  # tenths, for the .w-0 ... .w-10 classes
        })  # fmt: skip
    rows.sort(key=lambda r: (not r["selected"], -float(r["score"])))
    return rows


def comparison_text(budget: Budget) -> str:
    """Return, for the comparison step, how many voters preferred which outcome."""
    why = (budget.outcome or {}).get("projects", {})
    comparison = next((w["comparison"] for w in why.values() if "comparison" in w), None)
    if comparison is None:
        return ""
    mes, greedy = comparison["prefer_equal_shares"], comparison["prefer_greedy"]
    if greedy > mes:
        return _("%(greedy)s voters preferred the outcome by most votes, %(mes)s the outcome by equal shares: "
                 "the outcome by most votes was used.") % {"greedy": greedy, "mes": mes}  # fmt: skip
    return _("%(mes)s voters preferred the outcome by equal shares, %(greedy)s the outcome by most votes: "
             "the outcome by equal shares was used.") % {"greedy": greedy, "mes": mes}  # fmt: skip


def proposals_of(process: Process):
    """Return the process's proposals with their supporter and comment counts. Each
    count is a subquery: joining both tables would multiply a proposal's supporters by
    its comments before counting (a page of 50 cost 60 ms)."""
    return (
        Proposal.objects.filter(process=process)
        .defer("image")  # the picture is served on its own address
        .select_related("field_of_action", "author", "measure")
        .annotate(supporters=_count(Support), comment_count=_count(Comment))
    )


def _count(model):
    rows = model.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")), 0)


def project_places(projects) -> dict | None:
    """The projects of a ballot that have a place, as GeoJSON for its map (numbered as on
    the ballot)."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
         "properties": {"number": p.ref, "label": f"{p.ref}. {p.display_title}",
                        _("Cost"): money(p.cost, p.budget.currency)}}
        for p in projects if p.latitude is not None and p.longitude is not None
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features} if features else None


def proposal_places(proposals) -> dict | None:
    """Return the visible proposals with a place as GeoJSON for the map, None if none has one."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
         "properties": {_("Proposal"): p.title, _("Supporters"): p.supporters}}
        for p in proposals if p.latitude is not None and not p.hidden_reason
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features} if features else None


def shown_measure(proposal, drafts: bool):
    """The measure an accepted proposal became, as the reader may see it: a draft only to
    those who see the strategy's drafts (``drafts``)."""
    measure = proposal.measure if proposal.measure_id else None
    return measure if measure is not None and (measure.published or drafts) else None


def proposal_data(proposal, *, comments: bool = False, drafts: bool = False) -> dict:
    """Return a proposal as the page and the API show it: a hidden one shows only its reason;
    a draft measure it became only to readers who see drafts (``drafts``)."""
    hidden = bool(proposal.hidden_reason)
    data = {
        "id": proposal.pk,
        "title": None if hidden else proposal.title,
        "description": None if hidden else proposal.description,
        "hidden_reason": proposal.hidden_reason or None,
        "author": None if hidden or proposal.author is None else proposal.author.username,
        "field_of_action": proposal.shown_field.title if proposal.shown_field else None,
        "latitude": None if hidden else proposal.latitude,
        "longitude": None if hidden else proposal.longitude,
        "image": None if hidden or not proposal.image_type else True,
        "image_alt": None if hidden else (proposal.image_alt or None),
        "status": proposal.status,
        "review_note": proposal.review_note or None,
        "cost_estimate": proposal.cost_estimate,
        "measure": shown.pk if (shown := shown_measure(proposal, drafts)) else None,
        "supporters": (
            proposal.supporters if hasattr(proposal, "supporters") else proposal.supports.count()
        ),
        "created_at": proposal.created_at.isoformat(),
    }
    if comments:
        data["comments"] = [
            {"id": c.pk, "author": None if c.hidden_reason or c.author is None else c.author.username,
             "text": None if c.hidden_reason else c.text, "hidden_reason": c.hidden_reason or None,
             "created_at": c.created_at.isoformat()}
            for c in proposal.comments.select_related("author")
        ]  # fmt: skip
    return data


def process_get(user, municipality_slug: str, slug: str) -> Process:
    """Return a process the user may see (published; drafts for editors and moderators),
    with its phases and budgets."""
    process = (
        Process.objects.filter(municipality=municipality_get(municipality_slug), slug=slug)
        .select_related("municipality")
        .prefetch_related("phases", "budgets")
        .first()
    )
    if process is None or not rules.can_view_process(user, process):
        raise Http404(_("No such participation process."))
    return process


def budget_get(user, budget_id: int) -> Budget:
    """Return a budget of a process the user may see."""
    budget = Budget.objects.select_related("process__municipality").filter(pk=budget_id).first()
    if budget is None or not rules.can_view_process(user, budget.process):
        raise Http404(_("No such budget."))
    return budget


def survey_get(user, municipality_slug: str, slug: str):
    """Return a survey the user may see (published, or any for the municipality's editors)."""
    municipality = municipality_get(municipality_slug)
    survey = (
        Survey.objects.filter(municipality=municipality, slug=slug)
        .select_related("municipality")
        .first()
    )
    if survey is None or not (survey.published or rules.can_edit_participation(user, municipality)):
        raise Http404(_("No such survey."))
    if not rules.can_see_survey(user, survey):
        raise Http404(_("No such survey."))
    return survey


def assembly_get(user, municipality_slug: str, slug: str):
    """Return a citizens' assembly the user may see (published, or any for the editors)."""
    found = (
        Assembly.objects.filter(municipality__slug=municipality_slug, slug=slug)
        .select_related("municipality")
        .first()
    )
    if found is None or not (
        found.published or rules.can_edit_participation(user, found.municipality)
    ):
        raise Http404(_("No such citizens' assembly."))
    return found
