"""Reading and writing Pabulib .pb files: the real elections, every defect named by line."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.participation import pabulib
from stadtkern.participation.pabulib import PabulibError

from .elections import PABULIB_DIR, REAL_FILES

GOOD = """META
key;value
description;Test
num_projects;2
num_votes;2
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name;selected
1;60;Bänke am Markt;1
2;50;"Licht; Weg";0
VOTES
voter_id;vote
a;1,2
b;2
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def error_of(text: str) -> PabulibError:
    with pytest.raises(PabulibError) as caught:
        pabulib.loads(text)
    return caught.value


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_election_is_read_with_all_its_projects_and_votes(name):
    election = pabulib.load(PABULIB_DIR / name)
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.ballots) == int(election.meta["num_votes"])
    assert election.budget > 0
    assert all(b.projects for b in election.ballots)


def test_a_small_file_is_read_with_quoted_fields_and_umlauts():
    election = pabulib.loads(GOOD)
    assert election.budget == Decimal(100)
    assert election.projects["1"].name == "Bänke am Markt"
    assert election.projects["2"].name == "Licht; Weg"
    assert election.projects["1"].selected is True
    assert election.projects["2"].selected is False
    assert [b.projects for b in election.ballots] == [["1", "2"], ["2"]]


def test_cumulative_ballots_keep_their_points():
    election = pabulib.load(PABULIB_DIR / "Poland_Czestochowa_2025.pb")
    first = election.ballots[0]
    assert first.voter_id == "1"
    assert first.projects == ["448"] and first.points == [Decimal(10)]
    assert first.extra["neighborhood"] == "Częstochówka - Parkitka"


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (("1;60;", "1;sechzig;"), "1;sechzig;", "cost of project 1 'sechzig' is not a number"),
        (("1;60;", "1;-60;"), "1;-60;", "must be a non-negative number"),
        (("b;2", "b;2,7"), "b;2,7", "voter b votes for unknown project 7"),
        (("b;2", "a;2"), "a;2\n", "voter a appears twice"),
        (("2;50;", "1;50;"), '1;50;"Licht', "project 1 appears twice"),
        (
            ("num_votes;2", "num_votes;3"),
            "num_votes;3",
            "num_votes is 3 but the VOTES section holds 2",
        ),
        (
            ("num_projects;2", "num_projects;5"),
            "num_projects;5",
            "num_projects is 5 but the PROJECTS",
        ),
        (("budget;100", "budget;hundert"), "budget;hundert", "budget 'hundert' is not a number"),
        (("budget;100", "budget;0"), "budget;0", "must be a positive number"),
        (("vote_type;approval", "vote_type;vetoes"), "vote_type;vetoes", "vote_type 'vetoes'"),
        (("b;2", "b;2;x"), "b;2;x", "3 fields where the VOTES header names 2"),
        (("a;1,2", "a;1,1"), "a;1,1", "voter a names a project twice"),
        (("project_id;cost;", "project_id;price;"), "project_id;price;", "no column 'cost'"),
        (("voter_id;vote", "voter;vote"), "voter;vote", "no column 'voter_id'"),
        (("description;Test", "description;Test\ndescription;Again"), "Again", "appears twice"),
    ],
)
def test_each_defect_is_named_with_its_line(change, needle, message):
    text = GOOD.replace(*change, 1)
    error = error_of(text)
    assert message in error.message
    assert error.line == line_of(text, needle.rstrip("\n")) or needle.endswith("\n")
    assert str(error).startswith(f"line {error.line}: ")


def test_a_duplicate_voter_is_reported_on_its_second_line():
    text = GOOD.replace("b;2", "a;2", 1)
    assert error_of(text).line == len(GOOD.splitlines())


@pytest.mark.parametrize("section", ["META", "PROJECTS", "VOTES"])
def test_a_missing_section_is_named(section):
    lines = GOOD.splitlines()
    start = lines.index(section)
    following = [
        i for i, line in enumerate(lines) if line in ("META", "PROJECTS", "VOTES") and i > start
    ]
    end = following[0] if following else len(lines)
    text = "\n".join(lines[:start] + lines[end:]) + "\n"
    assert error_of(text).message == f"the file has no {section} section"


def test_points_must_match_the_projects_of_a_cumulative_ballot():
    text = (
        GOOD.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote", "voter_id;vote;points")
        .replace("a;1,2", "a;1,2;3,2")
        .replace("b;2\n", "b;2;4,1\n")
    )
    error = error_of(text)
    assert error.message == "voter b gives 2 points for 1 projects"
    assert error.line == line_of(text, "b;2;4,1")


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    path = tmp_path / "latin1.pb"
    path.write_bytes(GOOD.replace("Bänke", "B\xe4nke").encode("latin-1"))
    with pytest.raises(PabulibError) as caught:
        pabulib.load(path)
    assert caught.value.line == line_of(GOOD, "Bänke")


@pytest.mark.parametrize("name", REAL_FILES)
def test_a_real_election_written_out_reads_back_the_same(name):
    election = pabulib.load(PABULIB_DIR / name)
    again = pabulib.loads(pabulib.dumps(election))
    assert again.meta == election.meta
    assert again.projects == election.projects
    assert again.ballots == election.ballots


# Generated elections: whatever the names and numbers, dumps() and loads() agree.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(str.strip)
ident = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=8)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@st.composite
def elections(draw):
    ids = draw(st.lists(ident, min_size=1, max_size=8, unique=True))
    projects = {
        pid: pabulib.Project(pid, draw(money), draw(text), {"category": draw(text)}) for pid in ids
    }
    kind = draw(st.sampled_from(["approval", "cumulative"]))
    voters = draw(st.lists(ident, max_size=10, unique=True))
    ballots = []
    for voter in voters:
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        points = (
            [Decimal(draw(st.integers(1, 10))) for _ in chosen] if kind == "cumulative" else None
        )
        ballots.append(pabulib.Ballot(voter, chosen, points))
    meta = {
        "description": draw(text),
        "budget": str(draw(money.filter(lambda m: m > 0))),
        "vote_type": kind,
    }
    columns = ["voter_id", "vote", "points"] if kind == "cumulative" else ["voter_id", "vote"]
    return pabulib.Election(
        meta, projects, ballots, ["project_id", "cost", "name", "category"], columns
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_any_election_written_out_reads_back_the_same(election):
    again = pabulib.loads(pabulib.dumps(election))
    assert again.projects == election.projects
    assert again.ballots == election.ballots
    assert again.budget == election.budget


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_with_a_line(garbage):
    try:
        pabulib.loads(garbage)
    except PabulibError as exc:
        assert exc.line >= 0 and exc.message


@settings(max_examples=200)
@given(st.lists(st.sampled_from(GOOD.splitlines(keepends=True)), max_size=30))
def test_shuffled_lines_of_a_good_file_are_read_or_refused_with_a_line(lines):
    try:
        pabulib.loads("".join(lines))
    except PabulibError as exc:
        assert exc.line >= 0 and exc.message


def test_the_shipped_real_elections_are_all_listed():
    assert sorted(p.name for p in Path(PABULIB_DIR).glob("*.pb")) == sorted(REAL_FILES)
