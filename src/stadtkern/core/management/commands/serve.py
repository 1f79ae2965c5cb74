"""Serve Stadtkern with the Waitress WSGI server (static assets included).

Waitress reads requests in one asynchronous loop and hands only complete ones to its
worker threads, so clients that send slowly hold a connection, not a thread. The limits
below keep such clients from holding all connections, and refuse oversized bodies
before they are read to disk; in production a reverse proxy in front adds TLS and its
own timeouts (README, "Production").

Python runs one thread at a time in a process, so one process uses one core. With
``--processes N`` (default: one per core) the server loads the whole application (URLs,
API schemas, catalogues) once, and forks N processes that each run Waitress on a socket
of their own on the same port (SO_REUSEPORT): the kernel spreads new connections evenly
over them, and the loaded application is shared between them until one changes a page
of it. A process that dies is started again.
"""

import contextlib
import ctypes
import gc
import os
import signal
import socket
import subprocess
import sys
import time
import traceback

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def waitress_options(threads: int) -> dict:
    """Return Waitress's settings from Stadtkern's."""
    options = {
        "threads": threads,
        "ident": "stadtkern",
        # poll() instead of select(): more than 1,024 open connections.
        "asyncore_use_poll": True,
        "connection_limit": settings.SERVE_CONNECTION_LIMIT,
        # A connection that sends nothing for this long is closed.
        "channel_timeout": settings.SERVE_IDLE_TIMEOUT,
        "cleanup_interval": max(1, min(30, settings.SERVE_IDLE_TIMEOUT // 2)),
        # The largest body any endpoint takes (an import upload and its form fields).
        "max_request_body_size": settings.DATASTORE_MAX_UPLOAD + 2**20,
        "max_request_header_size": 64 * 1024,
    }
    if settings.TRUSTED_PROXY:
        # Behind a reverse proxy: the client's address and scheme come from its headers.
        options.update(
            trusted_proxy=settings.TRUSTED_PROXY,
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            clear_untrusted_proxy_headers=True,
        )
    return options


class Command(BaseCommand):
    help = "Apply migrations and serve the web UI and APIs (default http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument(
            "--processes", type=int, default=settings.SERVE_PROCESSES,
            help="server processes (default: SERVE_PROCESSES, one per core)",
        )  # fmt: skip
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply migrations first"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start `stadtkern worker` beside the server (when it runs as its own service)",
        )

    def handle(self, *args, host, port, threads, processes, no_migrate, no_worker, **options):
        from stadtkern.core.scratch import remove_orphans
        from stadtkern.wsgi import application

        if processes < 1 or threads < 1:
            raise CommandError("--processes and --threads are at least 1.")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        check_connections(processes, threads)
        remove_orphans()  # what imports killed mid-way left behind
        _load(application)
        worker = None
        if not no_worker:
            # Imports and indicator computations run there, not in the request.
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "stadtkern.cli", "worker"],
                # This process has no threads yet: what runs between fork and exec is safe.
                preexec_fn=die_with_parent,  # noqa: PLW1509
            )
        # Everything loaded so far (Django, the apps, templates, the catalogues) lives as
        # long as the process: frozen, the collector no longer walks it on every full
        # collection, which otherwise shows as pauses of 100 ms in the slowest requests
        # (and, in forked processes, no longer copies the pages it would touch).
        gc.collect()
        gc.freeze()
        try:
            # Several processes: each listens on a socket of its own on the same port
            # (SO_REUSEPORT), and the kernel spreads the connections evenly. On one shared
            # socket, the process that wakes first takes most of them, and with keep-alive
            # one core did four fifths of the work. This one only holds the port.
            claim = _claim(port)
            listener = _socket(host, port, listen=processes == 1)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
        shown = f"[{host}]" if ":" in host else host
        self.stderr.write(f"Stadtkern serves on http://{shown}:{port} with {processes} process(es) of "
                          f"{threads} threads (Ctrl+C stops)")  # fmt: skip
        try:
            if processes == 1:
                # SIGTERM ends the server like Ctrl+C, so that the worker is stopped with it.
                signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
                _serve(application, listener, threads)
            else:
                _supervise(
                    application, lambda: _socket(host, port, listen=True), threads, processes,
                    self.stderr,
                )  # fmt: skip
        except GaveUp:
            raise CommandError(
                "The server processes kept ending (their errors are above); stopped."
            ) from None
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(90)
            claim.close()


