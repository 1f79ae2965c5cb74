"""Benchmark: how fast the ``stadtkern`` command starts.

Each command runs as its own process, as a user types it, once a round for ``repeat``
rounds; the figure is the median wall time, with the fastest beside it. ``--help`` lists
the commands. ``pb outcome`` counts Wieliczka 2023 under its own rule: its start-up is
the whole time less the counting, which is measured in this process each round and is
also the yardstick of the machine's speed (``machine``: how much slower its slowest
round was than its fastest). ``sql`` runs ``SELECT 1``, ``import`` checks a three-row
CSV without storing it (``--dry-run``): their whole time is start-up and a trifle of
work. Each command's own ``--help`` loads it without doing anything.

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
        commands = {
            "help": ["--help"],
            "pb_outcome": ["pb", "outcome", str(WIELICZKA)],
            "pb_help": ["pb", "--help"],
            "sql": ["sql", "SELECT 1 AS x"],
            "sql_help": ["sql", "--help"],
            "import": ["import", str(csv), "--municipality", AGS, "--dataset", "drei", "--dry-run"],
            "import_help": ["import", "--help"],
        }
        # Round by round, every command once: a machine that slows down for a while slows
        # all of them alike. The counting of Wieliczka in this process is the yardstick:
        # its spread is the machine's, not the commands'.
        times = {name: [] for name in [*commands, "counting"]}
        for _ in range(repeat):
            started = time.perf_counter()
            outcome(election, election.meta.get("rule", "equalshares/add1"))
            times["counting"].append(time.perf_counter() - started)
            for name, args in commands.items():
                times[name].append(_command(env, *args))
    median = {name: round(statistics.median(t), 3) for name, t in times.items()}
    fastest = {name: round(min(t), 3) for name, t in times.items()}
    figures = {
        "help": {"total_s": median["help"], "fastest_s": fastest["help"]},
        "pb_outcome": {"total_s": median["pb_outcome"], "counting_s": median["counting"],
                       "start_s": round(median["pb_outcome"] - median["counting"], 3),
                       "own_help_s": median["pb_help"]},
        # SELECT 1 and three rows not stored: the whole time is start-up
        "sql": {"start_s": median["sql"], "fastest_s": fastest["sql"], "own_help_s": median["sql_help"]},
        "import": {"start_s": median["import"], "fastest_s": fastest["import"],
                   "own_help_s": median["import_help"]},
        # the yardstick: counting takes the same work every round
        "machine": {"counting_median_s": median["counting"], "counting_fastest_s": fastest["counting"],
                    "slowest_round_factor": round(max(times["counting"]) / min(times["counting"]), 2)},
    }  # fmt: skip
    return {
        "targets": TARGETS,
        "repeat": repeat,
        **figures,
        "meets_targets": figures["help"]["total_s"] < TARGETS["help_s"]
        and all(
            figures[c]["start_s"] < TARGETS["start_s"] for c in ("pb_outcome", "sql", "import")
        ),
    }
