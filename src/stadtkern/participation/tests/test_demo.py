"""Musterstadt's participation demo: a finished Bürgerhaushalt counted by Equal Shares,
and one open for voting with codes and a verified resident."""

import pytest

from conftest import PASSWORD
from stadtkern.core.models import User
from stadtkern.participation.demo import DISTRICTS, demo_load_participation
from stadtkern.participation.models import Process
from stadtkern.participation.selectors import current_phase, voting_over

pytestmark = pytest.mark.django_db


def test_the_demo_holds_a_finished_and_an_open_budget(client, alpha):
    result = demo_load_participation(alpha, PASSWORD)
    finished = Process.objects.get(municipality=alpha, slug="buergerhaushalt-2025")
    assert voting_over(finished)
    budget = finished.budgets.get()
    assert budget.ballots.count() == sum(DISTRICTS.values())
    assert budget.outcome["rule"] == "equalshares/add1-comparison"
    funded = set(budget.projects.filter(selected=True).values_list("category", flat=True))
    # Equal shares: every district gets something, not only the largest.
    assert {"Innenstadt", "Nord", "Süd", "Ost"} <= funded
    assert budget.outcome["cost"] <= 250_000
    page = client.get(f"/m/alpha/participation/buergerhaushalt-2025/budgets/{budget.pk}/results/")
    assert page.status_code == 200 and "Ausgewählt in Runde 1" in page.content.decode()

    open_process = Process.objects.get(municipality=alpha, slug="buergerhaushalt-2027")
    assert current_phase(open_process).kind == "voting"
    assert len(result["voting_codes"]) == 5
    open_budget = open_process.budgets.get()
    vote = f"/m/alpha/participation/buergerhaushalt-2027/budgets/{open_budget.pk}/vote/"
    response = client.post(vote, {"code": result["voting_codes"][0], "projects": ["1", "3"]})
    assert response.status_code == 302
    client.login(username="clara", password=PASSWORD)
    assert client.post(vote, {"projects": ["2"]}).status_code == 302
    assert open_budget.ballots.count() == 2

    survey = client.get("/m/alpha/participation/surveys/wie-smart-ist-musterstadt/")
    assert survey.status_code == 200 and "Wie smart ist Musterstadt?" in survey.content.decode()
    # The smart-city team's pulse check is the team's: a resident does not see it, a member does.
    assert client.get("/m/alpha/participation/pulse/smart-city-team/").status_code == 404
    client.force_login(User.objects.get(username="team1"))
    trend = client.get("/m/alpha/participation/pulse/smart-city-team/").content.decode()
    assert "Der Verlauf über 4 Runden mit Antworten." in trend

    # A call for proposals runs, with ideas that people support and comment on.
    ideas = Process.objects.get(municipality=alpha, slug="ideen-innenstadt")
    assert ideas.proposals.count() == 5
    assert ideas.proposals.filter(supports__isnull=False).distinct().count() == 5
    assert ideas.proposals.filter(comments__isnull=False).distinct().count() >= 3

    demo_load_participation(alpha, PASSWORD)  # loading again replaces, not doubles
    assert Process.objects.filter(municipality=alpha).count() == 3
