"""Every write of participation: processes, budgets, ballots, counting, Pabulib import.

Each function validates its input before writing, runs in one transaction and raises
``ValidationError`` naming the field and the reason; nothing is half-saved, and a
refused ballot leaves the voter's earlier ballot as it was.
"""

import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stadtkern.core import throttle
from stadtkern.core.images import reencode, take_picture
from stadtkern.core.models import Municipality
from stadtkern.strategy.models import FieldOfAction
from stadtkern.strategy.services import measure_create

from . import pabulib, rules, secrecy
from .keys import ballot_key, digest
from .models import (
    Ballot,
    BallotKind,
    Budget,
    Comment,
    Participation,
    Phase,
    PhaseKind,
    Process,
    ProcessKind,
    Project,
    Proposal,
    ProposalStatus,
    Support,
    TieBreak,
    Verification,
    VotingCode,
)
from .outcomes import RULES, outcome
from .selectors import budget_election, current_phase, money

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12
BERLIN = ZoneInfo("Europe/Berlin")


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


# Page addresses beside the processes' own (urls.py): no process may take these names.
RESERVED_PROCESS_SLUGS = {"new", "surveys", "pulse", "assemblies"}


def short_name_check(
    model, municipality, slug: str, *, taken: str, reserved=frozenset({"new"})
) -> None:
    """Refuse a short name that a page's address uses or that another object of the
    municipality has, at the ``slug`` field (the unique constraint would name no field)."""
    if slug in reserved:
        raise ValidationError(
            {"slug": _("This short name is taken by a page; please choose another.")}
        )
    if model.objects.filter(municipality=municipality, slug=slug).exists():
        raise ValidationError({"slug": taken})


def process_create(
    *,
    municipality: Municipality,
    slug: str,
    title: str,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    kind: str = ProcessKind.BUDGET,
    published: bool = False,
) -> Process:
    process = Process(
        municipality=municipality, slug=slug, title=title, title_en=title_en,
        description=description, description_en=description_en, kind=kind, published=published,
    )  # fmt: skip
    short_name_check(Process, municipality, slug, reserved=RESERVED_PROCESS_SLUGS,
                     taken=_("There is a process with this short name already."))  # fmt: skip
    process.full_clean()
    process.save()
    return process


@transaction.atomic
def phase_create(
    *, process: Process, kind: str, starts_at: datetime, ends_at: datetime | None
) -> Phase:
    _refuse_reopening(process, kind)
    phase = Phase(process=process, kind=kind, starts_at=starts_at, ends_at=ends_at)
    if ends_at is not None and ends_at <= starts_at:  # before the check constraint's nameless error
        raise ValidationError({"ends_at": _("A phase must end after it starts.")})
    phase.full_clean()
    phase.save()
    return phase


def process_update(*, process: Process, user, **fields) -> Process:
    """Change a process's titles, descriptions or publication (editors); the short name stays."""
    rules.require_editor(user, process.municipality)
    for name in ("title", "title_en", "description", "description_en", "published"):
        if name in fields:
            setattr(process, name, fields[name])
    process.full_clean()
    process.save()
    return process


def _refuse_reopening(process: Process, *kinds: str) -> None:
    """Once a vote is sealed (its results published), no phase may let it run again.

    Runs in the phase change's transaction and locks the budgets: a seal running at the
    same moment waits, then finds the vote open again (and does not seal), or went
    first, and this refuses.
    """
    if PhaseKind.VOTING not in kinds:
        return
    budgets = list(process.budgets.select_for_update().values_list("sealed_at", flat=True))
    if any(sealed is not None for sealed in budgets):
        raise ValidationError(
            {"kind": _("The vote has closed and its results are published; it cannot be reopened.")}
        )


def phase_update(
    *, phase: Phase, user, kind: str, starts_at: datetime, ends_at: datetime | None
) -> Phase:
    """Move or change a phase (editors), e.g. to extend the vote."""
    rules.require_editor(user, phase.process.municipality)
    with transaction.atomic():
        return _phase_change(phase, kind, starts_at, ends_at)


