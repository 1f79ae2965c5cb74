"""Shared by the data commands: finding a municipality, and a progress bar on stderr
(plain lines when stderr is not a terminal)."""

import sys
import time

from django.core.management.base import CommandError
from django.db.models import Q

from stadtkern.core.models import Municipality


def municipality_by_key(key: str) -> Municipality:
    found = Municipality.objects.filter(Q(ags=key) | Q(slug=key)).first()
    if found is None:
        raise CommandError(f"No municipality with AGS or short name {key!r}.", returncode=2)
    return found


class ProgressBar:
    def __init__(self, label: str, stream=None, width: int = 30):
        self.label, self.width = label, width
        # Django's OutputWrapper ends every write with a newline; the bar needs the raw stream.
        self.stream = getattr(stream, "_out", stream) or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self._last_share = -1

    def __call__(self, done: int, total: int | None) -> None:
        share = min(done / total, 1.0) if total else 0.0
        rate = done / max(time.monotonic() - self.started, 1e-6)
        if self.tty:
            filled = int(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {share:4.0%} {done:,} rows {rate:,.0f}/s")
            self.stream.flush()
        elif int(share * 10) > self._last_share or not total:
            self._last_share = int(share * 10)
            self.stream.write(f"{self.label}: {share:.0%} ({done:,} rows)\n")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
