"""Benchmark: the JSON API's lists, and their tail. For the measures list, the rows of a
dataset and a participation process's proposals, each with a page of 50 and of 500,
it reports the median and the 95th percentile of full requests (test client, no
network), their ratio (the target is at most 2), the physical reference (the raw SQL
that returns the same rows), the garbage collections that ran while it was timed, and
where the time went (a profile of the same requests: the functions with the most
time of their own).

Runs on a scratch database of the configured engine, never on the real one.
"""

import cProfile
import gc
import importlib.util
import pstats
import random
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.test import Client

from stadtkern.core.benchtools import scratch_database, summary, timed

DEFAULT_SIZES = [1000]  # measures and proposals; a dataset of 100 times as many rows
DEFAULT_REPEAT = 200
PAGES = (50, 500)
SUPPORTERS = 40  # accounts that support and comment, spread over the proposals


def _sibling(name: str):
    """Another benchmark's module (the set-up of measures and of dataset rows)."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"stadtkern_bench_{name}_for_api", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _proposals(municipality, n: int):
    """A published process with ``n`` proposals, supported and commented on (bulk)."""
    from django.contrib.auth import get_user_model

    from stadtkern.participation.models import Comment, Process, Proposal, Support

    rng = random.Random(n)
    people = get_user_model().objects.bulk_create(
        get_user_model()(username=f"buerger{i}", email=f"b{i}@example.org")
        for i in range(SUPPORTERS)
    )
    process = Process.objects.create(
        municipality=municipality, slug="ideen", title="Ideen für die Innenstadt", published=True
    )
    fields = list(municipality.fields_of_action.all()) or [None]
    proposals = Proposal.objects.bulk_create(
        Proposal(
            process=process, author=rng.choice(people), title=f"Vorschlag {i:05d}",
            description="Mehr Bänke und Schatten am Markt, damit man dort verweilt. " * 4,
            field_of_action=rng.choice(fields), latitude=51.4 + rng.random() / 10,
            longitude=6.6 + rng.random() / 10,
        )
        for i in range(n)
    )  # fmt: skip
    supports, comments = [], []
    for proposal in proposals:
        for person in rng.sample(people, rng.randint(0, 12)):
            supports.append(Support(proposal=proposal, user=person))
        for _ in range(rng.randint(0, 4)):
            comments.append(
                Comment(proposal=proposal, author=rng.choice(people), text="Gute Idee, aber wo?")
            )
    Support.objects.bulk_create(supports, batch_size=2000)
    Comment.objects.bulk_create(comments, batch_size=2000)
    return process


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
    return response


def _raw(statements: list[tuple]) -> None:
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()


def _statements(client: Client, url: str) -> list[tuple]:
    """The SQL a request runs, with its parameters."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        _get(client, url)
    return seen


def _profile(fn, runs: int, top: int = 8) -> list[dict]:
    """The functions with the most time of their own over ``runs`` calls, in per cent."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values()) or 1.0
    ranked = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    return [
        {
            "function": f"{Path(filename).parent.name}/{Path(filename).name}:{name}",
            "own_time_percent": round(entry[2] / total * 100, 1),
        }
        for (filename, _line, name), entry in ranked
    ]


class _Collections:
    """Garbage collections (and their time) of each generation while it is open."""

    def __init__(self):
        self.counts, self.ms, self._started = [0, 0, 0], [0.0, 0.0, 0.0], None

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.counts[info["generation"]] += 1
            self.ms[info["generation"]] += (time.perf_counter() - self._started) * 1000

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def as_dict(self) -> dict:
        return {"collections": self.counts, "ms": [round(m, 1) for m in self.ms]}


def _figure(client: Client, url: str, marker: str, repeat: int) -> dict:
    # The physical reference is the SQL the request sent (those naming the listed table),
    # run bare and fetched whole.
    sent = _statements(client, url)
    statements = [(sql, params) for sql, params in sent if marker in sql]
    for _ in range(20):
        _get(client, url)  # warm
    with _Collections() as collections:
        api = summary(timed(lambda: _get(client, url), repeat))
    raw = summary(timed(lambda: _raw(statements), repeat))
    return {
        "url": url,
        "api": api,
        "p95_to_median": round(api["p95_ms"] / max(api["median_ms"], 0.001), 2),
        "queries": len(sent),
        "raw_sql": raw,
        "ratio_to_raw_sql": round(api["median_ms"] / max(raw["median_ms"], 0.001), 1),
        "garbage_collection": collections.as_dict(),
        "profile": _profile(lambda: _get(client, url), max(10, repeat // 10)),
    }


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    from stadtkern.core.services import municipality_create

    strategy, query = _sibling("strategy"), _sibling("query")
    client = Client()
    results = []
    with scratch_database(), tempfile.TemporaryDirectory(prefix="stadtkern-api-") as tmp:
        for size in sizes:
            slug = f"bench{size}"
            municipality = municipality_create(
                name=f"Benchstadt {size}", slug=slug, ags=f"05{size:06d}"[-8:], kind="stadt",
                state="05",
            )  # fmt: skip
            progress.write(f"api bench: {size:,} measures, proposals; {size * 100:,} rows ...")
            strategy._fill(municipality, size)
            process = _proposals(municipality, size)
            rows = Path(tmp) / f"rows_{size}.csv"
            query._rows_file(rows, size * 100)
            dataset = query._import(municipality, f"rows_{size}", rows)
            base = f"/api/v1/municipalities/{slug}"
            lists = {
                "measures": (f"{base}/measures?limit={{n}}", "strategy_measure"),
                "dataset_rows": (f"{base}/datasets/{dataset.slug}/rows?limit={{n}}", dataset.table),
                "proposals": (
                    f"/api/v1/participation/processes/{slug}/{process.slug}/proposals?limit={{n}}",
                    "participation_proposal",
                ),
            }
            figures = {"measures": size, "proposals": size, "dataset_rows": size * 100}
            # As `stadtkern serve` does once it has loaded the application: what lives as
            # long as the process is left out of every later full collection.
            gc.collect()
            gc.freeze()
            for name, (url, marker) in lists.items():
                for n in PAGES:
                    progress.write(f"api bench: {name}, {n} a page ...")
                    figures[f"{name}_{n}"] = _figure(client, url.format(n=n), marker, repeat)
            results.append(figures)
    return {
        "benchmark": "api",
        "database": connection.vendor,
        "repeat": repeat,
        "targets": "each list: p95 at most twice its median",
        "results": results,
    }
