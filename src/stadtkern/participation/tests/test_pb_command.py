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
