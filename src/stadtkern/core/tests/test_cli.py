"""The stadtkern command: demo, createadmin, bench lookup."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from stadtkern.core.models import Municipality, User
from stadtkern.strategy.models import Benefit, Measure


@pytest.mark.django_db
def test_demo_loads_a_complete_strategy_and_a_second_municipality(monkeypatch):
    monkeypatch.setenv("STADTKERN_DEMO_PASSWORD", "demo-passwort-123")
    out = io.StringIO()
    call_command("demo", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["password"] == "demo-passwort-123"
    m = Municipality.objects.get(slug="musterstadt")
    assert m.vision_versions.filter(published=True).exists()
    assert m.values.count() >= 6 and m.goals.count() >= 6 and m.fields_of_action.count() >= 8
    measures = Measure.objects.filter(municipality=m)
    assert measures.count() == 31
    assert not measures.filter(title_en="").exists()
    assert (
        Benefit.objects.filter(measure__municipality=m).values("measure").distinct().count() == 31
    )
    assert Municipality.objects.filter(slug="beispielhausen").exists()
    assert User.objects.get(username="anna").check_password("demo-passwort-123")
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", stdout=io.StringIO())
    printed = io.StringIO()
    call_command("demo", "--reset", "--port", "8123", stdout=printed)
    assert Measure.objects.filter(municipality__slug="musterstadt").count() == 31
    assert (
        "http://127.0.0.1:8123/login/" in printed.getvalue() and ":8000" not in printed.getvalue()
    )


@pytest.mark.django_db
def test_createadmin_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("STADTKERN_ADMIN_PASSWORD", "a-long-and-unusual-passphrase")
    call_command("createadmin", "--username", "root", stdout=io.StringIO())
    user = User.objects.get(username="root")
    assert user.is_staff and user.check_password("a-long-and-unusual-passphrase")
    with pytest.raises(CommandError, match="exists already"):
        call_command("createadmin", "--username", "root")


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("STADTKERN_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", "--username", "weak")


def test_unknown_benchmark_is_a_clear_error():
    with pytest.raises(CommandError, match="No benchmark 'nope'"):
        call_command("bench", "nope")


@pytest.mark.parametrize("argv", [[], ["help"], ["--help"], ["-h"]])
def test_the_fast_help_lists_what_django_lists(argv, capsys):
    """``stadtkern --help`` finds the commands on disk instead of starting every app; the
    list must stay the one Django's own help prints."""
    from django.core.management import ManagementUtility

    from stadtkern.cli import main

    assert main(argv) == 0
    fast = capsys.readouterr().out
    assert fast == ManagementUtility(["stadtkern", "--help"]).main_help_text() + "\n"
    assert "[stadtkern]" not in fast and "    serve" in fast and "    pb" in fast


def test_data_commands_skip_the_servers_system_checks():
    """The checks load every URL and API schema (seconds); commands on data need none."""
    from django.core.management import get_commands, load_command_class

    skipping = {name for name, app in get_commands().items() if app.startswith("stadtkern")
                and load_command_class(app, name).requires_system_checks == []}  # fmt: skip
    assert {"import", "sql", "pb", "indicators", "participation", "steering", "token"} <= skipping
    assert "serve" not in skipping and "worker" not in skipping


ELECTION = str(
    Path(__file__).parents[2] / "participation" / "elections" / "Netherlands_Assen_2024.pb"
)