def _phase_change(phase: Phase, kind: str, starts_at: datetime, ends_at) -> Phase:
    if starts_at is None:  # an API client's null: the field is required, not optional
        raise ValidationError({"starts_at": _("A phase needs a start.")})
    if (phase.kind, phase.starts_at, phase.ends_at) != (kind, starts_at, ends_at):
        _refuse_reopening(phase.process, phase.kind, kind)
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A phase must end after it starts.")})
    phase.kind, phase.starts_at, phase.ends_at = kind, starts_at, ends_at
    phase.full_clean()
    phase.save()
    return phase


def phase_delete(*, phase: Phase, user) -> None:
    """Remove a phase entered by mistake (editors). Ballots stay; their budget keeps them."""
    rules.require_editor(user, phase.process.municipality)
    with transaction.atomic():
        _refuse_reopening(phase.process, phase.kind)
        phase.delete()


def budget_create(
    *,
    process: Process,
    name: str,
    amount: Decimal,
    ballot_kind: str,
    rule: str,
    min_projects: int = 1,
    max_projects: int | None = None,
    max_points: int | None = None,
    min_score: Decimal | None = None,
    currency: str = "EUR",
    name_en: str = "",
    pabulib_meta: dict | None = None,
    district: str = "",
    tie_break: str = TieBreak.SUPPORTERS,
    tie_seed: str = "",
) -> Budget:
    budget = Budget(
        process=process, name=name, name_en=name_en, amount=amount, currency=currency,
        ballot_kind=ballot_kind, rule=rule, min_projects=min_projects, max_projects=max_projects,
        max_points=max_points, min_score=min_score, pabulib_meta=pabulib_meta or {}, district=district.strip(),
        tie_break=tie_break, tie_seed=tie_seed.strip(),
    )  # fmt: skip
    _budget_clean(budget)
    budget.save()
    return budget


def _budget_clean(budget: Budget) -> None:
    """Check a budget's fields and that its ballot kind, limits and rule fit together."""
    budget.full_clean()
    errors = {}
    if budget.ballot_kind == BallotKind.CUMULATIVE and not budget.max_points:
        errors["max_points"] = _("Cumulative ballots need the number of points each voter has.")
    if budget.max_projects is not None and budget.max_projects < budget.min_projects:
        errors["max_projects"] = _(
            "The most projects per ballot must not be fewer than the fewest."
        )
    if budget.rule.startswith("equalshares") and budget.ballot_kind == BallotKind.ORDINAL:
        errors["rule"] = _("Equal Shares needs approval, knapsack or cumulative ballots.")
    if budget.rule == "greedy-threshold" and budget.min_score is None:
        errors["min_score"] = _("greedy-threshold needs a minimum score.")
    if budget.tie_break == TieBreak.LOT and not budget.tie_seed.strip():
        errors["tie_seed"] = _("A lot needs its seed, announced before the vote.")
    if errors:
        raise ValidationError(errors)


# Once ballots are cast, only what no ballot depends on may change.
BUDGET_FREE_FIELDS = {"name", "name_en"}
PROJECT_FREE_FIELDS = {
    "title", "title_en", "description", "category", "latitude", "longitude", "image_alt",
}  # fmt: skip


def _locked(instance, fields: dict, free: set, has_ballots: bool) -> None:
    changed = [n for n, v in fields.items() if getattr(instance, n) != v and n not in free]
    if has_ballots and changed:
        raise ValidationError({
            changed[0]: _("Ballots have been cast: only names and descriptions can change now.")
        })  # fmt: skip


@transaction.atomic
def budget_update(*, budget: Budget, user, **fields) -> Budget:
    """Change a budget (editors); once ballots are cast, only its name."""
    rules.require_editor(user, budget.process.municipality)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _locked(budget, fields, BUDGET_FREE_FIELDS, budget.ballots.exists())
    # The rule for ties is announced before the vote: fixed once voting has begun.
    voting_began = budget.process.phases.filter(
        kind=PhaseKind.VOTING, starts_at__lte=timezone.now()
    ).exists()
    tie_changes = [
        n for n in ("tie_break", "tie_seed") if n in fields and getattr(budget, n) != fields[n]
    ]
    if voting_began and tie_changes:
        raise ValidationError(
            {tie_changes[0]: _("The rule for ties is fixed once voting has begun.")}
        )
    for name, value in fields.items():
        setattr(budget, name, value.strip() if name in ("district", "tie_seed") else value)
    _budget_clean(budget)
    budget.save()
    return budget


