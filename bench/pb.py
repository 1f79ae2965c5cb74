"""Participatory-budgeting outcome rules: the Method of Equal Shares with Add1.

Figures:
- ``wieliczka``: the real Wieliczka 2023 Green Budget (6,586 voters, 64 projects)
  under its own rule ``equalshares/add1-comparison``, read from the .pb file and
  counted, median of the runs; the outcome is checked against the real one.
- ``synthetic``: an approval election of 100,000 voters and 150 projects (voters
  approve 1 to 15 projects, a few projects are very popular, costs spread like real
  ones, budget a quarter of all costs) under ``equalshares/add1``.

``--sizes`` sets the synthetic electorate (default 100000); ``--repeat`` the runs.
"""

import statistics
import time
from decimal import Decimal

import numpy as np

from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import outcome, profile

DEFAULT_SIZES = [100_000]
DEFAULT_REPEAT = 5
WIELICZKA = "Poland_Wieliczka_2023_Green_Budget.pb"
PROJECTS = 150


def synthetic(voters: int, projects: int = PROJECTS, seed: int = 2023) -> pabulib.Election:
    """Return a reproducible approval election with a realistic spread of support and cost."""
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.2, projects) + 0.2
    weights = np.log(popularity / popularity.sum())
    costs = np.round(rng.lognormal(11.5, 0.8, projects), -2).clip(5_000, 2_000_000).astype(int)
    sizes = rng.poisson(4, voters).clip(1, 15)
    ballots = []
    for start in range(0, voters, 10_000):
        stop = min(voters, start + 10_000)
        # Weighted choice without replacement for a block of voters: the k largest
        # log-weights plus Gumbel noise are a weighted sample of k projects.
        keys = weights + rng.gumbel(size=(stop - start, projects))
        ranked = np.argsort(-keys, axis=1)
        for v in range(start, stop):
            ballots.append(
                pabulib.Ballot(str(v + 1), [str(c + 1) for c in ranked[v - start, : sizes[v]]])
            )
    project_map = {
        str(c + 1): pabulib.Project(str(c + 1), Decimal(int(costs[c]))) for c in range(projects)
    }
    meta = {
        "budget": str(int(costs.sum()) // 4),
        "vote_type": "approval",
        "rule": "equalshares/add1",
    }
    return pabulib.Election(meta, project_map, ballots)


def _timed(election, rule, repeat):
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = outcome(election, rule)
        runs.append(time.perf_counter() - started)
    return result, runs


def run(*, sizes, repeat, progress):
    from stadtkern.participation.tests.elections import PABULIB_DIR

    figures = {}
    progress.write(f"pb bench: {WIELICZKA} under its own rule ...")
    started = time.perf_counter()
    election = pabulib.load(PABULIB_DIR / WIELICZKA)
    read = time.perf_counter() - started
    result, runs = _timed(election, None, repeat)
    real = {p.id for p in election.projects.values() if p.selected}
    figures["wieliczka"] = {
        "rule": result.rule,
        "voters": len(election.ballots),
        "projects": len(election.projects),
        "read_seconds": round(read, 4),
        "median_seconds": round(statistics.median(runs), 4),
        "runs_seconds": [round(r, 4) for r in runs],
        "share_per_voter": result.explanation[result.selected[0]]["share_per_voter"],
        "selected": len(result.selected),
        "equals_real_outcome": set(result.selected) == real,
    }
    for voters in sizes:
        progress.write(
            f"pb bench: synthetic approval election, {voters:,} voters, {PROJECTS} projects ..."
        )
        election = synthetic(voters)
        entries = sum(len(b.projects) for b in election.ballots)
        started = time.perf_counter()
        profile(election)
        arrays = time.perf_counter() - started
        result, runs = _timed(election, "equalshares/add1", repeat)
        figures[f"synthetic_{voters}"] = {
            "rule": result.rule,
            "voters": voters,
            "projects": PROJECTS,
            "approvals": entries,
            "median_seconds": round(statistics.median(runs), 4),
            "runs_seconds": [round(r, 4) for r in runs],
            "of_which_building_arrays_seconds": round(arrays, 4),
            "share_per_voter": result.explanation[result.selected[0]]["share_per_voter"],
            "selected": len(result.selected),
            "cost": int(result.cost),
            "budget": int(election.budget),
        }
    return {"benchmark": "pb", "results": [figures]}