def _console(*args, env=None, before="", timeout=120):
    """``stadtkern ARGS`` through the console script's entry point, after ``before``."""
    probe = f"{before}\nimport sys\nsys.argv = {['stadtkern', *args]!r}\nfrom stadtkern.cli import run\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_a_data_command_leaves_fast_but_runs_the_exit_handlers_and_waits_for_threads(
    tmp_path,
):
    """``run`` skips the interpreter's tear-down after a command on data; what an exit must
    do still happens: handlers run, a working thread is waited for, the output is whole."""
    handler, thread = tmp_path / "handler", tmp_path / "thread"
    before = (
        "import atexit, threading, time\n"
        f"atexit.register(lambda: open({str(handler)!r}, 'w').write('ran'))\n"
        "def later():\n"
        "    time.sleep(0.5)\n"
        f"    open({str(thread)!r}, 'w').write('done')\n"
        "threading.Thread(target=later).start()\n"
    )
    done = _console("pb", "outcome", ELECTION, "--explain", before=before,
                     env={"PYTHONUNBUFFERED": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["projects"]) > 10  # all of it, though nothing flushed it
    assert handler.read_text() == "ran" and thread.read_text() == "done"
    fast = _console("pb", "outcome", ELECTION, env={"PYTHONUNBUFFERED": ""})
    assert fast.returncode == 0 and json.loads(fast.stdout)["cost"] == 76700


def test_other_commands_end_as_the_interpreter_ends_them(tmp_path):
    """``shell`` runs anybody's code: a file left open is written, a temporary file kept
    in a global is removed, as an ordinary exit does."""
    kept, tmp = tmp_path / "kept.txt", tmp_path / "tmp"
    tmp.mkdir()
    code = (
        "import os, tempfile\n"
        f"os._kept = open({str(kept)!r}, 'w')\n"
        "os._kept.write('data')\n"
        f"os._tmp = tempfile.NamedTemporaryFile(dir={str(tmp)!r})\n"
    )
    done = _console("shell", "--no-imports", "-c", code, env={"PYTHONUNBUFFERED": ""})
    assert done.returncode == 0, done.stderr
    assert kept.read_text() == "data" and list(tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["pb", "outcome", "/nirgends.pb"], 1, "CommandError: /nirgends.pb: no such file"),
        (["pb", "outcome"], 2, "the following arguments are required: file"),
        (["sql"], 2, "the following arguments are required"),
        (["shell", "-c", "import sys; sys.exit('kaputt')"], 1, "kaputt"),
        (["shell", "-c", "import sys; sys.exit(3)"], 3, ""),
        (["shell", "-c", "import sys; sys.exit(-1)"], 255, ""),
        (["shell", "-c", "import sys; sys.exit(2**40)"], 0, ""),
        (["shell", "-c", "import sys; sys.exit([1])"], 1, "[1]"),
        (["nosuchcommand"], 1, "Unknown command: 'nosuchcommand'"),
    ],
)
def test_the_console_script_keeps_exit_codes_and_messages(args, code, message):
    done = _console(*args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("words", [["pb", "outcome", ELECTION], ["sql", "SELECT 1 AS x"]])
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"DATABASE_URL": "postgres://u:p@[kaputt/x"}, "DATABASE_URL cannot be read"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL scheme 'mysql' is not supported"),
        ({"DEBUG": "vielleicht"}, "DEBUG='vielleicht' is not a boolean"),
        ({"STADTKERN_VAR_DIR": "/proc/nirgends"}, "STADTKERN_VAR_DIR: /proc/nirgends cannot be"),
        ({"CSRF_TRUSTED_ORIGINS": "http://[x"}, "CSRF_TRUSTED_ORIGINS cannot be read"),
        ({"DJANGO_SETTINGS_MODULE": "nirgends.settings"}, "DJANGO_SETTINGS_MODULE='nirgends.settings' cannot"),
    ],
)  # fmt: skip
def test_a_bad_setting_stops_every_command_before_it_prints(words, setting, message):
    """Also the commands that need no database: a result must not come out of a
    configuration that the next command refuses."""
    done = _console(*words, env=setting)
    assert (done.returncode, done.stdout) == (2, "")
    assert f"stadtkern: configuration error: {message}" in done.stderr
    assert "Traceback" not in done.stderr


def test_settings_named_on_the_command_line_count(tmp_path):
    (tmp_path / "andere.py").write_text("from stadtkern.settings import *\nMARKE = 'andere'\n")
    code = "from django.conf import settings; print(settings.MARKE)"
    done = _console("shell", "--no-imports", "-c", code, "--settings=andere",
                    f"--pythonpath={tmp_path}")  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "andere\n"), done.stderr
    for short in ("--set=andere", "--sett", "--pyth"):
        refused = _console("sql", "SELECT 1", short, "andere")
        assert refused.returncode == 2 and "in full" in refused.stderr, refused.stderr
    wrong = _console("sql", "SELECT 1", "--settings=nirgends.andere")
    assert wrong.returncode == 2
    assert "DJANGO_SETTINGS_MODULE='nirgends.andere' cannot be imported" in wrong.stderr


@pytest.mark.parametrize("how", ["closed", "full"])
def test_a_command_on_data_whose_output_cannot_be_written_says_so_once(how, tmp_path):
    """Whether the output fails while the command writes (more than a buffer) or at the
    end: one line, exit code 120, no traceback."""
    big = tmp_path / "gross.pb"
    projects = "".join(f"{i};{i}\n" for i in range(1, 2001))
    votes = "".join(f"v{i};{i}\n" for i in range(1, 2001))
    big.write_text("META\nkey;value\nbudget;100000\nrule;greedy\nPROJECTS\nproject_id;cost\n"
                   f"{projects}VOTES\nvoter_id;vote\n{votes}")  # fmt: skip
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "stadtkern.cli", "pb", "outcome", str(big), "--explain"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "PYTHONUNBUFFERED": ""},
            preexec_fn=(lambda: os.close(1)) if how == "closed" else None,
        )  # fmt: skip
    assert done.returncode == 120
    assert done.stderr.count("the output could not be written") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_output_that_cannot_be_written_is_said_and_fails():
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "stadtkern.cli", "pb", "outcome", ELECTION, "--explain"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "PYTHONUNBUFFERED": ""},
        )  # fmt: skip
    assert done.returncode == 120
    assert "stadtkern: the output could not be written: [Errno 28]" in done.stderr


def test_loading_the_apps_leaves_the_collector_on_with_the_apps_frozen():
    """The console script loads the apps without the cycle collector, then freezes them;
    a program that calls main() itself keeps its collector as it was."""
    before = (
        "import atexit, gc, sys\n"
        "def state():\n"
        "    from django.apps import apps\n"
        "    print(gc.isenabled(), apps.ready, gc.get_freeze_count() > 20000, file=sys.stderr)\n"
        "atexit.register(state)\n"
    )
    done = _console("sql", "--help", before=before)
    assert done.stderr.strip().splitlines()[-1] == "True True True", done.stderr
    called = subprocess.run(
        [sys.executable, "-c", before + "from stadtkern.cli import main\n"
         "try:\n    main(['sql', '--help'])\nexcept SystemExit:\n    pass\n"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert called.stderr.strip().splitlines()[-1] == "True True False", called.stderr
