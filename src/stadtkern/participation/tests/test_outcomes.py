"""Outcome rules: the real elections' results, worked examples, and an exact reference."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import RuleError, outcome

from .elections import PABULIB_DIR, REAL_FILES

WITH_RESULT = [n for n in REAL_FILES if "Krakow" not in n]


@pytest.mark.parametrize("name", WITH_RESULT)
def test_the_real_outcome_is_computed_under_the_files_own_rule(name):
    election = pabulib.load(PABULIB_DIR / name)
    result = outcome(election)
    assert result.rule == election.rule
    assert set(result.selected) == {p.id for p in election.projects.values() if p.selected}
    assert result.cost == sum(election.projects[p].cost for p in result.selected)
    assert result.cost <= election.budget


def test_ordinal_ballots_score_by_borda_points_as_the_file_does():
    election = pabulib.load(PABULIB_DIR / "Poland_Krakow_2018_Swoszowice.pb")
    result = outcome(election)
    for pid, project in election.projects.items():
        assert result.explanation[pid]["score"] == int(project.extra["score"])
    ranked = sorted(election.projects.values(), key=lambda p: -int(p.extra["score"]))
    expected, left = [], election.budget
    for project in ranked:
        if project.cost <= left:
            expected.append(project.id)
            left -= project.cost
    assert result.selected == expected


def test_equal_shares_of_wieliczka_explains_winners_and_losers():
    election = pabulib.load(PABULIB_DIR / "Poland_Wieliczka_2023_Green_Budget.pb")
    result = outcome(election)
    first = result.explanation[result.selected[0]]
    assert first["reason"] == "bought_by_supporters" and first["round"] == 1
    assert 0 < first["price_per_supporter"] <= first["share_per_voter"]
    losers = [e for e in result.explanation.values() if not e["selected"]]
    assert losers and all(e["reason"] == "supporters_cannot_afford" for e in losers)
    assert all(e["money_behind"] < float(e["cost"]) for e in losers)
    comparison = first["comparison"]
    assert comparison["prefer_equal_shares"] > comparison["prefer_greedy"]


def election(budget, projects, ballots, kind="approval", **meta):
    """Build an election from {id: cost} and [[ids ...], ...] (or [{id: points}, ...])."""
    return pabulib.Election(
        {"budget": str(budget), "vote_type": kind, **{k: str(v) for k, v in meta.items()}},
        {pid: pabulib.Project(pid, Decimal(cost)) for pid, cost in projects.items()},
        [
            pabulib.Ballot(
                str(v), list(b), [Decimal(x) for x in b.values()] if isinstance(b, dict) else None
            )
            for v, b in enumerate(ballots)
        ],
    )


# Three voters share 30: C (15) is cheapest per supporter; afterwards neither A (20,
# two supporters with 5 left each) nor B (10, one supporter with 5) can be paid.
SMALL = election(30, {"A": 20, "B": 10, "C": 15}, [["A", "C"], ["A", "C"], ["B", "C"]])


def test_greedy_skips_what_does_not_fit_and_no_skip_stops_there():
    assert outcome(SMALL, "greedy").selected == ["C", "B"]
    assert outcome(SMALL, "greedy-no-skip").selected == ["C"]
    why = outcome(SMALL, "greedy-no-skip").explanation
    assert why["A"]["reason"] == "does_not_fit" and why["B"]["reason"] == "counting_stopped"


def test_equal_shares_lets_supporters_pay_and_stops_when_they_cannot():
    result = outcome(SMALL, "equalshares")
    assert result.selected == ["C"]
    assert result.explanation["C"]["price_per_supporter"] == 5
    assert result.explanation["A"]["money_behind"] == 10
    assert result.explanation["B"]["money_behind"] == 5


def test_add1_raises_shares_while_the_outcome_fits():
    # At 15 each, A becomes affordable and C + A = 35 > 30: the last fitting share is 14.
    result = outcome(SMALL, "equalshares/add1")
    assert result.selected == ["C"]
    assert result.explanation["C"]["share_per_voter"] == 14


def test_the_comparison_step_takes_greedy_when_more_voters_prefer_it():
    # Voter 3 gets B and C under greedy, C alone under Equal Shares; voters 1 and 2 are
    # indifferent: one voter prefers greedy, none Equal Shares.
    result = outcome(SMALL, "equalshares/add1-comparison")
    assert result.selected == ["C", "B"]
    assert result.explanation["B"]["comparison"] == {"prefer_equal_shares": 0, "prefer_greedy": 1}


def test_equal_shares_is_proportional_where_greedy_is_not():
    # 60 % of voters like the X projects, 40 % the Y projects; budget for four projects.
    costs = {f"X{k}": 10 for k in range(4)} | {f"Y{k}": 10 for k in range(4)}
    ballots = [[f"X{k}" for k in range(4)]] * 6 + [[f"Y{k}" for k in range(4)]] * 4
    e = election(40, costs, ballots)
    assert sorted(outcome(e, "greedy").selected) == ["X0", "X1", "X2", "X3"]
    shares = outcome(e, "equalshares").selected
    assert sum(p.startswith("Y") for p in shares) == 1
    assert sum(p.startswith("X") for p in shares) == 2
    # One unit more each would buy X2 and Y1 too (50 > 40): Add1 keeps the shares of 4
    # and leaves 10 unspent rather than break proportionality.
    add1 = outcome(e, "equalshares/add1")
    assert sorted(add1.selected) == ["X0", "X1", "Y0"]
    assert add1.explanation["X0"]["share_per_voter"] == 4


def test_ties_go_to_more_supporters_then_the_cheaper_then_the_first_listed():
    tied = election(10, {"P": 10, "Q": 10}, [["P", "Q"], ["Q", "P"]])
    assert outcome(tied, "greedy").selected == ["P"]
    assert outcome(tied, "equalshares").selected == ["P"]
    cheaper = election(10, {"P": 10, "Q": 8}, [["P"], ["Q"]])
    assert outcome(cheaper, "greedy").selected == ["Q"]


def test_a_threshold_keeps_weak_projects_out_of_every_greedy_rule():
    e = election(100, {"A": 10, "B": 10}, [["A"], ["A"], ["B"]], min_project_score_threshold=2)
    assert outcome(e, "greedy-threshold").selected == ["A"]
    assert outcome(e, "greedy").explanation["B"]["reason"] == "below_threshold"


def test_cumulative_ballots_pay_by_points_under_equal_shares():
    # Voter 0 puts 9 points on A; voters 1 and 2 put theirs on B. Each has 10 to spend.
    e = election(30, {"A": 10, "B": 20}, [{"A": 9, "B": 1}, {"B": 5}, {"B": 5}], kind="cumulative")
    result = outcome(e, "equalshares")
    assert set(result.selected) == {"A", "B"}


@pytest.mark.parametrize(
    ("rule", "kind", "message"),
    [
        ("approval-voting", "approval", "unknown rule 'approval-voting'"),
        ("equalshares", "ordinal", "Equal Shares needs approval, cumulative or scoring ballots"),
        ("greedy-threshold", "approval", "needs min_project_score_threshold"),
    ],
)
def test_a_rule_that_does_not_apply_is_refused_with_the_reason(rule, kind, message):
    e = election(10, {"A": 5}, [["A"]], kind=kind)
    with pytest.raises(RuleError, match=message):
        outcome(e, rule)


# An exact reference: Equal Shares with cost utilities in fractions, as defined, with
# none of the shortcuts the fast version takes (lazy bounds, floating point).
def exact_equal_shares(costs: dict, ballots: list[list[str]], total: Fraction) -> list[str]:
    budget = [total / len(ballots)] * len(ballots)
    remaining = [p for p in costs if any(p in b for b in ballots)]
    winners = []
    while True:
        best = None
        for p in remaining:
            payers = sorted((budget[i], i) for i, b in enumerate(ballots) if p in b)
            if sum(b for b, _ in payers) < costs[p]:
                continue
            paid, left = Fraction(0), len(payers)
            for b, _ in payers:
                share = (costs[p] - paid) / left
                if share <= b:
                    break
                paid, left = paid + b, left - 1
            key = (share / costs[p], -len(payers), costs[p], list(costs).index(p))
            if best is None or key < best[0]:
                best = (key, p, share)
        if best is None:
            return winners
        _, p, share = best
        winners.append(p)
        remaining.remove(p)
        for i, b in enumerate(ballots):
            if p in b:
                budget[i] = max(budget[i] - share, Fraction(0))


@st.composite
def approval_elections(draw):
    n_projects = draw(st.integers(1, 7))
    costs = {f"p{k}": draw(st.integers(1, 60)) for k in range(n_projects)}
    ballots = draw(
        st.lists(
            st.lists(st.sampled_from(list(costs)), min_size=1, unique=True), min_size=1, max_size=12
        )
    )
    budget = draw(st.integers(1, sum(costs.values()) + 10))
    return costs, ballots, budget


@settings(max_examples=300, deadline=None)
@given(approval_elections())
def test_equal_shares_agrees_with_the_exact_definition(case):
    costs, ballots, budget = case
    expected = exact_equal_shares(
        {p: Fraction(c) for p, c in costs.items()}, ballots, Fraction(budget)
    )
    assert outcome(election(budget, costs, ballots), "equalshares").selected == expected


@settings(max_examples=200, deadline=None)
@given(
    approval_elections(),
    st.sampled_from(
        ["greedy", "greedy-no-skip", "equalshares/add1", "equalshares/add1-comparison"]
    ),
)
def test_every_rule_stays_within_the_budget(case, rule):
    costs, ballots, budget = case
    result = outcome(election(budget, costs, ballots), rule)
    assert result.cost == sum(costs[p] for p in result.selected) <= budget
    assert len(set(result.selected)) == len(result.selected)


# --- the budget's rule for ties ----------------------------------------------------------


def _tied_election(tie_breaking: str, seed: str = "") -> pabulib.Election:
    """a and c have equal support, c is cheaper; the budget takes one of them."""
    meta = {"budget": "100", "vote_type": "approval", "rule": "greedy"}
    if tie_breaking:
        meta["tie_breaking"] = tie_breaking
    if seed:
        meta["tie_breaking_seed"] = seed
    projects = {
        "a": pabulib.Project("a", Decimal(100), "A", {}),
        "b": pabulib.Project("b", Decimal(70), "B", {}),
        "c": pabulib.Project("c", Decimal(60), "C", {}),
    }
    ballots = [
        pabulib.Ballot(str(v), ["a", "b", "c"] if v < 2 else ["a", "c"], None, {}) for v in range(4)
    ]
    return pabulib.Election(meta, projects, ballots)


@pytest.mark.parametrize(
    ("tie_breaking", "winner"),
    [("", ["c"]), ("supporters", ["c"]), ("cheaper", ["c"]), ("listed", ["a"])],
)
def test_the_budget_rule_breaks_ties(tie_breaking, winner):
    # a and c have 4 supporters each (b 2); the budget of 100 funds a, or c and nothing more.
    assert outcome(_tied_election(tie_breaking), "greedy").selected[:1] == winner


def test_a_lot_from_a_seed_is_repeatable_and_follows_the_seed():
    first = {
        s: outcome(_tied_election("lot", s), "greedy").selected for s in ("1", "2", "3", "4", "5")
    }
    again = {s: outcome(_tied_election("lot", s), "greedy").selected for s in first}
    assert first == again
    assert {tuple(v) for v in first.values()} <= {("a",), ("c",)}
    assert len({tuple(v) for v in first.values()}) == 2  # different seeds, different lots


def test_a_lot_without_a_seed_or_an_unknown_rule_is_refused():
    with pytest.raises(RuleError, match="seed"):
        outcome(_tied_election("lot"), "greedy")
    with pytest.raises(RuleError, match="unknown tie_breaking"):
        outcome(_tied_election("coin"), "greedy")
