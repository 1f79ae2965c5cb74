"""Scratch files of a process that was killed are removed at the next start; those of
running processes stay."""

import subprocess
import sys
from pathlib import Path

from stadtkern.core import scratch


def test_files_of_ended_processes_go_and_files_of_running_ones_stay():
    ended = subprocess.run(
        [sys.executable, "-c", "from stadtkern.core.scratch import scratch_file as f; print(f('stage', '.sqlite3'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    mine = scratch.scratch_file("stage", ".sqlite3")
    foreign = scratch.scratch_dir() / "unrelated.txt"
    foreign.write_text("x")
    assert Path(ended).exists()
    assert scratch.remove_orphans() >= 1
    assert not Path(ended).exists()
    assert Path(mine).exists() and foreign.exists()
    Path(mine).unlink()
    foreign.unlink()
