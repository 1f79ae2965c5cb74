"""Scratch files of long work (import staging, workbook rows), and their cleanup.

Each file carries the id of the process that made it, so that files left behind by a
process that was killed mid-import can be told from those of one still at work and
removed at the next start (``stadtkern serve`` and ``stadtkern import`` call
``remove_orphans``).
"""

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

_OWNER = re.compile(r"^stadtkern-[a-z]+-(\d+)-")


def scratch_dir() -> Path:
    """This user's folder in the temporary directory, which no other user may have made
    or may enter: the reader processes open files in it by name."""
    folder = Path(tempfile.gettempdir()) / f"stadtkern-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise RuntimeError(f"{folder} belongs to another user or is no folder; remove it")
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)
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
            if path.is_dir() and not path.is_symlink():  # a Shapefile unpacked from its ZIP
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
    return removed
