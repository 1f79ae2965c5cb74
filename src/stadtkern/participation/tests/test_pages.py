"""Participation pages: the ballot form for codes and accounts, results with reasons, code sheets."""

import pytest
from django.utils import timezone

from conftest import PASSWORD
from stadtkern.participation import services
from stadtkern.participation.models import Ballot, BallotKind, PhaseKind

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db


def vote_url(budget):
    return f"/m/alpha/participation/{budget.process.slug}/budgets/{budget.pk}/vote/"


def close(process):
    process.phases.filter(kind=PhaseKind.VOTING).update(ends_at=timezone.now())


def test_the_list_shows_published_processes_only(client, alpha):
    make_process(alpha, slug="offen")
    make_process(alpha, slug="entwurf", published=False)
    page = client.get("/m/alpha/participation/").content.decode()
    assert "/m/alpha/participation/offen/" in page and "entwurf" not in page
    assert "Jetzt: Abstimmung" in page


def test_a_code_holder_votes_on_the_page_and_sees_the_confirmation(client, voting):
    code = services.voting_codes_create(process=voting.process, count=1)[0]
    page = client.get(vote_url(voting)).content.decode()
    assert 'name="code"' in page and "Wählen Sie zwischen 1 und 3 Projekten" in page
    response = client.post(vote_url(voting), {"code": code, "projects": ["1", "5"]}, follow=True)
    assert response.redirect_chain[-1][0] == "/m/alpha/participation/bhh-2026/"
    assert "Ihre Stimme wurde gespeichert." in response.content.decode()
    assert Ballot.objects.get().projects == ["1", "5"]


def test_a_refused_ballot_names_the_reason_and_keeps_the_earlier_one(client, voting):
    code = services.voting_codes_create(process=voting.process, count=1)[0]
    client.post(vote_url(voting), {"code": code, "projects": ["2"]})
    response = client.post(vote_url(voting), {"code": code, "projects": ["1", "2", "3", "4"]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Wählen Sie höchstens 3 Projekte." in page and 'role="alert"' in page
    assert Ballot.objects.get().projects == ["2"]


def test_a_verified_resident_finds_their_ballot_ticked_and_changes_it(client, people, voting):
    client.login(username="verified", password=PASSWORD)
    client.post(vote_url(voting), {"projects": ["3", "4"]})
    page = client.get(vote_url(voting)).content.decode()
    assert 'name="code"' not in page and "Sie haben abgestimmt." in page
    assert (
        'value="3" data-cost="30000.00" checked' in page
        and 'value="1" data-cost="20000.00">' in page
    )
    response = client.post(vote_url(voting), {"projects": ["5"]}, follow=True)
    assert "Ihre geänderte Stimme wurde gespeichert." in response.content.decode()
    assert list(Ballot.objects.values_list("projects", flat=True)) == [["5"]]


def test_points_and_places_are_read_from_the_form(client, alpha):
    cumulative = make_budget(
        make_process(alpha, slug="punkte"), kind=BallotKind.CUMULATIVE, max_points=10
    )
    code = services.voting_codes_create(process=cumulative.process, count=1)[0]
    response = client.post(
        vote_url(cumulative), {"code": code, "points-1": "6", "points-4": "4", "points-2": ""}
    )
    assert response.status_code == 302
    assert Ballot.objects.get(budget=cumulative).points == [6, 4]
    ranked = make_budget(
        make_process(alpha, slug="rang"), kind=BallotKind.ORDINAL, rule="greedy", max_projects=3
    )
    code = services.voting_codes_create(process=ranked.process, count=1)[0]
    assert (
        client.post(vote_url(ranked), {"code": code, "rank-5": "1", "rank-2": "2"}).status_code
        == 302
    )
    assert Ballot.objects.get(budget=ranked).projects == ["5", "2"]
    twice = client.post(vote_url(ranked), {"code": code, "rank-5": "1", "rank-2": "1"})
    assert (
        twice.status_code == 422
        and "Vergeben Sie jeden Platz nur einmal." in twice.content.decode()
    )


def test_results_wait_for_the_close_then_explain_every_project(client, alpha):
    process = make_process(alpha, slug="ergebnis")
    budget = make_budget(process, max_projects=3)
    for refs in (["1", "2"], ["1", "5"], ["4"]):
        services.ballot_cast(
            budget=budget,
            projects=refs,
            code=services.voting_codes_create(process=process, count=1)[0],
        )
    url = f"/m/alpha/participation/ergebnis/budgets/{budget.pk}/results/"
    assert client.get(url).status_code == 409
    close(process)
    page = client.get(url).content.decode()
    assert "Methode der gleichen Anteile" in page
    assert "Ausgewählt in Runde 1" in page
    assert "nur noch" in page  # a project its supporters could not pay for
    english = client.get("/en" + url).content.decode()
    assert "Funded in round 1" in english


def test_editors_print_codes_and_moderators_may_not(client, people, alpha):
    make_process(alpha, slug="codes")
    client.login(username="moderator", password=PASSWORD)
    assert client.get("/m/alpha/participation/codes/codes/").status_code == 403
    client.login(username="editor", password=PASSWORD)
    response = client.post("/m/alpha/participation/codes/codes/", {"count": "4"})
    assert response.status_code == 200
    assert response.content.decode().count('class="code-slip"') == 4
    bad = client.post("/m/alpha/participation/codes/codes/", {"count": "0"})
    assert bad.status_code == 422 and "Zwischen 1 und 100.000 Codes" in bad.content.decode()
