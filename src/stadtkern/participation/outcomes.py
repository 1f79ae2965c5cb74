"""Outcome rules of participatory budgeting: which projects a budget funds.

Rules (named as in Pabulib's ``rule`` field):

``greedy``
    Projects in order of score (most first); each is funded if it still fits in
    what is left of the budget, otherwise skipped.
``greedy-no-skip``
    The same order; counting stops at the first project that does not fit.
``greedy-threshold``
    ``greedy`` among the projects whose score reaches META's
    ``min_project_score_threshold``. (A threshold in META applies to the other greedy
    rules as well: it is part of the election's own rules.)
``equalshares``
    The Method of Equal Shares (Peters, Pierczyński, Skowron 2021): the budget is
    split equally among all voters; a project is bought by its supporters only,
    each paying an equal share or all they have left; in each round the project
    whose supporters pay the least per unit of utility wins. Approval ballots use
    cost utilities (a voter's utility of a project is its cost); cumulative and
    scoring ballots use the points given.
``equalshares/add1``
    Equal Shares repeated with each voter's share raised by one currency unit as long
    as the outcome still fits in the real budget (Add1 completion); the last outcome
    that fits is funded.
``equalshares/add1-comparison``
    ``equalshares/add1``, then the comparison step: each voter prefers the outcome
    that holds more of the projects they voted for (more points for cumulative
    ballots); if more voters prefer the greedy outcome, the greedy outcome is used.

Scores: approval and choose-1 count the voters; cumulative and scoring add the
points; ordinal ballots give Borda points (a project ranked k-th on a ballot of at
most L places gets L - k + 1).

Ties (documented for the council): between equally good projects, the budget's rule
for ties decides (META ``tie_breaking``): ``supporters`` (default: more supporters,
then the cheaper, then the one listed first), ``cheaper`` (the cheaper, then more
supporters, then listed first), ``listed`` (the one listed first) or ``lot`` (a lot
drawn from the seed in ``tie_breaking_seed``, announced before the vote, so anyone can
repeat it).
Equal Shares compares prices with a relative tolerance of 1e-9, so that two prices
equal in exact arithmetic but for the rounding of floating point count as a tie.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .counting_rules import RULES
from .pabulib import Election

EQUAL_SHARES_BALLOTS = ("approval", "choose-1", "cumulative", "scoring")
EPS = 1e-9


class RuleError(ValueError):
    """A rule that cannot be applied to an election (unknown, or wrong kind of ballot)."""


@dataclass
class Profile:
    """The numbers of an election, ready for counting: projects by position in the file."""

    ids: list[str]
    cost: np.ndarray  # int64, in the smallest currency unit the file uses
    unit: int  # how many of those make one currency unit (1 for whole euros, 100 for cents)
    budget: int
    voters: int
    supporters: list[np.ndarray]  # per project: positions of its voters
    points: list[np.ndarray] | None  # per project: their points (None for approval)
    score: np.ndarray  # what greedy ranks by
    approvals: np.ndarray  # how many voters name the project
    threshold: float | None
    tie_rank: np.ndarray  # per project: its place in the order that breaks ties (0 first)


TIE_BREAKS = ("supporters", "cheaper", "listed", "lot")


def tie_rank(election: Election, cost: np.ndarray, approvals: np.ndarray) -> np.ndarray:
    """Return each project's place in the order that breaks ties (the META rule)."""
    rule = election.meta.get("tie_breaking", "") or "supporters"
    n = len(cost)
    if rule == "supporters":
        order = sorted(range(n), key=lambda c: (-approvals[c], cost[c], c))
    elif rule == "cheaper":
        order = sorted(range(n), key=lambda c: (cost[c], -approvals[c], c))
    elif rule == "listed":
        order = list(range(n))
    elif rule == "lot":
        seed = election.meta.get("tie_breaking_seed", "")
        if not seed:
            raise RuleError("a lot breaks ties only with a seed (tie_breaking_seed in META)")
        order = list(range(n))
        # A string seed gives the same order on every machine and Python version.
        random.Random(f"stadtkern-tie:{seed}").shuffle(order)
    else:
        raise RuleError(f"unknown tie_breaking {rule!r}; known: {', '.join(TIE_BREAKS)}")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def profile(election: Election) -> Profile:
    """Return the election as arrays: costs as integers, supporters per project."""
    ids = list(election.projects)
    position = {pid: k for k, pid in enumerate(ids)}
    costs = [p.cost for p in election.projects.values()]
    places = max([max(0, -c.normalize().as_tuple().exponent) for c in (*costs, election.budget)])
    unit = 10**places
    cost = np.array([int(c * unit) for c in costs], dtype=np.int64)
    kind = election.vote_type
    voters, projects, points = [], [], []
    longest = int(election.limit("max_length") or 0)
    for v, ballot in enumerate(election.ballots):
        for k, pid in enumerate(ballot.projects):
            voters.append(v)
            projects.append(position[pid])
            if kind == "ordinal":
                points.append(max(longest, len(ballot.projects)) - k)
            elif ballot.points is not None:
                points.append(float(ballot.points[k]))
            else:
                points.append(1.0)
    voters_a = np.array(voters, dtype=np.int64)
    projects_a = np.array(projects, dtype=np.int64)
    points_a = np.array(points, dtype=np.float64)
    if kind in ("cumulative", "scoring"):
        # Zero points are no support: such a voter neither helps pay nor counts.
        keep = points_a > 0
        voters_a, projects_a, points_a = voters_a[keep], projects_a[keep], points_a[keep]
    order = np.argsort(projects_a, kind="stable")
    bounds = np.searchsorted(projects_a[order], np.arange(len(ids) + 1))
    supporters = [voters_a[order[bounds[c] : bounds[c + 1]]] for c in range(len(ids))]
    pointed = kind in ("cumulative", "scoring")
    per_project = [points_a[order[bounds[c] : bounds[c + 1]]] for c in range(len(ids))]
    threshold = election.limit("min_project_score_threshold")
    approvals = np.array([len(s) for s in supporters], dtype=np.int64)
    return Profile(
        ids=ids,
        cost=cost,
        unit=unit,
        budget=int(election.budget * unit),
        voters=len(election.ballots),
        supporters=supporters,
        points=per_project if pointed else None,
        score=np.array([p.sum() for p in per_project], dtype=np.float64),
        approvals=approvals,
        threshold=float(threshold) if threshold is not None else None,
        tie_rank=tie_rank(election, cost, approvals),
    )


