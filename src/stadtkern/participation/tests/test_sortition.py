"""Sortition for citizens' assemblies: LEXIMIN against an exhaustive reference, quotas
always met, a seeded draw that anyone can repeat."""

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from stadtkern.participation.sortition import Quota, SortitionError, leximin, quotas_from_shares


def meets(panel_people, features, quotas, size):
    if len(panel_people) != size:
        return False
    for q in quotas:
        count = sum(features[i].get(q.category) == q.value for i in panel_people)
        if not q.min <= count <= q.max:
            return False
    return True


def exhaustive_leximin(features, quotas, size):
    """LEXIMIN marginals over every feasible panel, by repeated maximin linear programs."""
    n = len(features)
    panels = [p for p in itertools.combinations(range(n), size) if meets(p, features, quotas, size)]
    if not panels:
        return None
    incidence = np.zeros((n, len(panels)))
    for j, p in enumerate(panels):
        incidence[list(p), j] = 1
    reachable = incidence.sum(axis=1) > 0
    fixed = {i: 0.0 for i in range(n) if not reachable[i]}
    while len(fixed) < n:
        active = [i for i in range(n) if i not in fixed]
        best = None
        m = len(panels)
        rows = [np.append(-incidence[i], 1.0) for i in active] + [
            np.append(-incidence[i], 0.0) for i in fixed
        ]
        bounds = [0.0] * len(active) + [-fixed[i] + 1e-9 for i in fixed]
        result = linprog(np.append(np.zeros(m), -1.0), A_ub=np.array(rows), b_ub=bounds,
                         A_eq=np.append(np.ones(m), 0.0)[None, :], b_eq=[1.0], bounds=[(0, None)] * m + [(0, 1)])  # fmt: skip
        z = result.x[-1]
        # Fix whoever cannot get more than z while the others keep theirs (test each).
        for i in active:
            cost = np.append(-incidence[i], 0.0)
            rows_i = [np.append(-incidence[k], 0.0) for k in active] + [
                np.append(-incidence[k], 0.0) for k in fixed
            ]
            bounds_i = [-z + 1e-9] * len(active) + [-fixed[k] + 1e-9 for k in fixed]
            alone = linprog(cost, A_ub=np.array(rows_i), b_ub=bounds_i, A_eq=np.append(np.ones(m), 0.0)[None, :],
                            b_eq=[1.0], bounds=[(0, None)] * m + [(0, 0)])  # fmt: skip
            if -alone.fun <= z + 1e-7:
                best = (best or []) + [i]
        for i in best or [min(active)]:
            fixed[i] = z
    return [fixed[i] for i in range(n)]


FEATURES = [
    {"gender": g, "age": a}
    for g, a in [("f", "young"), ("f", "old"), ("f", "old"), ("f", "old"), ("m", "young"), ("m", "young"),
                 ("m", "old"), ("m", "old"), ("d", "old")]
]  # fmt: skip
QUOTAS = [Quota("gender", "f", 1, 2), Quota("gender", "m", 1, 2), Quota("gender", "d", 0, 1),
          Quota("age", "young", 1, 1), Quota("age", "old", 2, 3)]  # fmt: skip


def test_leximin_equals_the_exhaustive_reference():
    result = leximin(FEATURES, QUOTAS, 3)
    reference = exhaustive_leximin(FEATURES, QUOTAS, 3)
    assert sorted(result.marginals) == pytest.approx(sorted(reference), abs=1e-6)
    assert result.marginals == pytest.approx(reference, abs=1e-6)
    assert sum(result.probabilities) == pytest.approx(1)
    assert sum(result.marginals) == pytest.approx(3)


def test_every_panel_meets_the_quotas_and_the_draw_repeats():
    result = leximin(FEATURES, QUOTAS, 3)
    first = result.draw("Bürgerrat Musterstadt 2026, Ziehung am 1. Dezember")
    assert first == result.draw("Bürgerrat Musterstadt 2026, Ziehung am 1. Dezember")
    assert meets(first, FEATURES, QUOTAS, 3)
    seen = Counter()
    for k in range(4000):
        panel = result.draw(f"seed {k}")
        assert meets(panel, FEATURES, QUOTAS, 3)
        seen.update(panel)
    for i, chance in enumerate(result.marginals):
        assert seen[i] / 4000 == pytest.approx(chance, abs=0.03)


def test_shares_become_quotas_around_the_exact_seats():
    quotas = quotas_from_shares({"age": {"16-29": 0.18, "30-64": 0.55, "65+": 0.27}}, 20)
    assert [(q.value, q.min, q.max) for q in quotas] == [
        ("16-29", 3, 4),
        ("30-64", 11, 11),
        ("65+", 5, 6),
    ]


def test_too_few_volunteers_of_a_kind_are_named():
    with pytest.raises(
        SortitionError, match="only 1 volunteers have gender = d, but the panel needs at least 2"
    ):
        leximin(FEATURES, [*QUOTAS[:2], Quota("gender", "d", 2, 2)], 3)
    with pytest.raises(SortitionError, match="a panel of 12 cannot be drawn from 9 volunteers"):
        leximin(FEATURES, QUOTAS, 12)


@st.composite
def pools(draw):
    n = draw(st.integers(3, 8))
    features = [
        {"a": draw(st.sampled_from("xy")), "b": draw(st.sampled_from("uvw"))} for _ in range(n)
    ]
    size = draw(st.integers(1, min(4, n)))
    quotas = []
    for category, values in (("a", "xy"), ("b", "uvw")):
        for value in values:
            low = draw(st.integers(0, size))
            quotas.append(Quota(category, value, low, draw(st.integers(low, size))))
    return features, quotas, size


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_leximin_agrees_with_the_reference_on_any_small_pool(pool):
    features, quotas, size = pool
    reference = exhaustive_leximin(features, quotas, size)
    try:
        result = leximin(features, quotas, size)
    except SortitionError:
        assert reference is None
        return
    assert reference is not None
    assert result.marginals == pytest.approx(reference, abs=1e-5)
    for k in range(5):
        assert meets(result.draw(str(k)), features, quotas, size)