def check_connections(processes: int, threads: int) -> None:
    """Refuse to start more threads than PostgreSQL takes connections: each thread keeps
    one (CONN_MAX_AGE), and past max_connections requests would fail at connecting."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
        )
        allowed = cur.fetchone()[0]
    wanted = processes * threads + 2  # and the worker's
    if wanted > allowed:
        raise CommandError(
            f"{processes} processes of {threads} threads may hold {wanted} database connections;"
            f" PostgreSQL takes {allowed} (max_connections). Lower --processes or --threads"
            " (SERVE_PROCESSES), or raise max_connections."
        )


def _load(application) -> None:
    """Import the URLs and the API (its schemas take seconds) before any request, and
    before forking, so that no process loads them on its first visitor's time."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loading is the point)
    connections.close_all()  # a forked process opens its own connections


def _claim(port: int) -> socket.socket:
    """The port for this server alone: SO_REUSEPORT would let a second `stadtkern serve`
    on the same port (an old one left running, a staging instance) silently share the
    connections. A name in Linux's abstract socket namespace is held as long as a
    process of this server lives, and refused to anyone else (EADDRINUSE)."""
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0stadtkern-serve:{port}")
    except OSError:
        claim.close()
        raise
    return claim


def _socket(host: str, port: int, listen: bool) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _serve(application, listener: socket.socket, threads: int) -> None:
    from waitress import serve

    serve(application, sockets=[listener], **waitress_options(threads))


# Linux's prctl: a process asks to be sent a signal when its parent ends, even by SIGKILL.
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have this process receive SIGTERM when the process that started it ends, however
    it ends: server processes and the worker must not go on unsupervised, holding the
    port, after the supervisor is killed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _child(application, listen, threads: int, parent: int) -> None:
    """One server process: it stops on SIGTERM or Ctrl+C, quietly, and when its parent
    ends. An error that ends it is printed, and its exit code says so."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    die_with_parent()
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(0)
    code = 0
    try:
        _serve(application, listen(), threads)
    except BaseException:  # noqa: BLE001 - whatever ends the process is shown
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class GaveUp(Exception):
    """The server processes kept ending; the supervisor stopped."""


def _supervise(application, listen, threads: int, processes: int, log) -> None:
    """Fork the server processes and keep them running until SIGTERM or Ctrl+C. Processes
    that keep ending are started again after a growing pause; past 10 per process in a
    minute the supervisor stops them all and raises GaveUp."""
    children: set[int] = set()
    parent = os.getpid()
    stopping = False

    def spawn() -> bool:
        # A stop signal that comes while forking waits until the child is counted (so
        # it is stopped too); the child unblocks it once it has its own handlers.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            try:
                pid = os.fork()
            except OSError as exc:  # out of processes or memory: tried again later
                log.write(f"Cannot start a server process: {exc.strerror}.")
                return False
            if pid == 0:
                _child(application, listen, threads, parent)  # never returns
            children.add(pid)
            return True
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ended: list[float] = []  # when processes ended, over the last minute
    missing, next_start = processes, 0.0
    gave_up = False
    try:
        while children or (missing and not stopping):
            now = time.monotonic()
            while missing and not stopping and now >= next_start:
                if not spawn():
                    next_start = now + 1.0
                    break
                missing -= 1
            time.sleep(0.2)  # a signal ends the nap early; its handler has run by then
            for pid in list(children):
                # Only the server processes are waited for here: the worker is waited for
                # by its own handle when the server stops.
                done, status = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
                children.discard(pid)
                if stopping:
                    continue
                now = time.monotonic()
                ended = [t for t in ended if now - t < 60] + [now]
                log.write(f"A server process ended ({_how(status)}); starting another.")
                if len(ended) > 10 * processes:
                    log.write("Server processes keep ending; stopping.")
                    gave_up = True
                    stop(signal.SIGTERM, None)
                    continue
                missing += 1
                # The first few at once, then after a pause that doubles up to 10 s.
                beyond = len(ended) - processes
                next_start = now + (min(10.0, 0.25 * 2**beyond) if beyond > 0 else 0.0)
    finally:
        stop(signal.SIGTERM, None)  # whatever ended this loop, no process goes on alone
        _reap(children)
    if gave_up:
        raise GaveUp


def _reap(children: set[int], seconds: float = 30.0) -> None:
    """Wait for the stopped processes; one still there after ``seconds`` is killed."""
    deadline = time.monotonic() + seconds
    while children:
        for pid in list(children):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                children.discard(pid)
            elif time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