@dataclass
class Outcome:
    rule: str
    selected: list[str]  # in the order the rule chose them
    cost: Decimal
    seconds: float = 0.0
    # Per project: score, approvals, cost, selected, and why (for the results page).
    explanation: dict[str, dict] = field(default_factory=dict)

    def as_json(self) -> dict:
        """Return the summary ``stadtkern pb outcome`` prints."""
        cost = int(self.cost) if self.cost == int(self.cost) else float(self.cost)
        return {
            "rule": self.rule,
            "selected": self.selected,
            "cost": cost,
            "seconds": round(self.seconds, 4),
        }


def outcome(election: Election, rule: str | None = None) -> Outcome:
    """Return the projects that ``rule`` (default: the election's own) funds, with reasons."""
    rule = rule or election.rule
    if rule not in RULES:
        raise RuleError(f"unknown rule {rule!r}; known: {', '.join(RULES)}")
    if rule.startswith("equalshares") and election.vote_type not in EQUAL_SHARES_BALLOTS:
        raise RuleError(
            f"Equal Shares needs approval, cumulative or scoring ballots, not {election.vote_type}"
        )
    if rule == "greedy-threshold" and election.limit("min_project_score_threshold") is None:
        raise RuleError("greedy-threshold needs min_project_score_threshold in META")
    started = time.perf_counter()
    p = profile(election)
    if rule.startswith("greedy"):
        chosen, why = greedy(p, skip=rule != "greedy-no-skip")
    else:
        chosen, why = equal_shares_rule(
            p, with_add1=rule != "equalshares", compare=rule.endswith("comparison")
        )
    seconds = time.perf_counter() - started
    explanation = {
        pid: {
            "cost": _money(p.cost[c], p.unit),
            "approvals": int(p.approvals[c]),
            "score": _plain(p.score[c]),
            "selected": c in chosen,
            **why.get(c, {}),
        }
        for c, pid in enumerate(p.ids)
    }
    total = sum((_money(p.cost[c], p.unit) for c in chosen), Decimal(0))
    return Outcome(rule, [p.ids[c] for c in chosen], total, seconds, explanation)