def budget_delete(*, budget: Budget, user) -> None:
    """Remove a budget (editors), never one that holds ballots."""
    rules.require_editor(user, budget.process.municipality)
    if budget.ballots.exists():
        raise ValidationError(_("Ballots have been cast: this budget can no longer be removed."))
    budget.delete()


def project_create(*, budget: Budget, ref: str, title: str, cost: Decimal, **fields) -> Project:
    """Add a project to a budget; not once ballots are cast, since they refer to the list."""
    if budget.ballots.exists():
        raise ValidationError(
            _("Ballots have been cast: the projects of this budget can no longer change.")
        )
    if budget.projects.filter(ref=ref).exists():
        raise ValidationError({"ref": _("The budget has a project with this number already.")})
    position = fields.pop("position", None)
    if position is None:
        position = budget.projects.count()
    picture = _project_picture(fields)
    project = Project(budget=budget, ref=ref, title=title, cost=cost, position=position, **fields)
    if picture:
        project.image, project.image_type = picture
    project.full_clean()
    project.save()
    return project


def _project_picture(fields: dict) -> tuple[bytes, str] | None:
    """Take the uploaded picture out of the fields; re-encoded, with its description."""
    return take_picture(fields.pop("image", None), fields.get("image_alt", ""))


def project_update(*, project: Project, user, **fields) -> Project:
    """Change a project (editors); once ballots are cast, only its words and place."""
    budget = project.budget
    rules.require_editor(user, budget.process.municipality)
    picture = _project_picture(fields)  # a picture may change at any time, like the words
    _locked(project, fields, PROJECT_FREE_FIELDS, budget.ballots.exists())
    ref = fields.get("ref", project.ref)
    if ref != project.ref and budget.projects.filter(ref=ref).exists():
        raise ValidationError({"ref": _("The budget has a project with this number already.")})
    for name, value in fields.items():
        setattr(project, name, value)
    if picture:
        project.image, project.image_type = picture
    project.full_clean()
    project.save()
    return project


def project_delete(*, project: Project, user) -> None:
    """Remove a project (editors), not once ballots are cast."""
    rules.require_editor(user, project.budget.process.municipality)
    if project.budget.ballots.exists():
        raise ValidationError(
            _("Ballots have been cast: the projects of this budget can no longer change.")
        )
    project.delete()


def verification_create(
    *, user, municipality: Municipality, method: str, verified_by=None, district: str = ""
) -> Verification:
    verification = Verification(
        user=user,
        municipality=municipality,
        method=method,
        verified_by=verified_by,
        district=district,
    )
    verification.full_clean()
    verification.save()
    return verification


@transaction.atomic
def voting_codes_create(*, process: Process, count: int, district: str = "") -> list[str]:
    """Create ``count`` one-time codes and return them; only their digests are kept.

    Codes of a district open the town's budgets and that district's sub-budgets.
    """
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": _("Between 1 and 100,000 codes at a time.")})
    codes = []
    for _n in range(count):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _k in range(CODE_LENGTH))
        codes.append("-".join(raw[k : k + 4] for k in range(0, CODE_LENGTH, 4)))
    VotingCode.objects.bulk_create(
        [
            VotingCode(
                process=process, digest=digest("code:" + normalise_code(c)), district=district
            )
            for c in codes
        ],
        batch_size=2000,
    )
    return codes


