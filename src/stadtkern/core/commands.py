"""The base of the commands that read or write data (import, sql, pb, indicators, ...)."""

import os
import sys

from django.core.management.base import BaseCommand, CommandError, OutputWrapper


class Output(OutputWrapper):
    """A command's standard output that cannot be written (a reader gone, a full disk, a
    closed stream) ends the command with one line and exit code 120, not a traceback."""

    def write(self, msg="", style_func=None, ending=None):
        self._guarded(super().write, msg, style_func, ending)

    def flush(self):
        self._guarded(super().flush)

    def write_whole(self, text: str) -> None:
        """Write ``text`` and a newline all the way into the file or pipe, or fail: for
        what is shown only once. A buffered write can end short without an error."""
        self.flush()
        try:
            fd = self._out.fileno()
        except (AttributeError, OSError, ValueError):  # no file behind it (a StringIO)
            self.write(text)
            self.flush()
            return
        data = (text + "\n").encode(getattr(self._out, "encoding", None) or "utf-8")
        self._guarded(_write_all, fd, data)

    def _guarded(self, call, *args):
        if self._out is None:
            raise CommandError("the output could not be written: it is closed", returncode=120)
        try:
            call(*args)
        except OSError as exc:
            raise CommandError(f"the output could not be written: {exc}", returncode=120) from None


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


class DataCommand(BaseCommand):
    """A command that works on the data and starts fast.

    Django runs its system checks before every command; they load every URL and every API
    schema, two seconds before the first row is read. Checks are for the server: ``stadtkern
    serve``, ``migrate`` and ``stadtkern check`` still run them."""

    requires_system_checks = []

    def __init__(self, stdout=None, stderr=None, no_color=False, force_color=False):
        super().__init__(stdout, stderr, no_color, force_color)
        self.stdout = Output(stdout or sys.stdout)

    def execute(self, *args, **options):
        if options.get("stdout"):  # call_command(..., stdout=...): guarded all the same
            self.stdout = Output(options.pop("stdout"))
        return super().execute(*args, **options)
