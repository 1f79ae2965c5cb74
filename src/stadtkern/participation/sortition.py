"""Fair random selection of a citizens' assembly (Bürgerrat) from its volunteers.

The panel must meet quotas (e.g. between 4 and 5 members aged 16-29), and among all
ways to do so, chance should be spread as evenly as the quotas allow. We compute the
LEXIMIN distribution over panels of Flanigan, Gölz, Gupta, Hennig and Procaccia
("Fair algorithms for selecting citizens' assemblies", Nature 596, 2021): it maximises
the smallest selection probability of any volunteer, then the second smallest, and so
on. The published panel is then drawn from that distribution with a seed announced
beforehand, so anyone holding the distribution and the seed can redo the draw.

How (column generation, as in the paper):
1. Panels are found by an integer program (HiGHS through scipy): a panel of the right
   size meeting every quota, maximising a weight per volunteer. Volunteers with the same
   features are interchangeable and get the same chance, so panels are counted per type.
2. A linear program chooses probabilities for the panels found so far so that the
   smallest selection probability ``z`` of the volunteers not yet fixed is as large as
   possible. Its dual prices tell which new panel would help; the integer program finds
   the best one; repeat until none helps.
3. Volunteers with a positive dual price cannot gain without somebody at ``z`` losing:
   their probability is fixed at ``z``. Repeat 2-3 for the others until all are fixed.
Volunteers who fit into no panel at all get probability 0 and are reported.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

EPS = 1e-7
MAX_ROUNDS = 10_000


class SortitionError(ValueError):
    """The volunteers cannot fill the quotas, or the input does not describe a panel."""


@dataclass(frozen=True)
class Quota:
    category: str
    value: str
    min: int
    max: int


def quotas_from_shares(shares: dict[str, dict[str, float]], panel_size: int) -> list[Quota]:
    """Return quotas that follow population shares: each value gets its share of the
    panel rounded down as minimum and rounded up as maximum."""
    quotas = []
    for category, values in shares.items():
        total = sum(values.values())
        if total <= 0:
            raise SortitionError(f"the shares of {category!r} add up to nothing")
        for value, share in values.items():
            exact = panel_size * share / total
            quotas.append(Quota(category, value, math.floor(exact + 1e-9), math.ceil(exact - 1e-9)))
    return quotas


@dataclass
class Distribution:
    """Panels as counts per type of volunteer with their probabilities, each volunteer's
    chance, and who belongs to which type (positions in the list of volunteers)."""

    panels: list[tuple[int, ...]]
    probabilities: list[float]
    marginals: list[float]
    never: list[int] = field(default_factory=list)  # volunteers who fit in no panel
    members: list[list[int]] = field(default_factory=list)

    def draw(self, seed: str) -> list[int]:
        """Return the volunteers a seed selects: reproducible from the published distribution.

        The seed first picks a panel (counts per type) by its probability, then as many
        people of each type uniformly.
        """
        rng = random.Random(seed)  # noqa: S311 - a public, reproducible lottery, not a secret
        order = sorted(range(len(self.panels)), key=lambda j: self.panels[j])
        r, acc, chosen = rng.random(), 0.0, order[-1]
        for j in order:
            acc += self.probabilities[j]
            if r < acc:
                chosen = j
                break
        selected = []
        for people, count in zip(self.members, self.panels[chosen], strict=True):
            selected.extend(rng.sample(sorted(people), count))
        return sorted(selected)


class _Panels:
    """The integer program: panels of ``size`` that meet the quotas, as counts per type.

    Volunteers with the same features are interchangeable, and LEXIMIN gives them the
    same chance; so panels are counted per type of volunteer (a few dozen types instead
    of hundreds of people), and the people of a type are drawn uniformly at the end.
    """

    def __init__(
        self, types: list[dict[str, str]], sizes: list[int], quotas: list[Quota], size: int
    ):
        n = sum(sizes)
        if not 0 < size <= n:
            raise SortitionError(f"a panel of {size} cannot be drawn from {n} volunteers")
        self.t, self.size, self.sizes = len(types), size, np.array(sizes, dtype=float)
        rows, lower, upper = [], [], []
        for q in quotas:
            members = [1.0 if f.get(q.category) == q.value else 0.0 for f in types]
            available = int(np.dot(members, sizes))
            if available < q.min:
                raise SortitionError(
                    f"only {available} volunteers have {q.category} = {q.value}, "
                    f"but the panel needs at least {q.min}"
                )
            rows.append(members)
            lower.append(q.min)
            upper.append(q.max)
        rows.append([1.0] * self.t)
        lower.append(size)
        upper.append(size)
        self.constraint = LinearConstraint(np.array(rows), np.array(lower), np.array(upper))

    def best(self, weights: np.ndarray, forced: int | None = None) -> tuple[int, ...] | None:
        """Return the counts per type of a panel maximising the summed weights, or None."""
        low = np.zeros(self.t)
        if forced is not None:
            low[forced] = 1
        result = milp(
            c=-weights,
            constraints=[self.constraint],
            integrality=np.ones(self.t),
            bounds=Bounds(low, self.sizes),
        )
        if result.x is None:
            return None
        return tuple(int(round(v)) for v in result.x)


def _master(
    panels: list[tuple[int, ...]], sizes: np.ndarray, fixed: dict[int, float], active: list[int]
):
    """Solve: maximise z with P(i) >= z for active types, P(i) >= fixed[i] for fixed ones,
    where P(i) is a member's chance: the expected count of the type over its size."""
    m, t = len(panels), len(sizes)
    share = np.array(panels, dtype=float).T / sizes[:, None]  # t x m
    rows, bounds = [], []
    for i in range(t):
        if i in fixed:
            rows.append(np.append(-share[i], 0.0))
            bounds.append(-fixed[i] + 1e-9)
        else:
            rows.append(np.append(-share[i], 1.0))
            bounds.append(0.0)
    cost = np.zeros(m + 1)
    cost[-1] = -1.0
    result = linprog(
        cost, A_ub=np.array(rows), b_ub=np.array(bounds), A_eq=np.append(np.ones(m), 0.0)[None, :], b_eq=[1.0],
        bounds=[(0, None)] * m + [(0, 1)], method="highs",
    )  # fmt: skip
    if result.status != 0:
        raise SortitionError(f"the linear program failed: {result.message}")
    # Dual price of a member of each type; a panel's value is the sum over its members.
    duals = -result.ineqlin.marginals / sizes
    return result.x[:m], result.x[-1], duals, -result.eqlin.marginals[0]


