"""Casting ballots: who may, what a ballot may hold, secrecy, changes, parallel submissions."""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from stadtkern.participation import services
from stadtkern.participation.models import Ballot, BallotKind, Participation, PhaseKind

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db


def cast(client, token_header, budget, body, *, code=False, language="en"):
    url = f"/api/v1/participation/budgets/{budget.pk}/ballot" + ("-by-code" if code else "")
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **token_header,
    )


def test_refusals_speak_german_first(client, people, token_for, voting):
    auth = token_for(people["verified"])
    response = cast(client, auth, voting, {"projects": ["1", "2", "3", "4"]}, language="de")
    assert response.json()["errors"] == [
        {"field": "projects", "message": "Wählen Sie höchstens 3 Projekte."}
    ]
    response = cast(
        client, token_for(people["citizen"]), voting, {"projects": ["1"]}, language="de"
    )
    assert (
        "einen Abstimmungscode erhalten Sie im Rathaus" in response.json()["errors"][0]["message"]
    )


def test_a_verified_resident_votes_and_may_change_the_ballot(client, people, token_for, voting):
    auth = token_for(people["verified"])
    first = cast(client, auth, voting, {"projects": ["1", "2"]})
    assert first.status_code == 200, first.content
    assert first.json() == {"stored": True, "replaced": False}
    second = cast(client, auth, voting, {"projects": ["4"]})
    assert second.json() == {"stored": True, "replaced": True}
    assert list(Ballot.objects.values_list("projects", flat=True)) == [["4"]]
    assert Participation.objects.filter(budget=voting, user=people["verified"]).count() == 1


@pytest.mark.parametrize("persona", ["citizen", "moderator", "editor", "other_editor"])
def test_only_verified_residents_vote_with_an_account(client, people, token_for, voting, persona):
    response = cast(client, token_for(people[persona]), voting, {"projects": ["1"]})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "verified residents" in response.json()["errors"][0]["message"]
    assert not Ballot.objects.exists()


def test_anonymous_needs_a_login_or_a_code(client, voting):
    assert cast(client, {}, voting, {"projects": ["1"]}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"projects": ["1", "2", "3", "5"]}, "projects", "Choose at most 3 projects."),
        ({"projects": []}, "projects", "Choose at least 1 project."),
        ({"projects": ["9"]}, "projects", "No project 9 in this budget."),
        ({"projects": ["1", "1"]}, "projects", "A project is named twice."),
        ({"projects": ["1"], "points": [3]}, "points", "This ballot takes no points."),
    ],
)
def test_a_bad_ballot_is_refused_with_the_reason_and_the_earlier_one_kept(
    client, people, token_for, voting, body, field, message
):
    auth = token_for(people["verified"])
    assert cast(client, auth, voting, {"projects": ["2", "5"]}).status_code == 200
    response = cast(client, auth, voting, body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert list(Ballot.objects.values_list("projects", flat=True)) == [["2", "5"]]


def test_a_knapsack_ballot_over_the_budget_is_refused(client, people, token_for, alpha):
    budget = make_budget(make_process(alpha, slug="knapsack"), kind=BallotKind.KNAPSACK)
    auth = token_for(people["verified"])
    response = cast(client, auth, budget, {"projects": ["1", "3", "4"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "projects",
            "message": "The chosen projects cost €110,000, more than the budget of €100,000.",
        }
    ]
    assert cast(client, auth, budget, {"projects": ["3", "4", "5"]}).status_code == 200


@pytest.mark.parametrize(("points", "message"), [
    ([6, 5], "11 points given, but each voter has 10."),
    ([0, 5], "Points are whole numbers from 1."),
    ([5], "Give points for each chosen project."),
])  # fmt: skip
def test_cumulative_ballots_keep_within_the_points(
    client, people, token_for, alpha, points, message
):
    budget = make_budget(
        make_process(alpha, slug="points"), kind=BallotKind.CUMULATIVE, max_points=10
    )
    auth = token_for(people["verified"])
    response = cast(client, auth, budget, {"projects": ["1", "2"], "points": points})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == message
    assert cast(client, auth, budget, {"projects": ["1", "2"], "points": [7, 3]}).status_code == 200
    assert Ballot.objects.get().points == [7, 3]


@pytest.mark.parametrize("phase", [PhaseKind.REVIEW, PhaseKind.RESULTS])
def test_outside_the_voting_phase_ballots_are_refused_with_the_reason(
    client, people, token_for, alpha, phase
):
    budget = make_budget(make_process(alpha, running=phase))
    response = cast(client, token_for(people["verified"]), budget, {"projects": ["1"]})
    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert (
        message.startswith("The vote closed on")
        if phase == PhaseKind.RESULTS
        else message == "Voting is not open now."
    )


def test_a_voting_code_casts_and_changes_one_ballot(client, voting):
    code = services.voting_codes_create(process=voting.process, count=3)[0]
    assert (
        cast(client, {}, voting, {"code": code, "projects": ["1"]}, code=True).json()["replaced"]
        is False
    )
    typed = code.lower().replace("-", " ")  # as read from paper
    assert (
        cast(client, {}, voting, {"code": typed, "projects": ["3"]}, code=True).json()["replaced"]
        is True
    )
    assert list(Ballot.objects.values_list("projects", flat=True)) == [["3"]]
    wrong = cast(client, {}, voting, {"code": "AAAA-BBBB-CCCC", "projects": ["1"]}, code=True)
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "code", "message": "This voting code is not valid for this process."}
    ]


