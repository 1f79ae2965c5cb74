"""Serve Stadtkern with the Waitress WSGI server (static assets included).

Waitress reads requests in one asynchronous loop and hands only complete ones to its
worker threads, so clients that send slowly hold a connection, not a thread. The limits
below keep such clients from holding all connections, and refuse oversized bodies
before they are read to disk; in production a reverse proxy in front adds TLS and its
own timeouts (README, "Production").
"""

import gc
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


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
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply migrations first"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start `stadtkern worker` beside the server (when it runs as its own service)",
        )

    def handle(self, *args, host, port, threads, no_migrate, no_worker, **options):
        from waitress import serve

        from stadtkern.core.scratch import remove_orphans
        from stadtkern.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        remove_orphans()  # what imports killed mid-way left behind
        worker = None
        if not no_worker:
            # Imports and indicator computations run there, not in the request.
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "stadtkern.cli", "worker"]
            )
        # Everything loaded so far (Django, the apps, templates, the catalogues) lives as
        # long as the process: frozen, the collector no longer walks it on every full
        # collection, which otherwise shows as pauses of 100 ms in the slowest requests.
        gc.collect()
        gc.freeze()
        self.stderr.write(f"Stadtkern serves on http://{host}:{port} (Ctrl+C stops)")
        # SIGTERM ends the server like Ctrl+C, so that the worker is stopped with it.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            serve(application, host=host, port=port, **waitress_options(threads))
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(90)