def leximin(features: list[dict[str, str]], quotas: list[Quota], size: int) -> Distribution:
    """Return the LEXIMIN distribution over quota-meeting panels of ``size`` volunteers."""
    categories = sorted({q.category for q in quotas})
    profile = [tuple(f.get(c, "") for c in categories) for f in features]
    type_keys = sorted(set(profile))
    type_of = {key: k for k, key in enumerate(type_keys)}
    members: list[list[int]] = [[] for _ in type_keys]
    for i, key in enumerate(profile):
        members[type_of[key]].append(i)
    types = [dict(zip(categories, key, strict=True)) for key in type_keys]
    sizes = np.array([len(m) for m in members], dtype=float)
    ip = _Panels(types, [len(m) for m in members], quotas, size)
    t = len(types)
    rng = np.random.default_rng(0)  # deterministic: the same volunteers give the same distribution
    panels: list[tuple[int, ...]] = []
    seen: set[tuple[int, ...]] = set()
    covered: set[int] = set()
    never: list[int] = []
    for k in range(t):
        if k in covered:
            continue
        panel = ip.best(rng.random(t), forced=k)
        if panel is None:
            never.append(k)
            continue
        if panel not in seen:
            seen.add(panel)
            panels.append(panel)
        covered.update(j for j, c in enumerate(panel) if c)
    if not panels:
        raise SortitionError("no panel meets all quotas with these volunteers")
    fixed = {k: 0.0 for k in never}
    probabilities = np.array([1.0])
    for _round in range(MAX_ROUNDS):
        active = [k for k in range(t) if k not in fixed]
        if not active:
            break
        while True:
            probabilities, z, duals, price = _master(panels, sizes, fixed, active)
            panel = ip.best(duals)
            if panel is None or panel in seen or float(np.dot(duals, panel)) <= price + EPS:
                break
            seen.add(panel)
            panels.append(panel)
        binding = [k for k in active if duals[k] > EPS] or [min(active, key=lambda k: duals[k])]
        for k in binding:
            fixed[k] = float(z)
    keep = [j for j, p in enumerate(probabilities) if p > 1e-9]
    total = float(sum(probabilities[j] for j in keep))
    chance = [
        sum(panels[j][k] * probabilities[j] for j in keep) / total / sizes[k] for k in range(t)
    ]
    marginals = [0.0] * len(features)
    for k, people in enumerate(members):
        for i in people:
            marginals[i] = float(chance[k])
    return Distribution(
        [panels[j] for j in keep], [float(probabilities[j]) / total for j in keep], marginals,
        [i for k in never for i in members[k]], members,
    )  # fmt: skip
