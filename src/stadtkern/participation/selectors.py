"""Reads of participation, shared by pages, the JSON API and the command line."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from . import pabulib
from .models import BallotKind, Budget, Phase, PhaseKind, Process


def current_phase(process: Process, now: datetime | None = None) -> Phase | None:
    """Return the phase running at ``now`` (the latest started if several overlap)."""
    now = now or timezone.now()
    return (
        process.phases.filter(starts_at__lte=now)
        .exclude(ends_at__lte=now)
        .order_by("-starts_at", "-id")
        .first()
    )


def voting_over(process: Process, now: datetime | None = None) -> bool:
    """Return True when the process had a vote and every voting phase has ended."""
    now = now or timezone.now()
    votes = list(process.phases.filter(kind=PhaseKind.VOTING).values_list("ends_at", flat=True))
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
        }
    )
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