def _money(amount, unit: int) -> Decimal:
    return (Decimal(int(amount)) / unit).normalize() if unit > 1 else Decimal(int(amount))


def _plain(x: float):
    return int(x) if float(x).is_integer() else round(float(x), 6)


def _ranking(p: Profile, key: np.ndarray) -> list[int]:
    """Return project positions by ``key`` descending, ties by the budget's rule for ties."""
    return sorted(range(len(p.ids)), key=lambda c: (-key[c], p.tie_rank[c]))


# --- greedy -------------------------------------------------------------------------


def greedy(p: Profile, *, skip: bool = True) -> tuple[list[int], dict[int, dict]]:
    """Fund projects by score while they fit; ``skip=False`` stops at the first misfit."""
    chosen: list[int] = []
    why: dict[int, dict] = {}
    left = p.budget
    stopped_at = None
    for rank, c in enumerate(_ranking(p, p.score), start=1):
        if p.threshold is not None and p.score[c] < p.threshold:
            why[c] = {"rank": rank, "reason": "below_threshold", "threshold": _plain(p.threshold)}
        elif stopped_at is not None:
            why[c] = {"rank": rank, "reason": "counting_stopped", "stopped_at": p.ids[stopped_at]}
        elif p.cost[c] <= left:
            chosen.append(c)
            why[c] = {"rank": rank, "reason": "fits", "budget_left_before": _money(left, p.unit)}
            left -= p.cost[c]
        else:
            why[c] = {
                "rank": rank,
                "reason": "does_not_fit",
                "budget_left_before": _money(left, p.unit),
            }
            if not skip:
                stopped_at = c
    return chosen, why


# --- Method of Equal Shares -----------------------------------------------------------


def _price(p: Profile, c: int, budgets: np.ndarray) -> float | None:
    """Return the least price per unit of utility at which c's supporters can buy it.

    Each supporter i pays min(budget_i, rho * u_i); rho is the least value for which
    the payments cover the cost. None when all their money together does not suffice.
    """
    who = p.supporters[c]
    cost = float(p.cost[c])
    have = budgets[who]
    if have.sum() < cost * (1 - EPS):
        return None
    if p.points is None:
        # Cost utilities: everyone's utility is the cost, so rho = equal payment / cost.
        have = np.sort(have)
        before = np.cumsum(have) - have
        share = (cost - before) / np.arange(len(have), 0, -1)
        ok = np.flatnonzero(share <= have * (1 + EPS))
        pay = share[ok[0]] if len(ok) else have[-1]
        return pay / cost
    u = p.points[c]
    ratio = have / u
    order = np.argsort(ratio, kind="stable")
    have, u, ratio = have[order], u[order], ratio[order]
    before = np.cumsum(have) - have
    rest = np.cumsum(u[::-1])[::-1]
    rho = (cost - before) / rest
    ok = np.flatnonzero(rho <= ratio * (1 + EPS))
    return rho[ok[0]] if len(ok) else ratio[-1]


def _pay(p: Profile, c: int, rho: float, budgets: np.ndarray) -> None:
    who = p.supporters[c]
    u = float(p.cost[c]) if p.points is None else p.points[c]
    budgets[who] = np.maximum(budgets[who] - rho * u, 0.0)