def _check_ballot(budget: Budget, refs: list[str], points: list | None) -> list | None:
    """Return the ballot's points as stored; raise ValidationError naming the problem."""
    costs = dict(budget.projects.values_list("ref", "cost"))
    unknown = [r for r in refs if r not in costs]
    if unknown:
        raise ValidationError(
            {"projects": _("No project %(ref)s in this budget.") % {"ref": unknown[0]}}
        )
    if len(set(refs)) != len(refs):
        raise ValidationError({"projects": _("A project is named twice.")})
    if len(refs) < budget.min_projects:
        raise ValidationError(
            {
                "projects": ngettext(
                    "Choose at least %(n)d project.",
                    "Choose at least %(n)d projects.",
                    budget.min_projects,
                )
                % {"n": budget.min_projects}
            }
        )
    if budget.max_projects is not None and len(refs) > budget.max_projects:
        raise ValidationError(
            {
                "projects": ngettext(
                    "Choose at most %(n)d project.",
                    "Choose at most %(n)d projects.",
                    budget.max_projects,
                )
                % {"n": budget.max_projects}
            }
        )
    if budget.ballot_kind == BallotKind.KNAPSACK:
        total = sum((costs[r] for r in refs), Decimal(0))
        if total > budget.amount:
            raise ValidationError(
                {"projects": _("The chosen projects cost %(total)s, more than the budget of %(amount)s.")
                 % {"total": money(total, budget.currency), "amount": money(budget.amount, budget.currency)}}
            )  # fmt: skip
    if budget.ballot_kind != BallotKind.CUMULATIVE:
        if points:
            raise ValidationError({"points": _("This ballot takes no points.")})
        return None
    if points is None or len(points) != len(refs):
        raise ValidationError({"points": _("Give points for each chosen project.")})
    if any(not isinstance(p, int) or isinstance(p, bool) or p < 1 for p in points):
        raise ValidationError({"points": _("Points are whole numbers from 1.")})
    if sum(points) > budget.max_points:
        raise ValidationError(
            {"points": _("%(given)d points given, but each voter has %(max)d.")
             % {"given": sum(points), "max": budget.max_points}}
        )  # fmt: skip
    return list(points)


def _count_code_try(budget: Budget, code: str, client: str) -> None:
    """Count a voting code's try from ``client``; past the limit of wrong ones, refuse.

    Every try is counted first, in its own statement (racing tries too), and a valid
    code is given back, so only wrong codes use up the sender's allowance.
    """
    window = 3600
    if throttle.over_limit(
        "voting-code", client, limit=settings.VOTING_CODE_FAILURE_LIMIT, window=window
    ):
        raise throttle.Throttled(
            _("Too many wrong voting codes from this connection; please wait an hour."),
            retry_after=window,
        )
    code_digest = digest("code:" + normalise_code(code))
    if VotingCode.objects.filter(process=budget.process, digest=code_digest).exists():
        throttle.refund("voting-code", client)


def _voter_key(budget: Budget, *, user=None, code: str | None = None) -> tuple[str, dict]:
    """Return the ballot key and the participation fields of a voter; check the right to vote."""
    phase = current_phase(budget.process)
    if user is not None and getattr(user, "is_authenticated", False):
        # One look-up answers both questions: verified at all, and in which district.
        district = rules.residence(user, budget.process)
        if not (
            budget.process.published and rules.phase_allows(phase, "vote") and district is not None
        ):
            raise ValidationError(
                {"ballot": _vote_refusal(budget.process, phase, verified=district is not None)}
            )
        _check_district(budget, district)
        return ballot_key(budget, user=user), {"user": user}
    if code:
        if not rules.can_vote_with_code(budget.process, phase):
            raise ValidationError({"ballot": _vote_refusal(budget.process, phase, verified=True)})
        code_digest = digest("code:" + normalise_code(code))
        voting_code = VotingCode.objects.filter(process=budget.process, digest=code_digest).first()
        if voting_code is None:
            raise ValidationError({"code": _("This voting code is not valid for this process.")})

        _check_district(budget, voting_code.district)
        return ballot_key(budget, code=voting_code), {"code": voting_code}
    raise ValidationError(
        {"ballot": _("Log in with a verified account or enter your voting code.")}
    )


def _check_district(budget: Budget, district: str) -> None:
    if not rules.may_vote_in(district, budget):
        raise ValidationError(
            {
                "ballot": _("This budget is for the residents of %(district)s.")
                % {"district": budget.district}
            }
        )


def _vote_refusal(process: Process, phase, *, verified: bool) -> str:
    if not process.published:
        return _("This process is not published.")
    if phase is None or phase.kind != PhaseKind.VOTING:
        voting = process.phases.filter(kind=PhaseKind.VOTING).order_by("-starts_at").first()
        if voting is not None and voting.ends_at is not None and voting.ends_at <= timezone.now():
            return _("The vote closed on %(when)s.") % {
                "when": timezone.localtime(voting.ends_at).strftime("%d.%m.%Y %H:%M")
            }
        return _("Voting is not open now.")
    if not verified:
        return _(
            "Only verified residents may vote with an account; ask for a voting code at the town hall."
        )
    return _("You may not vote here.")


