"""Scratch files of long work (import staging, workbook rows), and their cleanup.

Each file carries the id of the process that made it, so that files left behind by a
process that was killed mid-import can be told from those of one still at work and
removed at the next start (``stadtkern serve`` and ``stadtkern import`` call
``remove_orphans``).
"""

import os
import re
import tempfile
from pathlib import Path

_OWNER = re.compile(r"^stadtkern-[a-z]+-(\d+)-")


def scratch_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "stadtkern"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def scratch_file(kind: str, suffix: str) -> str:
    """Create an empty scratch file of this process and return its path."""
    fd, path = tempfile.mkstemp(
        prefix=f"stadtkern-{kind}-{os.getpid()}-", suffix=suffix, dir=scratch_dir()
    )
    os.close(fd)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process: alive
    return True


def remove_orphans() -> int:
    """Remove scratch files whose process has ended; return how many."""
    removed = 0
    for path in scratch_dir().iterdir():
        match = _OWNER.match(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
