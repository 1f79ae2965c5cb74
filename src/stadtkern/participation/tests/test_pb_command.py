"""stadtkern pb outcome: JSON on stdout, a defect named with file and line."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from .elections import PABULIB_DIR

ASSEN = str(PABULIB_DIR / "Netherlands_Assen_2024.pb")


def run(*args) -> dict:
    out = io.StringIO()
    call_command("pb", *args, stdout=out)
    return json.loads(out.getvalue())


def test_outcome_prints_the_files_rule_its_winners_and_their_cost():
    result = run("outcome", ASSEN)
    assert set(result) == {"rule", "selected", "cost", "seconds"}
    assert result["rule"] == "equalshares/add1"
    assert sorted(result["selected"], key=int) == ["2", "3", "5", "6", "9", "11", "12", "13", "14"]
    assert result["cost"] == 76700
    assert 0 <= result["seconds"] < 60


def test_outcome_under_another_rule_with_reasons():
    result = run("outcome", ASSEN, "--rule", "greedy", "--explain")
    assert result["rule"] == "greedy"
    reasons = {pid: p["reason"] for pid, p in result["projects"].items()}
    assert {reasons[pid] for pid in result["selected"]} == {"fits"}
    assert set(reasons.values()) <= {"fits", "does_not_fit"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;zehn\nVOTES\nvoter_id;vote\n",
         ":6: cost of project 1 'zehn' is not a number"),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\n", ": the file has no VOTES section"),
        ("META\nkey;value\nbudget;10\nrule;greedy\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\nv;1\nv;1\n",
         ":11: voter v appears twice"),
    ],
)  # fmt: skip
def test_a_defective_file_is_named_with_its_line(tmp_path, text, message):
    path = tmp_path / "bad.pb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("outcome", str(path))
    assert str(caught.value) == f"{path}{message}"


def test_a_file_without_a_rule_asks_for_one(tmp_path):
    path = tmp_path / "norule.pb"
    path.write_text(
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\nv;1\n"
    )
    with pytest.raises(CommandError, match="names no rule; choose one with --rule"):
        run("outcome", str(path))
    assert run("outcome", str(path), "--rule", "equalshares")["selected"] == ["1"]


def test_the_command_line_exits_non_zero_without_a_traceback(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text("PROJECTS\n")
    done = subprocess.run(
        [sys.executable, "-m", "stadtkern.cli", "pb", "outcome", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "the file has no META section" in done.stderr
    assert done.stdout == ""


def test_outcome_from_the_command_line_loads_no_models_and_prints_what_django_prints():
    """``pb outcome`` reads a file: it runs without the app registry, and a change that
    pulls the models back into its imports (a second of start-up) fails here."""
    probe = (
        "import sys; from stadtkern.cli import main; main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.startswith('stadtkern') and 'models' in m),"
        " file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "pb", "outcome", ASSEN, "--rule", "greedy", "--explain"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    printed = json.loads(done.stdout)
    expected = run("outcome", ASSEN, "--rule", "greedy", "--explain")
    assert {k: v for k, v in printed.items() if k != "seconds"} == {
        k: v for k, v in expected.items() if k != "seconds"
    }


@pytest.mark.django_db
def test_import_and_export_still_reach_the_database_through_the_same_command():
    """Their models are imported where they are used; both still find what they need."""
    with pytest.raises(CommandError, match="No municipality with AGS or short name 'nirgends'"):
        call_command("pb", "import", ASSEN, "--municipality", "nirgends")
    with pytest.raises(CommandError, match="No municipality with AGS or short name 'nirgends'"):
        call_command("pb", "export", "assen", "--municipality", "nirgends")