def ballot_cast(
    *,
    budget: Budget,
    projects: list[str],
    points: list | None = None,
    user=None,
    code: str | None = None,
    client: str | None = None,
) -> bool:
    """Store a voter's ballot, replacing their earlier one; return True if it replaced one.

    ``client`` (the sender's address) limits how many wrong voting codes it may try.

    The ballot is stored under a key derived from the voter with BALLOT_SECRET, so the
    same voter finds it again while no column of it names them. Two submissions of the
    same voter at once leave one ballot: the unique key decides, the later one wins.
    """
    refs = [str(r) for r in projects]
    if code and client:
        _count_code_try(budget, code, client)
    with transaction.atomic():
        if secrecy.held_open(Budget, budget.pk):
            raise ValidationError({"ballot": _("Voting is not open now.")})
        key, who = _voter_key(budget, user=user, code=code)
        stored_points = _check_ballot(budget, refs, points)
        # One statement each, whatever runs in parallel: the participation row is
        # written only by the voter's first ballot (RETURNING tells whether it was),
        # and the ballot row is inserted or replaced under its unique key.
        table = Participation._meta.db_table
        voter = who.get("user")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (budget_id, user_id, code_id) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING id",
                [budget.pk, voter.pk if voter else None, who["code"].pk if "code" in who else None],
            )
            first = cursor.fetchone() is not None
        Ballot.objects.bulk_create(
            [Ballot(budget=budget, key=key, projects=refs, points=stored_points)],
            update_conflicts=True, unique_fields=["budget", "key"], update_fields=["projects", "points"],
        )  # fmt: skip
        # A ballot racing the seal: on PostgreSQL the share lock taken above keeps the
        # seal waiting; on SQLite this transaction holds the write lock by now, so a
        # seal that came first shows here.
        if Budget.objects.filter(pk=budget.pk, sealed_at__isnull=False).exists():
            raise ValidationError({"ballot": _("Voting is not open now.")})
        return not first


def budget_results(*, budget: Budget) -> dict | None:
    """Seal the vote if that has not happened yet, then return the outcome counted from
    the stored ballots: once after sealing, and again whenever the stored count differs
    from the ballots. None when the vote is not over (an editor reopened it a moment
    ago): results are published only from a sealed vote.
    """
    if budget.sealed_at is None:
        secrecy.budget_seal(budget=budget)
        budget.refresh_from_db()
        if budget.sealed_at is None:
            return None
    if (
        budget.counted_at is None
        or budget.counted_at < budget.sealed_at
        or (budget.outcome or {}).get("ballots") != budget.ballots.count()
    ):
        budget_count(budget=budget)
    return budget.outcome


@transaction.atomic
def budget_count(*, budget: Budget) -> dict:
    """Count the ballots under the budget's rule; store winners and reasons; return them."""
    result = outcome(budget_election(budget), budget.rule)
    selected = set(result.selected)
    projects = list(budget.projects.all())
    for project in projects:
        project.selected = project.ref in selected
    Project.objects.bulk_update(projects, ["selected"])
    budget.outcome = {
        **result.as_json(),
        "ballots": budget.ballots.count(),
        "projects": _jsonable(result.explanation),
    }
    budget.counted_at = timezone.now()
    budget.save(update_fields=["outcome", "counted_at"])
    return budget.outcome


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    return value


# --- Pabulib import -------------------------------------------------------------------

PROJECT_FIELDS = {"project_id", "cost", "name", "description", "category", "latitude", "longitude"}
DERIVED = {"votes", "score", "selected"}  # computed again by counting, written again on export
META_FIELDS = {"budget", "vote_type", "rule", "min_length", "max_length", "max_sum_points",
               "min_project_score_threshold", "num_projects", "num_votes", "currency"}  # fmt: skip


def _date(text: str | None):
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M"):
        try:
            return datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    return None


def _plain(number: Decimal):
    return int(number) if number == int(number) else float(number)


