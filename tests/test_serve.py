"""`stadtkern serve` as clients meet it: slow clients do not stop it, oversized bodies are
refused before they are read, and behind a trusted proxy the client's address counts."""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(transaction=True)


def _get(port: int, path: str = "/api/v1/sdg/goals", headers: str = "") -> tuple[int, float]:
    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), time.monotonic() - began


def test_slow_clients_do_not_stop_others(served):
    port = served()
    held = []
    try:
        for _ in range(150):  # more than Waitress's default of 100 connections
            slow = socket.create_connection(("127.0.0.1", port), timeout=5)
            slow.sendall(b"GET /api/v1/sdg/goals HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")
            held.append(slow)
        answers = [_get(port) for _ in range(20)]
    finally:
        for slow in held:
            slow.close()
    assert [status for status, _s in answers] == [200] * 20
    assert max(seconds for _st, seconds in answers) < 5


def test_an_oversized_body_is_refused_before_it_is_read(served):
    port = served()
    claimed = settings.DATASTORE_MAX_UPLOAD + 200 * 2**20
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {claimed}\r\n\r\n".encode()
            + b"{" * 1000
        )
        answer = s.recv(4096)
    # Refused at once: the server did not wait for the 400 MB the client announced.
    assert answer.split(b" ", 2)[1] == b"413"


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(served, alpha):
    from stadtkern.core.models import Attempt

    port = served(TRUSTED_PROXY="127.0.0.1", LOGIN_FAILURE_LIMIT="2")

    def login(address: str) -> None:
        forwarded = {"X-Forwarded-For": address, "X-Forwarded-Proto": "http"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/login/", headers=forwarded)
        page = conn.getresponse()
        html = page.read().decode()
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        body = urlencode({"username": "erik", "password": "falsch", "csrfmiddlewaretoken": token})
        conn.request("POST", "/login/", body, {
            **forwarded, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        })  # fmt: skip
        assert conn.getresponse().status == 200
        conn.close()

    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        login(address)
    # One counter per client address, not one for the proxy.
    from stadtkern.core import throttle

    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert Attempt.objects.get(key=throttle._key("login-address", address)).count == 1
    assert not Attempt.objects.filter(key=throttle._key("login-address", "127.0.0.1")).exists()


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return {int(p) for p in f.read().split()}


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_several_processes_answer_and_one_that_dies_is_replaced(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from .conftest import database_url, free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "stadtkern.cli", "serve", "--no-migrate", "--no-worker", "--port", str(port),
         "--processes", "2", "--threads", "2"],
        env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
             "BALLOT_SECRET": settings.BALLOT_SECRET},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(_children(server.pid)) < 2 or not _answers(port):
            assert time.monotonic() < deadline, "the server did not start two processes"
            time.sleep(0.2)
        first = _children(server.pid)
        before = {pid: _cpu_ticks(pid) for pid in first}
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _i: _get(port, "/api/v1/sdg/goals")[0], range(200)))
        assert statuses == [200] * 200
        # both processes took a share of the work, not one alone
        assert all(_cpu_ticks(pid) > before[pid] for pid in first), before
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not (len(_children(server.pid)) == 2 and victim not in _children(server.pid)):
            assert time.monotonic() < deadline, "no process took the dead one's place"
            time.sleep(0.2)
        assert _get(port)[0] == 200
        survivors = _children(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    time.sleep(0.5)
    assert not any(os.path.exists(f"/proc/{pid}") and _state(pid) != "Z" for pid in survivors)


def _answers(port: int) -> bool:
    try:
        return _get(port)[0] == 200
    except OSError:
        return False


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def _start(tmp_path, *args: str) -> tuple[subprocess.Popen, int]:
    from .conftest import database_url, free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "stadtkern.cli", "serve", "--no-migrate", "--port", str(port), *args],
        env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
             "BALLOT_SECRET": settings.BALLOT_SECRET, "STADTKERN_VAR_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    return server, port


def _gone(pids, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_state(pid) in ("gone", "Z") for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_processes_and_worker_end_with_a_supervisor_killed_by_sigkill(tmp_path):
    server, port = _start(tmp_path, "--processes", "2", "--threads", "1")
    try:
        deadline = time.monotonic() + 60
        while len(_children(server.pid)) < 3 or not _answers(port):  # two servers, the worker
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        below = _children(server.pid)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        assert _gone(below), {pid: _state(pid) for pid in below}
        assert not _answers(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.kill()
        server.wait(10)


def test_a_stop_while_the_processes_start_stops_them_all(tmp_path):
    server, _port = _start(tmp_path, "--processes", "12", "--threads", "1", "--no-worker")
    started = set()
    try:
        deadline = time.monotonic() + 60
        while not (started := _children(server.pid)):
            assert time.monotonic() < deadline, "no server process started"
            time.sleep(0.01)
        server.send_signal(signal.SIGTERM)
        assert server.wait(20) == 0
        started |= _children_seen(server.pid)
        assert _gone(started)
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.kill()
        server.wait(10)


def _children_seen(pid: int) -> set[int]:
    try:
        return _children(pid)
    except FileNotFoundError:
        return set()


def test_a_server_process_that_fails_shows_why_and_says_so_in_its_exit_code(tmp_path):
    """A server process whose server cannot run (here: its socket is closed) prints the
    error and ends with exit code 1, which the supervisor reports."""
    from .conftest import database_url

    script = (
        "import os, socket, django\n"
        "django.setup()\n"
        "from stadtkern.core.management.commands import serve\n"
        "from stadtkern.wsgi import application\n"
        "listener = socket.socket(); listener.close()\n"
        "serve._child(application, lambda: listener, 1, os.getppid())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
             "BALLOT_SECRET": settings.BALLOT_SECRET, "DJANGO_SETTINGS_MODULE": "stadtkern.settings",
             "STADTKERN_VAR_DIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "OSError" in done.stderr


def test_more_threads_than_the_database_takes_connections_are_refused():
    from django.core.management.base import CommandError
    from django.db import connection

    from stadtkern.core.management.commands.serve import check_connections

    check_connections(1, 2)  # fits everywhere
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="max_connections"):
            check_connections(64, 8)
    else:
        check_connections(64, 8)  # SQLite opens a file, not a connection slot


def test_a_database_that_takes_no_more_connections_is_busy_not_broken():
    from django.db import OperationalError

    from stadtkern.core.problems import database_busy

    full = OperationalError("connection failed: FATAL:  sorry, too many clients already")
    assert database_busy(full)
    assert database_busy(OperationalError("FATAL: remaining connection slots are reserved"))
    assert not database_busy(OperationalError("relation does not exist"))


def test_a_second_server_on_the_same_port_is_refused(tmp_path):
    first, port = _start(tmp_path, "--processes", "2", "--threads", "1", "--no-worker")
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert time.monotonic() < deadline, "the first server did not start"
            time.sleep(0.2)
        from .conftest import database_url

        second = subprocess.run(
            [sys.executable, "-m", "stadtkern.cli", "serve", "--no-migrate", "--no-worker",
             "--port", str(port), "--processes", "2"],
            env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
                 "BALLOT_SECRET": settings.BALLOT_SECRET, "STADTKERN_VAR_DIR": str(tmp_path)},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"Cannot listen on 127.0.0.1:{port}" in second.stderr
        assert _answers(port)
    finally:
        first.terminate()
        first.wait(30)
