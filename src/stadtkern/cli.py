"""The ``stadtkern`` command: Django's management commands plus serve, demo, bench, createadmin."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run a command; a bad setting ends with its message and exit code 2, not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtkern.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        print(f"stadtkern: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stadtkern", *(argv or ["help"])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