@transaction.atomic
def election_import(
    *, election: pabulib.Election, municipality: Municipality, slug: str, title: str = ""
) -> Process:
    """Create a finished participatory budget from a Pabulib election, counted under its rule."""
    meta = election.meta
    kind = election.vote_type
    rule = election.rule if election.rule in RULES else "greedy"
    ballot_kind = {
        "approval": BallotKind.APPROVAL, "choose-1": BallotKind.APPROVAL,
        "cumulative": BallotKind.CUMULATIVE, "scoring": BallotKind.CUMULATIVE,
        "ordinal": BallotKind.ORDINAL,
    }[kind]  # fmt: skip
    if (
        kind == "approval"
        and election.limit("max_sum_cost") is not None
        and election.limit("max_sum_cost") <= election.budget
    ):
        ballot_kind = BallotKind.KNAPSACK
    if ballot_kind == BallotKind.ORDINAL and rule.startswith("equalshares"):
        rule = "greedy"
    process = process_create(
        municipality=municipality, slug=slug, published=True,
        title=(title or meta.get("description") or slug)[:300],
        description=meta.get("comment", ""),
    )  # fmt: skip
    begin, end = _date(meta.get("date_begin")), _date(meta.get("date_end"))
    now = timezone.now()
    closes = datetime.combine(end + timedelta(days=1), time(), BERLIN) if end else now
    opens = datetime.combine(begin, time(), BERLIN) if begin else closes - timedelta(days=14)
    if opens >= closes:
        opens = closes - timedelta(days=1)
    phase_create(process=process, kind=PhaseKind.VOTING, starts_at=opens, ends_at=closes)
    phase_create(process=process, kind=PhaseKind.RESULTS, starts_at=closes, ends_at=None)
    max_sum_points = election.limit("max_sum_points")
    if ballot_kind == BallotKind.CUMULATIVE and max_sum_points is None:
        max_sum_points = max((sum(b.points or []) for b in election.ballots), default=1)
    min_length = election.limit("min_length")
    max_length = election.limit("max_length")
    threshold = election.limit("min_project_score_threshold")
    budget = budget_create(
        process=process,
        name=meta.get("subunit") or meta.get("district") or meta.get("unit") or process.title,
        amount=election.budget,
        currency=(meta.get("currency") or "EUR")[:3],
        ballot_kind=ballot_kind,
        rule=rule,
        min_projects=int(min_length) if min_length is not None else 1,
        max_projects=1
        if kind == "choose-1"
        else (int(max_length) if max_length is not None else None),
        max_points=int(max_sum_points) if max_sum_points is not None else None,
        min_score=threshold,
        tie_break=meta.get("tie_breaking") or TieBreak.SUPPORTERS,
        tie_seed=meta.get("tie_breaking_seed", ""),
        pabulib_meta={
            k: v for k, v in meta.items()
            if k not in {"budget", "num_projects", "num_votes", "tie_breaking", "tie_breaking_seed"}
        },
    )  # fmt: skip
    Project.objects.bulk_create(
        [
            Project(
                budget=budget, ref=p.id, title=(p.name or p.id)[:500], cost=p.cost, position=k,
                description=p.extra.get("description", ""), category=p.extra.get("category", "")[:300],
                latitude=_float(p.extra.get("latitude")), longitude=_float(p.extra.get("longitude")),
                extra={c: v for c, v in p.extra.items() if c not in PROJECT_FIELDS | DERIVED},
            )
            for k, p in enumerate(election.projects.values())
        ]
    )  # fmt: skip
    Ballot.objects.bulk_create(
        (
            Ballot(
                budget=budget,
                key=digest(f"ballot:{budget.pk}:import:{b.voter_id}"),
                projects=b.projects,
                points=[_plain(x) for x in b.points] if b.points is not None else None,
                extra={"voter_id": b.voter_id, **b.extra},
            )
            for b in election.ballots
        ),
        batch_size=2000,
    )
    budget_count(budget=budget)
    return process


def _float(text):
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


# --- Proposals ------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def proposal_create(
    *,
    process: Process,
    user,
    title: str,
    description: str,
    field_of_action_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Proposal:
    """Submit a citizen's proposal while the proposals phase runs."""
    _require(
        rules.can_propose(user, process, current_phase(process)), _("Proposals are not taken now.")
    )
    errors = {}
    field = None
    if field_of_action_id is not None:
        field = FieldOfAction.objects.filter(
            pk=field_of_action_id, municipality_id=process.municipality_id, published=True
        ).first()
        if field is None:
            errors["field_of_action"] = _("No such field of action in this municipality.")
    if (latitude is None) != (longitude is None):
        errors["location"] = _("Give both latitude and longitude, or neither.")
    elif latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["location"] = _("The location is outside the map.")
    if errors:
        raise ValidationError(errors)
    proposal = Proposal(
        process=process, author=user, title=title.strip(), description=description.strip(),
        field_of_action=field, latitude=latitude, longitude=longitude,
    )  # fmt: skip
    proposal.full_clean()
    proposal.save()
    return proposal


