"""stadtkern pb import and export: a real election in, the same election out."""

import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from stadtkern.participation import pabulib
from stadtkern.participation.models import Ballot, Process
from stadtkern.participation.outcomes import outcome
from stadtkern.participation.selectors import budget_election, voting_over

from .elections import PABULIB_DIR

pytestmark = pytest.mark.django_db


def pb(*args) -> str:
    out = io.StringIO()
    call_command("pb", *args, stdout=out)
    return out.getvalue()


def multiset(election):
    return Counter((tuple(b.projects), tuple(b.points or ())) for b in election.ballots)


@pytest.mark.parametrize(
    "name",
    ["Poland_Wieliczka_2023_Green_Budget.pb", "Poland_Czestochowa_2025.pb", "Poland_Krakow_2018_Swoszowice.pb",
     "Poland_Wroclaw_2016_Rejon_nr_13_250.pb"],
)  # fmt: skip
def test_an_imported_election_is_a_finished_process_with_its_real_result(alpha, name, tmp_path):
    original = pabulib.load(PABULIB_DIR / name)
    summary = json.loads(pb("import", str(PABULIB_DIR / name), "--municipality", alpha.slug))
    process = Process.objects.get(municipality=alpha, slug=summary["process"])
    assert process.published and voting_over(process)
    budget = process.budgets.get()
    assert summary["ballots"] == len(original.ballots) == budget.ballots.count()
    assert summary["projects"] == len(original.projects)
    real = {p.id for p in original.projects.values() if p.selected}
    if real:
        assert set(summary["selected"]) == real
    assert set(budget.projects.filter(selected=True).values_list("ref", flat=True)) == set(
        summary["selected"]
    )

    exported = tmp_path / "out.pb"
    pb("export", process.slug, "--municipality", alpha.slug, "--output", str(exported))
    again = pabulib.load(exported)
    assert again.vote_type == original.vote_type
    assert again.rule == original.rule
    assert again.budget == original.budget
    assert {p: (q.cost, q.name) for p, q in again.projects.items()} == {
        p: (q.cost, q.name) for p, q in original.projects.items()
    }
    assert multiset(again) == multiset(original)
    assert {b.voter_id for b in again.ballots} == {b.voter_id for b in original.ballots}
    assert set(outcome(again).selected) == set(summary["selected"])
    if real:
        assert {p.id for p in again.projects.values() if p.selected} == real


def test_a_process_made_here_exports_as_a_valid_pb_file(alpha, people):
    from stadtkern.participation import services

    from .conftest import make_budget, make_process

    budget = make_budget(make_process(alpha), max_projects=3)
    services.ballot_cast(budget=budget, projects=["1", "3"], user=people["verified"])
    code = services.voting_codes_create(process=budget.process, count=1)[0]
    services.ballot_cast(budget=budget, projects=["4"], code=code)
    election = pabulib.loads(pabulib.dumps(budget_election(budget)))
    assert election.meta["vote_type"] == "approval" and election.meta["max_length"] == "3"
    assert election.meta["unit"] == "Alphastadt" and election.rule == "equalshares/add1"
    assert sorted(b.projects for b in election.ballots) == [["1", "3"], ["4"]]
    assert sorted(b.voter_id for b in election.ballots) == ["1", "2"]
    assert Ballot.objects.count() == 2


def test_import_refuses_a_taken_short_name_and_a_defective_file(alpha, tmp_path):
    path = str(PABULIB_DIR / "Netherlands_Assen_2024.pb")
    pb("import", path, "--municipality", alpha.slug, "--slug", "assen")
    with pytest.raises(CommandError, match="already has a process 'assen'"):
        pb("import", path, "--municipality", alpha.slug, "--slug", "assen")
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\nv;2\n"
    )
    with pytest.raises(CommandError, match=r"bad.pb:9: voter v votes for unknown project 2"):
        pb("import", str(bad), "--municipality", alpha.slug)
    assert Process.objects.filter(municipality=alpha).count() == 1


def test_export_names_what_is_missing(alpha):
    with pytest.raises(CommandError, match="alpha has no process 'nothing'"):
        pb("export", "nothing", "--municipality", alpha.slug)
