"""Serve Stadtkern with the Waitress WSGI server (static assets included)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations and serve the web UI and APIs (default http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply migrations first"
        )

    def handle(self, *args, host, port, threads, no_migrate, **options):
        from waitress import serve

        from stadtkern.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        self.stderr.write(f"Stadtkern serves on http://{host}:{port} (Ctrl+C stops)")
        serve(application, host=host, port=port, threads=threads, ident="stadtkern")
