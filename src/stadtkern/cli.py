"""The ``stadtkern`` command: Django's management commands plus serve, demo, bench, createadmin."""

import os
import sys

HELP = ([], ["help"], ["--help"], ["-h"])


def help_text() -> str:
    """Django's list of commands, found on disk: listing names needs neither the models
    nor the apps' start-up, so ``stadtkern --help`` answers at once."""
    import importlib.util
    from collections import defaultdict
    from pathlib import Path

    import django.core.management as management
    from django.conf import settings
    from django.core.management import find_commands
    from django.core.management.color import color_style

    by_name = {name: "django" for name in find_commands(management.__path__[0])}
    for app in reversed(settings.INSTALLED_APPS):  # the first app with a name wins, as in Django
        spec = importlib.util.find_spec(app)
        if spec is not None and spec.submodule_search_locations:
            folder = Path(spec.submodule_search_locations[0]) / "management"
            by_name.update({name: app.rpartition(".")[-1] for name in find_commands(str(folder))})
    by_app = defaultdict(list)
    for name, app in by_name.items():
        by_app[app].append(name)
    style = color_style()
    lines = ["", "Type 'stadtkern help <subcommand>' for help on a specific subcommand.", "",
             "Available subcommands:"]  # fmt: skip
    for app in sorted(by_app):
        lines += ["", style.NOTICE(f"[{app}]"), *(f"    {name}" for name in sorted(by_app[app]))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a command; a bad setting ends with its message and exit code 2, not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtkern.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    from django.core.exceptions import ImproperlyConfigured

    if argv in HELP:
        try:
            sys.stdout.write(help_text() + "\n")
        except ImproperlyConfigured as exc:
            print(f"stadtkern: configuration error: {exc}", file=sys.stderr)
            return 2
        return 0

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
