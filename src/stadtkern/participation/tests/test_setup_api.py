"""Editors set up a Bürgerhaushalt through the API: process, phases, budget, projects."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stadtkern.participation.models import Process

pytestmark = pytest.mark.django_db
BASE = "/api/v1/participation"


def post(client, url, body, auth):
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth
    )


def test_an_editor_sets_up_a_budget_that_verified_residents_vote_in(client, people, token_for):
    editor = token_for(people["editor"])
    assert post(client, f"{BASE}/processes/alpha", {"slug": "bhh", "title": "Bürgerhaushalt", "published": True},
                editor).status_code == 201  # fmt: skip
    now = timezone.now()
    phase = {"kind": "voting", "starts_at": (now - timedelta(hours=1)).isoformat(),
             "ends_at": (now + timedelta(days=7)).isoformat()}  # fmt: skip
    assert (
        post(client, f"{BASE}/processes/alpha/bhh/phases", phase, editor).json()["current_phase"]
        == "voting"
    )
    budget = post(client, f"{BASE}/processes/alpha/bhh/budgets",
                  {"name": "Gesamtstadt", "amount": "50000", "ballot_kind": "approval", "rule": "equalshares/add1",
                   "max_projects": 2}, editor)  # fmt: skip
    assert budget.status_code == 201
    budget_id = budget.json()["id"]
    for ref, cost in (("1", "20000"), ("2", "35000")):
        made = post(
            client,
            f"{BASE}/budgets/{budget_id}/projects",
            {"ref": ref, "title": f"Projekt {ref}", "cost": cost},
            editor,
        )
        assert made.status_code == 201
    voted = post(
        client,
        f"{BASE}/budgets/{budget_id}/ballot",
        {"projects": ["1", "2"]},
        token_for(people["verified"]),
    )
    assert voted.status_code == 200
    late = post(
        client,
        f"{BASE}/budgets/{budget_id}/projects",
        {"ref": "3", "title": "Zu spät", "cost": "1"},
        editor,
    )
    assert late.status_code == 409


@pytest.mark.parametrize("persona", ["citizen", "verified", "moderator", "other_editor"])
def test_only_the_municipalitys_editors_set_up(client, people, token_for, persona):
    response = post(
        client,
        f"{BASE}/processes/alpha",
        {"slug": "bhh", "title": "Bürgerhaushalt"},
        token_for(people[persona]),
    )
    assert response.status_code == 403
    assert not Process.objects.exists()


def test_set_up_mistakes_are_named(client, people, token_for, alpha):
    editor = token_for(people["editor"])
    post(client, f"{BASE}/processes/alpha", {"slug": "bhh", "title": "Bürgerhaushalt"}, editor)
    assert (
        post(
            client, f"{BASE}/processes/alpha", {"slug": "bhh", "title": "Noch einer"}, editor
        ).status_code
        == 409
    )
    naive = post(
        client,
        f"{BASE}/processes/alpha/bhh/phases",
        {"kind": "voting", "starts_at": "2026-09-01T00:00:00"},
        editor,
    )
    assert naive.status_code == 400 and "time zone" in naive.json()["detail"]
    backwards = post(client, f"{BASE}/processes/alpha/bhh/phases",
                     {"kind": "voting", "starts_at": "2026-09-10T00:00:00+02:00", "ends_at": "2026-09-01T00:00:00+02:00"},
                     editor)  # fmt: skip
    assert backwards.status_code == 422
    points = post(client, f"{BASE}/processes/alpha/bhh/budgets",
                  {"name": "X", "amount": "100", "ballot_kind": "cumulative", "rule": "greedy"}, editor)  # fmt: skip
    assert points.status_code == 422 and points.json()["errors"][0]["field"] == "max_points"
    rule = post(client, f"{BASE}/processes/alpha/bhh/budgets",
                {"name": "X", "amount": "100", "ballot_kind": "approval", "rule": "borda"}, editor)  # fmt: skip
    assert rule.status_code == 422
