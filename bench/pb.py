"""Participatory-budgeting outcome rules: the Method of Equal Shares with Add1.

Figures:
- ``wieliczka``: the real Wieliczka 2023 Green Budget (6,586 voters, 64 projects)
  under its own rule ``equalshares/add1-comparison``, read from the .pb file and
  counted, median of the runs; the outcome is checked against the real one.
- ``synthetic``: an approval election of 100,000 voters and 150 projects (voters
  approve 1 to 15 projects, a few projects are very popular, costs spread like real
  ones, budget a quarter of all costs) under ``equalshares/add1``.
- ``ballot_submission``: 50 voters with paper codes vote at the same time against
  ``stadtkern serve`` (Waitress, its default 8 threads) on a scratch database of the
  configured engine: each arrives within the first second, submits a ballot, and
  changes it 9 times after 1 to 3 s of thought; latency of every request, and the
  ballots stored (one per voter). ``saturated``: the same voters without pauses, each
  sending the next ballot as soon as the answer comes: the most ballots per second the
  server takes, and the latency at that load. Reference: the database's own time for
  the statement that stores a ballot (the UPDATE of its row), run bare.

``--sizes`` sets the synthetic electorate (default 100000); ``--repeat`` the runs.
"""

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal

import numpy as np

from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import outcome, profile

DEFAULT_SIZES = [100_000]
DEFAULT_REPEAT = 5
VOTERS = 50
BALLOTS_PER_VOTER = 10
THINK_SECONDS = (1.0, 3.0)
SATURATED_PER_VOTER = 20
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
    progress.write(
        f"pb bench: {VOTERS} voters submit {BALLOTS_PER_VOTER} ballots each against stadtkern serve ..."
    )
    figures["ballot_submission"] = ballot_submission()
    return {"benchmark": "pb", "results": [figures]}


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _set_up_vote():
    from django.utils import timezone

    from stadtkern.core.services import municipality_create
    from stadtkern.participation import services

    town = municipality_create(
        name="Benchstadt", slug="bench", ags="05111000", kind="stadt", state="05"
    )
    process = services.process_create(
        municipality=town, slug="bhh", title="Bürgerhaushalt", published=True
    )
    now = timezone.now()
    services.phase_create(
        process=process,
        kind="voting",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    budget = services.budget_create(
        process=process, name="Gesamtstadt", amount=Decimal(1_000_000), ballot_kind="approval",
        rule="equalshares/add1", max_projects=5,
    )  # fmt: skip
    for k in range(1, 31):
        services.project_create(
            budget=budget, ref=str(k), title=f"Projekt {k}", cost=Decimal(10_000 * k)
        )
    return budget, services.voting_codes_create(process=process, count=VOTERS)


def _serve(port: int) -> subprocess.Popen:
    from django.conf import settings

    env = {**os.environ, "DATABASE_URL": _database_url(), "BALLOT_SECRET": settings.BALLOT_SECRET,
           "SECRET_KEY": settings.SECRET_KEY, "DATABASE_CONN_MAX_AGE": "600"}  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "stadtkern.cli", "serve", "--no-migrate", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("stadtkern serve did not start")


def ballot_submission() -> dict:
    from django.db import connection

    from stadtkern.core.benchtools import scratch_database, summary
    from stadtkern.participation.models import Ballot, Participation

    with scratch_database():
        budget, codes = _set_up_vote()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = _serve(port)
        path = f"/api/v1/participation/budgets/{budget.pk}/ballot-by-code"

        def crowd(
            per_voter: int, think: tuple[float, float] | None
        ) -> tuple[list[float], int, float]:
            latencies: list[float] = []
            failures = []
            lock = threading.Lock()
            start_together = threading.Barrier(VOTERS)

            def voter(code: str, seed: int):
                rng = random.Random(seed)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine = []
                start_together.wait()
                if think:
                    time.sleep(rng.random())  # arrivals spread over the first second
                for _ in range(per_voter):
                    chosen = rng.sample(range(1, 31), rng.randint(1, 5))
                    body = json.dumps({"code": code, "projects": [str(p) for p in chosen]})
                    began = time.perf_counter()
                    conn.request("POST", path, body, {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    mine.append((time.perf_counter() - began) * 1000)
                    if response.status != 200:
                        failures.append(response.status)
                    if think:
                        time.sleep(rng.uniform(*think))
                conn.close()
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=voter, args=(c, k)) for k, c in enumerate(codes)]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return latencies, len(failures), time.perf_counter() - began

        try:
            latencies, failed, seconds = crowd(BALLOTS_PER_VOTER, THINK_SECONDS)
            busy, busy_failed, busy_seconds = crowd(SATURATED_PER_VOTER, None)
        finally:
            server.terminate()
            server.wait(30)
        stored = Ballot.objects.filter(budget=budget).count()
        voted = Participation.objects.filter(budget=budget).count()
        key = Ballot.objects.filter(budget=budget).values_list("key", flat=True).first()
        table = Ballot._meta.db_table
        reference = []
        with connection.cursor() as cursor:
            for k in range(200):
                began = time.perf_counter()
                cursor.execute(f"UPDATE {table} SET projects = %s WHERE budget_id = %s AND key = %s",  # noqa: S608
                               [json.dumps([str(k % 30 + 1)]), budget.pk, key])  # fmt: skip
                reference.append((time.perf_counter() - began) * 1000)
        api = summary(latencies)
        raw = summary(reference)
        return {
            "voters": VOTERS,
            "server_threads": 8,
            "requests": len(latencies),
            "failed": failed,
            "think_seconds": list(THINK_SECONDS),
            "api": {**api, "max_ms": round(max(latencies), 2)},
            "requests_per_second": round(len(latencies) / seconds, 1),
            "saturated": {
                "requests": len(busy),
                "failed": busy_failed,
                "api": {**summary(busy), "max_ms": round(max(busy), 2)},
                "requests_per_second": round(len(busy) / busy_seconds, 1),
            },
            "ballots_stored": stored,
            "voters_recorded": voted,
            "one_ballot_per_voter": stored == voted == VOTERS,
            "raw_sql_update": raw,
            "ratio_median": round(api["median_ms"] / max(raw["median_ms"], 1e-3), 1),
        }