def test_a_code_of_another_process_is_not_valid(client, alpha, voting):
    other = make_process(alpha, slug="other")
    code = services.voting_codes_create(process=other, count=1)[0]
    response = cast(client, {}, voting, {"code": code, "projects": ["1"]}, code=True)
    assert response.status_code == 422


def test_a_ballot_names_no_voter_and_no_time(people, voting, settings):
    services.ballot_cast(budget=voting, projects=["1"], user=people["verified"])
    columns = {f.column for f in Ballot._meta.concrete_fields}
    assert columns == {"id", "budget_id", "key", "projects", "points", "extra"}
    ballot = Ballot.objects.get()
    assert len(ballot.key) == 64 and int(ballot.key, 16) >= 0
    # The key comes from the secret: without it, the same voter is somebody else.
    settings.BALLOT_SECRET = "another secret of at least thirty-two characters"
    services.ballot_cast(budget=voting, projects=["2"], user=people["verified"])
    assert Ballot.objects.count() == 2 and Ballot.objects.exclude(
        key=ballot.key
    ).get().projects == ["2"]
    participation_columns = {f.column for f in Participation._meta.concrete_fields}
    assert not participation_columns & {"ballot_id", "key", "created_at"}


def test_voting_codes_are_stored_as_digests_only(voting):
    codes = services.voting_codes_create(process=voting.process, count=5)
    assert len(set(codes)) == 5 and all(len(c) == 14 for c in codes)
    stored = list(voting.process.voting_codes.values_list("digest", flat=True))
    assert not any(c.replace("-", "") in d.upper() for c in codes for d in stored)


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_of_one_voter_leave_one_ballot(people, alpha):
    budget = make_budget(make_process(alpha, slug="race"), max_projects=3)
    voter = people["verified"]
    errors = []
    barrier = threading.Barrier(8)

    def submit(k):
        try:
            barrier.wait()
            services.ballot_cast(budget=budget, projects=[str(1 + k % 5)], user=voter)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert Participation.objects.filter(budget=budget).count() == 1


def test_results_wait_for_the_close_and_then_explain_each_project(client, people, token_for, alpha):
    process = make_process(alpha, slug="counted")
    budget = make_budget(process, max_projects=3)
    for refs in [["1", "2"], ["1", "5"], ["4"]]:
        code = services.voting_codes_create(process=process, count=1)[0]
        services.ballot_cast(budget=budget, projects=refs, code=code)
    assert client.get(f"/api/v1/participation/budgets/{budget.pk}/results").status_code == 409
    assert client.get(f"/api/v1/participation/budgets/{budget.pk}/export.pb").status_code == 409
    # The vote closes now.
    process.phases.filter(kind=PhaseKind.VOTING).update(ends_at=timezone.now())
    response = client.get(f"/api/v1/participation/budgets/{budget.pk}/results")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["ballots"] == 3 and result["rule"] == "equalshares/add1"
    assert set(result["projects"]) == {"1", "2", "3", "4", "5"}
    assert result["projects"]["1"]["selected"] is True
    assert Decimal(str(result["cost"])) <= budget.amount
