"""Benchmark: how fast the ``stadtkern`` command starts.

Each command runs as its own process, as a user types it, ``repeat`` times; the figure is
the median wall time. ``--help`` lists the commands. ``pb outcome`` counts Wieliczka 2023
under its own rule: its start-up is the whole time less the counting, which is measured
in this process. ``sql`` runs ``SELECT 1``, ``import`` checks a three-row CSV without
storing it (``--dry-run``): their whole time is start-up and a trifle of work. Each
command's own ``--help`` loads it without doing anything.

The commands run against a scratch SQLite instance in a temporary folder (migrated once,
not timed), so that the figures do not depend on the database the benchmark was given.
Each run goes through the console script's entry point (``stadtkern.cli.run``), exit
included. The package's bytecode is compiled first, as installing a wheel does: with
``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would otherwise compile every module
on every start.
"""

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import outcome

DEFAULT_SIZES = [1]
DEFAULT_REPEAT = 11
# the elections shipped with the participation app (Pabulib, see its README)
WIELICZKA = Path(pabulib.__file__).parent / "elections" / "Poland_Wieliczka_2023_Green_Budget.pb"
AGS = "05999001"
TARGETS = {"help_s": 0.3, "start_s": 0.5}


def _command(env, *args) -> float:
    started = time.perf_counter()
    line = [
        sys.executable,
        "-c",
        "from stadtkern.cli import run; run()",
        *args,
    ]
    done = subprocess.run(line, env=env, capture_output=True, text=True)  # noqa: S603 (our own command)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"stadtkern {' '.join(args)} failed: {done.stderr[-500:]}")
    return took


def _median(env, repeat: int, *args) -> float:
    return round(statistics.median(_command(env, *args) for _ in range(repeat)), 3)


def run(*, sizes, repeat, progress) -> dict:
    with tempfile.TemporaryDirectory(prefix="stadtkern-startup-") as folder:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["STADTKERN_VAR_DIR"] = folder
        progress.write("startup bench: a scratch instance ...")
        _command(env, "migrate", "--no-input")
        _command(env, "shell", "-c", "from stadtkern.core.services import municipality_create; "
                 f"municipality_create(name='Startstadt', slug='startstadt', ags='{AGS}', kind='stadt', state='05')")  # fmt: skip
        csv = Path(folder) / "drei.csv"
        csv.write_text("Name;Wert\nA;1\nB;2\nC;3\n", encoding="utf-8")
        compileall.compile_dir(Path(pabulib.__file__).parents[1], quiet=1)
        progress.write("startup bench: timing the commands ...")
        election = pabulib.load(WIELICZKA)
        counting = []
        for _ in range(repeat):
            started = time.perf_counter()
            outcome(election, election.meta.get("rule", "equalshares/add1"))
            counting.append(time.perf_counter() - started)
        pb_total = _median(env, repeat, "pb", "outcome", str(WIELICZKA))
        pb_counting = round(statistics.median(counting), 3)
        figures = {
            "help": {"total_s": _median(env, repeat, "--help")},
            "pb_outcome": {"total_s": pb_total, "counting_s": pb_counting,
                           "start_s": round(pb_total - pb_counting, 3),
                           "own_help_s": _median(env, repeat, "pb", "--help")},
            "sql": {"total_s": _median(env, repeat, "sql", "SELECT 1 AS x"),
                    "own_help_s": _median(env, repeat, "sql", "--help")},
            "import": {"total_s": _median(env, repeat, "import", str(csv), "--municipality", AGS, "--dataset",
                                          "drei", "--dry-run"),
                       "own_help_s": _median(env, repeat, "import", "--help")},
        }  # fmt: skip
    figures["sql"]["start_s"] = figures["sql"]["total_s"]  # SELECT 1: the whole time is start-up
    figures["import"]["start_s"] = figures["import"]["total_s"]  # three rows, nothing stored
    return {
        "targets": TARGETS,
        "repeat": repeat,
        **figures,
        "meets_targets": figures["help"]["total_s"] < TARGETS["help_s"]
        and all(
            figures[c]["start_s"] < TARGETS["start_s"] for c in ("pb_outcome", "sql", "import")
        ),
    }
