"""The ``stadtkern`` command: Django's management commands plus serve, demo, bench, createadmin."""

import gc
import os
import sys
from contextlib import contextmanager, suppress

HELP = ([], ["help"], ["--help"], ["-h"])
# Commands that read a file and touch no data: they run without the app registry, whose
# models take most of a command's start-up. Each maps its leading words to the module of
# its Django command, which imports models only where a database is used.
WITHOUT_APPS = {("pb", "outcome"): "stadtkern.participation.management.commands.pb"}


def _without_apps(argv: list[str]) -> tuple[str, ...] | None:
    """The leading words of ``argv`` that name a command run without the apps, if any."""
    return next((w for w in WITHOUT_APPS if tuple(argv[: len(w)]) == w), None)


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


_console = False  # run() sets it: main() runs as the console script


@contextmanager
def _loading():
    """Load modules without the cycle collector, then set what was loaded aside.

    Loading the apps makes hundreds of thousands of objects that live as long as the
    process and almost no garbage; the collector walked them again and again, a sixth of
    the start-up. Afterwards they are frozen out of its way, as ``serve`` does."""
    if not _console:  # called by a program (tests): its objects are not ours to freeze
        yield
        return
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
        except (ImproperlyConfigured, ModuleNotFoundError) as exc:
            return _configuration_error(exc)
        return 0

    # --settings and --pythonpath count before anything reads the settings, as in
    # Django's own ManagementUtility (which would read them after django.setup()).
    from django.core.management.base import CommandError, CommandParser, handle_default_options

    early = CommandParser(add_help=False, allow_abbrev=False)
    early.add_argument("--settings")
    early.add_argument("--pythonpath")
    early.add_argument("args", nargs="*")
    with suppress(CommandError):  # the command's own parser names the mistake
        handle_default_options(early.parse_known_args(argv[1:])[0])
    # The command's parser would take "--set" for --settings after the settings were read:
    # the run would go on with the others, so a shortened name is refused.
    for arg in argv[1 : argv.index("--") if "--" in argv else None]:
        name = arg.split("=", 1)[0]
        for full in ("--settings", "--pythonpath"):
            if len(name) > 2 and name != full and full.startswith(name):
                print(f"stadtkern: write {full} in full, not {name}", file=sys.stderr)
                return 2

    words = _without_apps(argv)
    try:
        with _loading():
            if words is None:
                import django

                django.setup()
            else:
                import importlib

                from django.conf import settings

                _ = settings.INSTALLED_APPS  # a bad setting stops it as it stops the others
                command = importlib.import_module(WITHOUT_APPS[words]).Command()
    except (ImproperlyConfigured, ModuleNotFoundError) as exc:
        return _configuration_error(exc)
    if words is not None:
        command.run_from_argv(["stadtkern", *argv])
        return 0
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stadtkern", *(argv or ["help"])])
    return 0


def _configuration_error(exc: Exception) -> int:
    """Print a bad setting's message and return exit code 2; any other error goes on."""
    if isinstance(exc, ModuleNotFoundError):
        module = os.environ["DJANGO_SETTINGS_MODULE"]
        if not exc.name or not (module + ".").startswith(exc.name + "."):
            raise exc  # a missing library, not the settings
        exc = f"DJANGO_SETTINGS_MODULE={module!r} cannot be imported"
    print(f"stadtkern: configuration error: {exc}", file=sys.stderr)
    return 2


def _ran_a_data_command(argv: list[str]) -> bool:
    """Whether ``argv`` named one of the commands on data (stadtkern.core.commands), whose
    code closes what it opens; ``shell``, ``serve`` and the others run anybody's code."""
    if argv in HELP or _without_apps(argv):
        return True
    from django.apps import apps
    from django.core.management import get_commands, load_command_class

    app = get_commands().get(argv[0]) if apps.ready and argv else None
    if app is None:
        return False
    from stadtkern.core.commands import DataCommand

    return isinstance(load_command_class(app, argv[0]), DataCommand)


def run() -> None:
    """The console script: run a command; a command on data then leaves at once.

    Freeing the models, the ORM and every module one by one takes a tenth of a second at
    the end of every command, and nobody waits for memory the process gives back anyway.
    The commands on data skip it: what their exit must do still happens (the exit handlers
    run, the output is flushed, a thread still at work is waited for), and their code
    closes its files and connections where it opens them, so nothing else is left to
    finalise. Other commands, and any exit the interpreter treats specially, end as usual."""
    global _console
    _console = True
    argv = sys.argv[1:]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    code = 0 if code is None else code
    import threading

    working = any(t is not threading.main_thread() and not t.daemon and t.is_alive()
                  for t in threading.enumerate())  # fmt: skip
    plain = type(code) is int and -(2**31) <= code < 2**31
    if working or not plain or not _ran_a_data_command(argv):
        sys.exit(code)  # the interpreter's own exit: joins threads, prints a message
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError) as exc:  # as the interpreter does: say so, exit 120
            if code == 0 and stream is sys.stdout and sys.stderr is not None:
                print(f"stadtkern: the output could not be written: {exc}", file=sys.stderr)
            code = code or 120  # a command that failed has said why already
    os._exit(code & 0xFF)


if __name__ == "__main__":
    run()