def equal_shares(p: Profile, total: float, *, stop_above: int | None = None):
    """Run the Method of Equal Shares with ``total`` split among the voters.

    Return (winners in order, price per winner, voters' budgets left). With
    ``stop_above``, stop as soon as the winners cost more than that (Add1 only needs
    to know that the outcome no longer fits).
    """
    budgets = np.full(p.voters, total / p.voters if p.voters else 0.0)
    # A price can only rise as budgets shrink, so the last one computed is a lower
    # bound: projects are tried cheapest-bound first and the round ends as soon as the
    # next bound exceeds the best price found (as in the published reference code).
    bound = {}
    for c in range(len(p.ids)):
        if len(p.supporters[c]) == 0:
            continue
        utility = float(p.cost[c]) * len(p.supporters[c]) if p.points is None else p.points[c].sum()
        bound[c] = float(p.cost[c]) / utility if utility > 0 else np.inf
    winners, prices, spent = [], {}, 0
    while bound:
        best = np.inf
        tried: list[tuple[int, float]] = []
        for c in sorted(bound, key=bound.__getitem__):
            if bound[c] > best * (1 + EPS):
                break
            rho = _price(p, c, budgets)
            if rho is None:
                del bound[c]
                continue
            bound[c] = rho
            tried.append((c, rho))
            best = min(best, rho)
        if not tried:
            break
        tied = [c for c, rho in tried if rho <= best * (1 + EPS)]
        c = min(tied, key=lambda c: p.tie_rank[c])
        rho = bound.pop(c)
        _pay(p, c, rho, budgets)
        winners.append(c)
        prices[c] = rho
        spent += int(p.cost[c])
        if stop_above is not None and spent > stop_above:
            break
    return winners, prices, budgets


def add1(p: Profile):
    """Equal Shares with Add1 completion; return (winners, prices, budgets, share per voter).

    Each voter's share grows by one currency unit at a time for as long as the outcome
    still fits in the real budget; the last outcome that fits is the result. (Stopping
    at the first exhaustive outcome instead gives other winners in Wieliczka 2023.)
    """
    if p.voters == 0:
        return [], {}, np.zeros(0), 0.0
    share = p.budget / p.voters
    result = equal_shares(p, float(p.budget))
    supported = sum(1 for s in p.supporters if len(s))
    # When every supported project fits at once, raising the shares cannot change more.
    if int(p.cost.sum()) <= p.budget:
        return (*result, share)
    while len(result[0]) < supported:
        trial = equal_shares(p, (share + p.unit) * p.voters, stop_above=p.budget)
        if int(p.cost[trial[0]].sum()) > p.budget:
            break
        share += p.unit
        result = trial
    return (*result, share)


def _satisfaction(p: Profile, winners: list[int]) -> np.ndarray:
    got = np.zeros(p.voters)
    for c in winners:
        got[p.supporters[c]] += 1.0 if p.points is None else p.points[c]
    return got


def equal_shares_rule(
    p: Profile, *, with_add1: bool, compare: bool
) -> tuple[list[int], dict[int, dict]]:
    """Apply Equal Shares (with Add1 and the comparison step if asked); explain each project."""
    if with_add1:
        winners, prices, budgets, share = add1(p)
    else:
        share = p.budget / p.voters if p.voters else 0.0
        winners, prices, budgets = equal_shares(p, float(p.budget))
    why: dict[int, dict] = {}
    for round_, c in enumerate(winners, start=1):
        rho = prices[c]
        unit_price = float(p.cost[c]) if p.points is None else 1.0
        why[c] = {
            "reason": "bought_by_supporters",
            "round": round_,
            # What a supporter who could afford it paid (per point for cumulative ballots).
            "price_per_supporter": round(rho * unit_price / p.unit, 2),
        }
    for c in range(len(p.ids)):
        if c not in why:
            behind = float(budgets[p.supporters[c]].sum()) if len(p.supporters[c]) else 0.0
            why[c] = {
                "reason": "supporters_cannot_afford",
                "money_behind": round(behind / p.unit, 2),
            }
    for info in why.values():
        info["share_per_voter"] = round(share / p.unit, 2)
    if compare:
        greedy_winners, greedy_why = greedy(p)
        mes, gre = _satisfaction(p, winners), _satisfaction(p, greedy_winners)
        prefer_mes, prefer_greedy = int((mes > gre).sum()), int((gre > mes).sum())
        comparison = {"prefer_equal_shares": prefer_mes, "prefer_greedy": prefer_greedy}
        if prefer_greedy > prefer_mes:
            winners, why = greedy_winners, greedy_why
        for info in why.values():
            info["comparison"] = comparison
    return winners, why