def proposal_support(*, proposal: Proposal, user) -> int:
    """Support a proposal (once per person; again is no change); return the number of supporters."""
    _require(rules.can_support(user, proposal.process, current_phase(proposal.process)),
             _("Proposals cannot be supported now."))  # fmt: skip
    if proposal.hidden_reason:
        raise ValidationError({"proposal": _("A hidden proposal cannot be supported.")})
    Support.objects.bulk_create([Support(proposal=proposal, user=user)], ignore_conflicts=True)
    return proposal.supports.count()


def comment_create(*, proposal: Proposal, user, text: str) -> Comment:
    _require(rules.can_comment(user, proposal.process, current_phase(proposal.process)),
             _("Comments are not taken now."))  # fmt: skip
    comment = Comment(proposal=proposal, author=user, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why: the reason is published in place of the text.")}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most 500 characters.")})
    return reason


def proposal_hide(*, proposal: Proposal, user, reason: str) -> Proposal:
    """Hide a proposal with a published reason (moderators)."""
    _require(rules.can_moderate(user, proposal.process), _("Only moderators hide proposals."))
    proposal.hidden_reason = _reason(reason)
    proposal.save(update_fields=["hidden_reason"])
    return proposal


def comment_hide(*, comment: Comment, user, reason: str) -> Comment:
    _require(
        rules.can_moderate(user, comment.proposal.process), _("Only moderators hide comments.")
    )
    comment.hidden_reason = _reason(reason)
    comment.save(update_fields=["hidden_reason"])
    return comment


def proposal_review(
    *, proposal: Proposal, user, status: str, note: str, cost_estimate: Decimal | None = None
) -> Proposal:
    """Record the administration's review: feasible or not, accepted, with reasons and cost."""
    _require(
        rules.can_review(user, proposal.process),
        _("Only the municipality's editors review proposals."),
    )
    if status not in ProposalStatus.values or status == ProposalStatus.SUBMITTED:
        raise ValidationError({"status": _("Choose feasible, not feasible or accepted.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reasons of the review; they are published.")})
    if cost_estimate is not None and cost_estimate < 0:
        raise ValidationError({"cost_estimate": _("A cost cannot be negative.")})
    proposal.status, proposal.review_note, proposal.cost_estimate = (
        status,
        note.strip(),
        cost_estimate,
    )
    proposal.full_clean()
    proposal.save(update_fields=["status", "review_note", "cost_estimate"])
    return proposal


@transaction.atomic
def proposal_to_measure(*, proposal: Proposal, user):
    """Make an accepted proposal a measure of the strategy (a draft), linked both ways."""
    _require(
        rules.can_review(user, proposal.process),
        _("Only the municipality's editors create measures."),
    )
    if proposal.status != ProposalStatus.ACCEPTED:
        raise ValidationError({"status": _("Only an accepted proposal becomes a measure.")})
    if proposal.measure_id is not None:
        raise ValidationError({"measure": _("This proposal is a measure already.")})
    measure = measure_create(
        municipality=proposal.process.municipality, user=user, title=proposal.title[:200],
        summary=proposal.description, status="planned", estimated_cost=proposal.cost_estimate,
        # a field made a draft since the proposal came in is not linked
        fields_of_action=[f.pk for f in [proposal.shown_field] if f is not None],
    )  # fmt: skip
    proposal.measure = measure
    proposal.save(update_fields=["measure"])
    return measure


def proposal_image_set(*, proposal: Proposal, user, data: bytes, alt: str) -> Proposal:
    """Attach a picture to one's own proposal while proposals are taken."""
    if proposal.author_id is None or proposal.author_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Only the author adds a picture to a proposal."))
    _require(
        rules.can_propose(user, proposal.process, current_phase(proposal.process)),
        _("Proposals are not taken now."),
    )
    alt = (alt or "").strip()
    if not alt:
        raise ValidationError(
            {"image_alt": _("Describe the picture in a few words for people who cannot see it.")}
        )
    proposal.image, proposal.image_type = reencode(data)
    proposal.image_alt = alt[:300]
    proposal.save(update_fields=["image", "image_type", "image_alt"])
    return proposal
