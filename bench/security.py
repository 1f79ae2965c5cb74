"""Safety limits under load: a vote keeps going while visitors run long SQL queries.

Figures:
- ``ballots_under_sql_load``: ``stadtkern serve`` (Waitress, 8 threads) on a scratch
  database of the configured engine; 20 voters with paper codes cast and change ballots
  (0.2 to 0.6 s between them) for 15 s, once alone (the reference) and once while two
  clients run SQL queries in a loop that each take the whole time limit (5 s, a recursive
  count stopped by the limit). Latency of every ballot (median, p95, max), ballots that
  failed (any answer but 200), and what the SQL clients got (408 after the limit).
- ``sensorthings_amplification``: 1,000,000 observations in 100 datastreams (10,000
  each); anonymous ``Observations?$top=150&$expand=Datastream($expand=Observations(
  $top=10000))`` and a ``$batch`` of 100 such requests against ``stadtkern serve``:
  status, bytes and seconds of each answer, and the server's peak resident memory
  (VmHWM) before and after.
- ``sql_value_bounds``: what holding values to their bound costs a legitimate query:
  over a dataset of 100,000 rows, ``max(length(status || '-' || nr))``, ``replace`` and
  ``string_agg`` per group through the SQL endpoint (median of 5 runs), against the same
  SQL run directly as the application (the physical reference: no checks, no sandbox).
- ``slow_clients``: 4 clients read ``/api/v1/sdg/goals`` as fast as answers come, for 10 s
  alone and for 10 s while 200 slow clients hold connections open, each sending one
  more header line per second and never finishing its request (slowloris): requests
  per second, latency and failures of the normal clients.
"""

import contextlib
import http.client
import importlib.util
import json
import random
import socket
import threading
import time
from pathlib import Path

VOTERS = 20
SECONDS = 15
THINK_SECONDS = (0.2, 0.6)
SQL_CLIENTS = 2
SLOW_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"


