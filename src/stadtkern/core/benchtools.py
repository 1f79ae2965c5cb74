"""Helpers of the benchmarks in bench/: a scratch database, timing, summaries.

A benchmark never touches the configured database: it creates the test database of the
same engine (an SQLite file in WAL mode, or a PostgreSQL database next to the real one)
and drops it afterwards.
"""

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment


@contextmanager
def scratch_database() -> Iterator[None]:
    db = settings.DATABASES["default"]
    scratch = None
    if db["ENGINE"].endswith("sqlite3"):
        # A file in WAL mode like the real default, not an in-memory database.
        scratch = tempfile.TemporaryDirectory(prefix="stadtkern-bench-")
        db.setdefault("TEST", {})["NAME"] = str(Path(scratch.name) / "bench.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # The work of a request is measured, not the visitors' page cache in front of it
    # (`stadtkern bench load` measures that, through `stadtkern serve`).
    cache_seconds, settings.PAGE_CACHE_SECONDS = settings.PAGE_CACHE_SECONDS, 0
    try:
        yield
    finally:
        settings.PAGE_CACHE_SECONDS = cache_seconds
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        if scratch is not None:
            scratch.cleanup()


def timed(fn: Callable[[], object], repeat: int, warm_up: bool = True) -> list[float]:
    """Milliseconds of ``repeat`` calls, after one untimed call that warms caches."""
    if warm_up:
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
    }
