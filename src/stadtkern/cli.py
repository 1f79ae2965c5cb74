"""The ``stadtkern`` command: Django's management commands plus serve, demo, bench, createadmin."""

import gc
import os
import sys
from contextlib import contextmanager

HELP = ([], ["help"], ["--help"], ["-h"])
# Commands that read a file and touch no data: they run without the app registry, whose
# models take most of a command's start-up. Each maps its leading words to the module of
# its Django command, which imports models only where a database is used.
WITHOUT_APPS = {("pb", "outcome"): "stadtkern.participation.management.commands.pb"}


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


@contextmanager
def _loading():
    """Load modules without the cycle collector, then set what was loaded aside.

    Loading the apps makes hundreds of thousands of objects that live as long as the
    process and almost no garbage; the collector walked them again and again, a sixth of
    the start-up. Afterwards they are frozen out of its way, as ``serve`` does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


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

    for words, module in WITHOUT_APPS.items():
        if tuple(argv[: len(words)]) == words:
            import importlib

            with _loading():
                command = importlib.import_module(module).Command()
            command.run_from_argv(["stadtkern", *argv])
            return 0

    try:
        with _loading():
            import django

            django.setup()
    except ImproperlyConfigured as exc:
        print(f"stadtkern: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stadtkern", *(argv or ["help"])])
    return 0


def run() -> None:
    """The console script: run a command, then leave without tearing the interpreter down.

    Freeing the models, the ORM and every module one by one takes a tenth of a second at
    the end of every command, and nobody waits for memory the process gives back anyway.
    What an ordinary exit does that matters still happens: the exit handlers run (logging,
    temporary folders), the output is flushed, and a thread still at work is waited for."""
    try:
        code = main()
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # as the interpreter does: the message to stderr, exit 1
        print(code, file=sys.stderr)
        code = 1
    code = 0 if code is None else code
    import threading

    working = [t for t in threading.enumerate()
               if t is not threading.main_thread() and not t.daemon and t.is_alive()]  # fmt: skip
    if working:
        sys.exit(code)  # the ordinary exit joins them
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the interpreter's own exit code for it
            code = code or 120
    os._exit(code)


if __name__ == "__main__":
    run()