def _sibling(name: str):
    """Another benchmark's module: its set-up and server are shared rather than copied."""
    spec = importlib.util.spec_from_file_location(
        f"stadtkern_bench_{name}_shared", Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _post(port: int, path: str, body: dict, timeout: float = 60) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    began = time.perf_counter()
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, (time.perf_counter() - began) * 1000


def _voters(port: int, path: str, codes: list[str]) -> tuple[list[float], list[int]]:
    latencies, failures, lock = [], [], threading.Lock()
    stop = time.monotonic() + SECONDS

    def voter(code: str, seed: int):
        rng = random.Random(seed)
        time.sleep(rng.random())
        while time.monotonic() < stop:
            chosen = [str(p) for p in rng.sample(range(1, 31), rng.randint(1, 5))]
            status, ms = _post(port, path, {"code": code, "projects": chosen})
            with lock:
                latencies.append(ms)
                if status != 200:
                    failures.append(status)
            time.sleep(rng.uniform(*THINK_SECONDS))

    threads = [threading.Thread(target=voter, args=(c, k)) for k, c in enumerate(codes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures


def _sql_clients(port: int, stop: threading.Event) -> tuple[list, threading.Thread]:
    answers: list = []

    def client():
        while not stop.is_set():
            status, ms = _post(port, "/api/v1/sql", {"sql": SLOW_SQL})
            answers.append((status, ms))

    threads = [threading.Thread(target=client) for _ in range(SQL_CLIENTS)]
    for t in threads:
        t.start()
    return answers, threads


def _figures(latencies: list[float], failures: list[int]) -> dict:
    from stadtkern.core.benchtools import summary

    return {
        "ballots": len(latencies),
        "failed": len(failures),
        "failed_statuses": sorted(set(failures)),
        **summary(latencies),
        "max_ms": round(max(latencies), 2),
    }


def ballots_under_sql_load() -> dict:
    from django.conf import settings

    from stadtkern.core.benchtools import scratch_database

    pb = _sibling("pb")
    with scratch_database():
        budget, codes = pb._set_up_vote()
        codes = codes[:VOTERS]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = pb._serve(port)
        path = f"/api/v1/participation/budgets/{budget.pk}/ballot-by-code"
        try:
            alone = _figures(*_voters(port, path, codes))
            stop = threading.Event()
            answers, threads = _sql_clients(port, stop)
            time.sleep(1)  # the SQL clients are at work before the voters come
            loaded = _figures(*_voters(port, path, codes))
            stop.set()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            server.wait(30)
    statuses = sorted({status for status, _ms in answers})
    return {
        "voters": VOTERS,
        "seconds": SECONDS,
        "sql_clients": SQL_CLIENTS,
        "sql_time_limit_ms": settings.DATASTORE_SQL_TIMEOUT_MS,
        "without_sql": alone,
        "with_sql": loaded,
        "sql_queries": len(answers),
        "sql_statuses": statuses,
        "sql_median_ms": round(sorted(ms for _s, ms in answers)[len(answers) // 2], 1)
        if answers
        else None,
        "p95_ratio": round(loaded["p95_ms"] / max(alone["p95_ms"], 1e-3), 2),
    }


HEAVY = "Observations?$top=150&$expand=Datastream($expand=Observations($top=10000))"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _timed_request(port: int, method: str, path: str, body: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    data = json.dumps(body) if body is not None else None
    conn.request(method, path, data, {"Content-Type": "application/json"} if data else {})
    response = conn.getresponse()
    size = len(response.read())
    conn.close()
    return {
        "status": response.status,
        "bytes": size,
        "seconds": round(time.perf_counter() - began, 3),
    }


def sensorthings_amplification(progress) -> dict:
    from stadtkern.core.benchtools import scratch_database

    sta, pb = _sibling("sta"), _sibling("pb")
    sta.DATASTREAMS = 100  # 10,000 observations each, as the nested $top asks
    with scratch_database():
        _municipality, _secret, hours = sta._setup(1_000_000, progress)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = pb._serve(port)
        try:
            _timed_request(port, "GET", "/sta/v1.1/Things?$top=1")
            before = _peak_rss_mb(server.pid)
            single = _timed_request(port, "GET", "/sta/v1.1/" + HEAVY)
            after_single = _peak_rss_mb(server.pid)
            batch = _timed_request(
                port, "POST", "/sta/v1.1/$batch",
                {"requests": [{"id": str(k), "method": "get", "url": HEAVY} for k in range(100)]},
            )  # fmt: skip
            after_batch = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    return {
        "observations": hours * 100,
        "request": HEAVY,
        "single": single,
        "batch_of_100": batch,
        "peak_rss_mb": {"idle": before, "after_single": after_single, "after_batch": after_batch},
    }


SLOW_CLIENTS = 200
NORMAL_CLIENTS = 4
NORMAL_SECONDS = 10


def _normal_clients(port: int) -> dict:
    from stadtkern.core.benchtools import summary

    latencies, failures, lock = [], [], threading.Lock()
    stop = time.monotonic() + NORMAL_SECONDS

    def client():
        while time.monotonic() < stop:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                began = time.perf_counter()
                conn.request("GET", "/api/v1/sdg/goals")
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                if not ok:
                    failures.append(1)

    threads = [threading.Thread(target=client) for _ in range(NORMAL_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests": len(latencies),
        "failed": len(failures),
        "requests_per_second": round(len(latencies) / NORMAL_SECONDS, 1),
        **summary(latencies),
    }


def slow_clients() -> dict:
    from stadtkern.core.benchtools import scratch_database

    pb = _sibling("pb")
    with scratch_database():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = pb._serve(port)
        stop = threading.Event()
        held = []
        try:
            _normal_clients(port)  # warm up
            alone = _normal_clients(port)
            for _ in range(SLOW_CLIENTS):
                slow = socket.create_connection(("127.0.0.1", port), timeout=5)
                slow.sendall(b"GET /api/v1/sdg/goals HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                held.append(slow)

            def trickle():
                while not stop.wait(1):
                    for slow in held:
                        with contextlib.suppress(OSError):
                            slow.sendall(b"X-Slow: 1\r\n")

            dripping = threading.Thread(target=trickle, daemon=True)
            dripping.start()
            loaded = _normal_clients(port)
        finally:
            stop.set()
            for slow in held:
                slow.close()
            server.terminate()
            server.wait(30)
    return {
        "slow_clients": SLOW_CLIENTS,
        "normal_clients": NORMAL_CLIENTS,
        "alone": alone,
        "beside_slow_clients": loaded,
    }


BOUNDED_QUERY = (
    "SELECT kategorie, max(length(status || '-' || nr)), max(length(replace(status, 'e', 'ee'))),"
    " length(string_agg(status, ',')) FROM zeilen GROUP BY kategorie"
)
BOUND_ROWS = 100_000


def sql_value_bounds() -> dict:
    import statistics
    import tempfile

    import sqlglot
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from stadtkern.core.benchtools import scratch_database
    from stadtkern.core.services import municipality_create
    from stadtkern.data import importing, sql
    from stadtkern.data.models import Dataset

    with scratch_database(), tempfile.TemporaryDirectory() as folder:
        home = municipality_create(
            name="Benchstadt", slug="bench", ags="05999001", kind="stadt", state="05"
        )
        path = Path(folder) / "zeilen.csv"
        path.write_text("nr;status;kategorie\n" + "".join(
            f"{i};{'leer' if i % 3 else 'belegt'};K{i % 17}\n" for i in range(BOUND_ROWS)))  # fmt: skip
        dataset = Dataset.objects.create(municipality=home, slug="zeilen", title="Zeilen")
        importing.run_import(dataset, path, path.name, importing.Options())
        dataset.refresh_from_db()
        dialect = "postgres" if connection.vendor == "postgresql" else "sqlite"
        raw = sqlglot.transpile(BOUNDED_QUERY, read="postgres", write=dialect)[0]
        raw = raw.replace("FROM zeilen", f'FROM "{dataset.table}"')

        def endpoint():
            started = time.perf_counter()
            rows = sql.run(BOUNDED_QUERY, AnonymousUser(), home).rows
            assert len(rows) == 17
            return (time.perf_counter() - started) * 1000

        def direct():
            started = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(raw)
                assert len(cur.fetchall()) == 17
            return (time.perf_counter() - started) * 1000

        endpoint(), direct()  # warm caches
        ms = statistics.median(endpoint() for _ in range(5))
        reference = statistics.median(direct() for _ in range(5))
    return {
        "engine": connection.vendor,
        "rows": BOUND_ROWS,
        "endpoint_ms": round(ms, 1),
        "raw_sql_ms": round(reference, 1),
        "ratio": round(ms / reference, 2),
    }


def run(*, sizes, repeat, progress):
    progress.write(
        f"security bench: {VOTERS} voters for {SECONDS} s, alone and beside "
        f"{SQL_CLIENTS} clients running SQL until the time limit ...\n"
    )
    figures = {"ballots_under_sql_load": ballots_under_sql_load()}
    progress.write("security bench: SensorThings amplification requests ...\n")
    figures["sensorthings_amplification"] = sensorthings_amplification(progress)
    progress.write(f"security bench: {SLOW_CLIENTS} slow clients ...\n")
    figures["slow_clients"] = slow_clients()
    progress.write("security bench: SQL value bounds against raw SQL ...\n")
    figures["sql_value_bounds"] = sql_value_bounds()
    return {"benchmark": "security", "results": [figures]}
