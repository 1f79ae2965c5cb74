"""Benchmark: Stadtkern under load, over loopback, through ``stadtkern serve``.

A scratch instance with ``make demo``'s data (SQLite, in a temporary folder; loading is
not timed) is served with one process and then with one process per core. Against each:

- the newest 100 observations of a datastream through SensorThings, by 10 and by 50
  clients that send their next request as soon as the last one is answered;
- a crowd of 50 visitors, each waiting 0.5 to 1.5 s between requests, spread over the
  home page, the strategy house, its analysis, the data catalogue, a dataset,
  participation, the English house and the measures API.

Each phase lasts ``--sizes`` seconds (default 10). The figures are requests per second,
the median and the 95th percentile of the response times, the errors, and the CPU time
the server spent per request. The clients run in this process (threads, one keep-alive
connection each) on the same machine and take a share of its cores: the server's CPU per
request tells its capacity apart from theirs. Where ApacheBench (``ab``) is installed,
the newest-100 phases run once more with it as the clients (``..._ab``): written in C,
it leaves the cores to the server, and ``speed_up_*`` compares one process with one per
core.
"""

import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_SIZES = [10]
DEFAULT_REPEAT = 1
SLUG = "musterstadt"
CROWD_PATHS = ["/", f"/m/{SLUG}/", f"/m/{SLUG}/analysis/", "/data/", f"/m/{SLUG}/data/leerstandskataster/",
               f"/m/{SLUG}/participation/", f"/en/m/{SLUG}/", f"/api/v1/municipalities/{SLUG}/measures"]  # fmt: skip
NEWEST = "/sta/v1.1/Datastreams({id})/Observations?$top=100&$orderby=phenomenonTime%20desc"


def _stadtkern(env, *args, **kwargs):
    line = [sys.executable, "-m", "stadtkern.cli", *args]
    return subprocess.Popen(line, env=env, **kwargs)  # noqa: S603 (our own command)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("stadtkern serve did not answer")


def _server_cpu_s(pid: int) -> float:
    """CPU seconds the server (the process and the processes it forked) has used."""
    ticks = os.sysconf("SC_CLK_TCK")

    def own(p: int) -> int:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = [int(c) for c in f.read().split()]
    return sum(own(p) for p in [pid, *children]) / ticks


def _phase(port: int, clients: int, seconds: float, paths: list[str], think: tuple | None,
           server: int) -> dict:  # fmt: skip
    """``clients`` threads, each on its own keep-alive connection, for ``seconds``."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop_at:
            path = rng.choice(paths)
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept-Language": "de"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - began)
            if think:
                time.sleep(rng.uniform(*think))
        with lock:
            times.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    cpu_before = _server_cpu_s(server)
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    cpu = _server_cpu_s(server) - cpu_before
    ms = sorted(t * 1000 for t in times)
    return {"clients": clients, "requests": len(ms), "requests_per_s": round(len(ms) / took, 1),
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None, "errors": errors[0],
            # what the server alone spends per request: its capacity whatever the clients cost
            "server_cpu_ms_per_request": round(cpu * 1000 / len(ms), 2) if ms else None}  # fmt: skip


def _ab(port: int, clients: int, seconds: float, path: str, server: int) -> dict:
    """The same phase with ApacheBench as the clients: a C program that keeps
    ``clients`` keep-alive connections busy and takes little CPU of its own."""
    cpu_before = _server_cpu_s(server)
    done = subprocess.run(  # noqa: S603
        [shutil.which("ab"), "-q", "-k", "-c", str(clients), "-t", str(seconds), "-n", "10000000",
         "-H", "Accept-Language: de", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    cpu = _server_cpu_s(server) - cpu_before
    out = done.stdout

    def figure(pattern: str) -> float:
        return float(re.search(pattern, out, re.MULTILINE).group(1))

    requests = int(figure(r"^Complete requests:\s+(\d+)"))
    failed = int(figure(r"^Failed requests:\s+(\d+)"))
    non_2xx = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.MULTILINE)
    return {"clients": clients, "client": "ab", "requests": requests,
            "requests_per_s": figure(r"^Requests per second:\s+([\d.]+)"),
            "median_ms": figure(r"^\s+50%\s+(\d+)"), "p95_ms": figure(r"^\s+95%\s+(\d+)"),
            "errors": failed + (int(non_2xx.group(1)) if non_2xx else 0),
            "server_cpu_ms_per_request": round(cpu * 1000 / max(requests, 1), 2)}  # fmt: skip


def run(*, sizes, repeat, progress) -> dict:
    seconds = sizes[0]
    out: dict = {"seconds_per_phase": seconds, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="stadtkern-load-") as folder:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(STADTKERN_VAR_DIR=folder, STADTKERN_DEMO_PASSWORD=secrets.token_urlsafe(16))
        progress.write("load bench: loading the demo (not timed) ...")
        if (
            _stadtkern(env, "demo", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait()
            != 0
        ):
            raise RuntimeError("stadtkern demo failed")
        newest = [NEWEST.format(id=1)]
        for processes in (1, os.cpu_count() or 1):
            key = f"{processes}_process" + ("es" if processes > 1 else "")
            if key in out:
                continue
            port = _free_port()
            server = _stadtkern(env, "serve", "--no-migrate", "--no-worker", "--port", str(port), "--processes",
                                str(processes), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                _wait(port)
                _phase(port, 4, 2, CROWD_PATHS + newest, None, server.pid)  # warm every process
                progress.write(f"load bench: {processes} process(es) ...")
                out[key] = {
                    "newest_100_10_clients": _phase(port, 10, seconds, newest, None, server.pid),
                    "newest_100_50_clients": _phase(port, 50, seconds, newest, None, server.pid),
                    "crowd_50_visitors": _phase(
                        port, 50, seconds, CROWD_PATHS, (0.5, 1.5), server.pid
                    ),
                }
                if shutil.which("ab"):
                    for clients in (10, 50):
                        out[key][f"newest_100_{clients}_clients_ab"] = _ab(
                            port, clients, seconds, newest[0], server.pid
                        )
            finally:
                server.terminate()
                server.wait(30)
    for clients in (10, 50):
        one, several = out.get("1_process", {}), out.get(f"{os.cpu_count()}_processes", {})
        name = f"newest_100_{clients}_clients_ab"
        if name in one and name in several:
            out[f"speed_up_{clients}_clients_ab"] = round(
                several[name]["requests_per_s"] / one[name]["requests_per_s"], 2
            )
    return out
