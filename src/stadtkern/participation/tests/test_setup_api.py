"""Editors set up a Bürgerhaushalt through the API: process, phases, budget, projects."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stadtkern.participation import services
from stadtkern.participation.models import Assembly, Budget, Process, Survey

from .conftest import make_budget, make_process

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
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "starts_at"
    assert "timezone" in naive.json()["errors"][0]["message"]
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


# --- Surveys, pulse checks and citizens' assemblies ---------------------------------------

SURVEY = {
    "slug": "mobilitaet",
    "title": "Wie kommen Sie in die Innenstadt?",
    "opens_at": "2026-01-01T00:00:00+01:00",
    "closes_at": "2099-01-01T00:00:00+01:00",
    "questions": [
        {"kind": "single", "text": "Womit meistens?", "choices": ["Rad", "Bus", "Auto", "zu Fuß"]},
        {"kind": "likert", "text": "Die Innenstadt ist gut erreichbar."},
        {"kind": "text", "text": "Was fehlt?"},
    ],
}


def test_an_editor_creates_a_survey_that_citizens_answer(client, people, token_for):
    made = post(client, f"{BASE}/surveys/alpha", SURVEY, token_for(people["editor"]))
    assert made.status_code == 201
    questions = made.json()["questions"]
    assert [q["required"] for q in questions] == [True, True, False]
    assert made.json()["open"] is True
    answers = {str(questions[0]["id"]): "Rad", str(questions[1]["id"]): 4}
    answered = post(client, f"{BASE}/surveys/alpha/mobilitaet/anonymous-responses",
                    {"answers": answers}, {})  # fmt: skip
    assert answered.status_code == 201
    again = post(client, f"{BASE}/surveys/alpha", SURVEY, token_for(people["editor"]))
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"questions": []}, "questions"),
        ({"closes_at": "2025-01-01T00:00:00+01:00"}, "closes_at"),
        ({"opens_at": "2026-01-01T00:00:00"}, "opens_at"),
        ({"questions": [{"kind": "single", "text": "Nur eins?", "choices": ["ja"]}]}, "questions.0.choices"),
        ({"questions": [{"kind": "stars", "text": "Sterne?"}]}, "questions.0.kind"),
    ],
)  # fmt: skip
def test_survey_mistakes_are_named_and_nothing_is_stored(client, people, token_for, change, field):
    response = post(client, f"{BASE}/surveys/alpha", SURVEY | change, token_for(people["editor"]))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Survey.objects.exists()


@pytest.mark.parametrize("persona", ["citizen", "verified", "moderator", "other_editor"])
def test_only_editors_create_surveys_waves_and_assemblies(client, people, token_for, persona):
    auth = token_for(people[persona])
    assert post(client, f"{BASE}/surveys/alpha", SURVEY, auth).status_code == 403
    wave = {"title": "Puls Q1", "opens": "2026-01-05"}
    assert post(client, f"{BASE}/pulse/alpha/team/waves", wave, auth).status_code == 403
    assert post(client, f"{BASE}/assemblies/alpha", ASSEMBLY, auth).status_code == 403
    assert not Survey.objects.exists() and not Assembly.objects.exists()


def test_anonymous_visitors_are_asked_to_log_in(client):
    assert post(client, f"{BASE}/surveys/alpha", SURVEY, {}).status_code == 401
    assert post(client, f"{BASE}/assemblies/alpha", ASSEMBLY, {}).status_code == 401


def test_an_editor_starts_pulse_check_waves_and_sees_the_trend(client, people, token_for):
    editor = token_for(people["editor"])
    for opens in ("2026-01-05", "2026-04-06"):
        made = post(client, f"{BASE}/pulse/alpha/lenkungskreis/waves",
                    {"title": f"Puls {opens}", "opens": opens, "days": 10}, editor)  # fmt: skip
        assert made.status_code == 201
        assert made.json()["kind"] == "pulse" and len(made.json()["questions"]) == 5
    assert made.json()["closes_at"].startswith("2026-04-16")
    twice = post(client, f"{BASE}/pulse/alpha/lenkungskreis/waves",
                 {"title": "Noch einmal", "opens": "2026-04-06"}, editor)  # fmt: skip
    assert twice.status_code == 409
    # A new series is the team's: the public does not see its trend.
    assert client.get(f"{BASE}/pulse/alpha/lenkungskreis/trend").status_code == 404
    trend = client.get(f"{BASE}/pulse/alpha/lenkungskreis/trend", **editor).json()
    assert [w["survey"] for w in trend] == ["lenkungskreis-2026-01-05", "lenkungskreis-2026-04-06"]


ASSEMBLY = {
    "slug": "buergerrat",
    "title": "Bürgerrat Innenstadt",
    "panel_size": 4,
    "shares": {"Alter": {"16-39": 0.5, "40+": 0.5}, "Bezirk": {"Nord": 0.5, "Süd": 0.5}},
}


def test_an_editor_creates_an_assembly_announces_the_seed_draws_and_reads_the_panel(
    client, people, token_for
):
    editor = token_for(people["editor"])
    assert post(client, f"{BASE}/assemblies/alpha", ASSEMBLY, editor).status_code == 201
    for k, (age, district) in enumerate(
        [("16-39", "Nord"), ("16-39", "Süd"), ("40+", "Nord"), ("40+", "Süd")] * 3
    ):
        registered = post(client, f"{BASE}/assemblies/alpha/buergerrat/volunteers",
                          {"name": f"Person {k}", "contact": f"p{k}@example.org",
                           "features": {"Alter": age, "Bezirk": district}}, {})  # fmt: skip
        assert registered.status_code == 201
    early = post(client, f"{BASE}/assemblies/alpha/buergerrat/draw", {}, editor)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "seed"
    seeded = post(client, f"{BASE}/assemblies/alpha/buergerrat/seed",
                  {"seed": "Lotto 2026-11-21: 3 9 17 21 30 44"}, editor)  # fmt: skip
    assert seeded.status_code == 200 and seeded.json()["registration_open"] is False
    drawn = post(client, f"{BASE}/assemblies/alpha/buergerrat/draw", {}, editor).json()
    assert drawn["drawn_at"] is not None
    assert sum(drawn["distribution"]["probabilities"]) == pytest.approx(1)
    assert all(row["min"] <= row["drawn"] <= row["max"] for row in drawn["composition"])
    assert "Person" not in json.dumps(drawn)  # the public distribution names nobody
    panel = client.get(f"{BASE}/assemblies/alpha/buergerrat/panel", **editor).json()
    assert len(panel) == 4 and all(m["contact"].endswith("@example.org") for m in panel)
    assert all(m["probability"] == pytest.approx(1 / 3) for m in panel)
    other = client.get(
        f"{BASE}/assemblies/alpha/buergerrat/panel", **token_for(people["other_editor"])
    )
    assert other.status_code == 403
    assert client.get(f"{BASE}/assemblies/alpha/buergerrat/panel").status_code in (401, 403)


def test_assembly_mistakes_are_named(client, people, token_for):
    editor = token_for(people["editor"])
    negative = ASSEMBLY | {"shares": {"Alter": {"jung": -0.1, "alt": 1.1}}}
    assert (
        post(client, f"{BASE}/assemblies/alpha", negative, editor).json()["errors"][0]["field"]
        == "shares"
    )
    tiny = post(client, f"{BASE}/assemblies/alpha", ASSEMBLY | {"panel_size": 1}, editor)
    assert tiny.status_code == 422 and tiny.json()["errors"][0]["field"] == "panel_size"
    assert not Assembly.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("processes/alpha", {"slug": "surveys", "title": "Umfragen"}),
        ("processes/alpha", {"slug": "new", "title": "Neu"}),
        ("surveys/alpha", SURVEY | {"slug": "new"}),
        ("assemblies/alpha", ASSEMBLY | {"slug": "new"}),
    ],
)
def test_names_of_pages_are_not_given_away(client, people, token_for, url, body):
    response = post(client, f"{BASE}/{url}", body, token_for(people["editor"]))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "slug"


# --- Changing and removing phases, budgets and projects -----------------------------------


def send(client, method, url, body, auth):
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth
    )


def test_an_editor_extends_the_vote_and_fixes_a_title_after_ballots(
    client, people, token_for, voting
):
    editor = token_for(people["editor"])
    services.ballot_cast(budget=voting, user=people["verified"], projects=["1"])
    phase = voting.process.phases.get(kind="voting")
    later = (phase.ends_at + timedelta(days=3)).isoformat()
    moved = send(client, "patch", f"{BASE}/phases/{phase.pk}", {"ends_at": later}, editor)
    assert moved.status_code == 200
    phase.refresh_from_db()
    assert phase.ends_at.isoformat() == later and phase.kind == "voting"
    title = send(
        client,
        "patch",
        f"{BASE}/budgets/{voting.pk}/projects/1",
        {"title": "Trinkbrunnen (neu)"},
        editor,
    )
    assert title.status_code == 200 and title.json()["title"] == "Trinkbrunnen (neu)"
    cost = send(client, "patch", f"{BASE}/budgets/{voting.pk}/projects/1", {"cost": "1"}, editor)
    assert cost.status_code == 422 and cost.json()["errors"][0]["field"] == "cost"
    kind = send(client, "patch", f"{BASE}/budgets/{voting.pk}", {"ballot_kind": "knapsack"}, editor)
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "ballot_kind"
    renamed = send(client, "patch", f"{BASE}/budgets/{voting.pk}", {"name": "Ganze Stadt"}, editor)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Ganze Stadt"
    assert client.delete(f"{BASE}/budgets/{voting.pk}/projects/1", **editor).status_code == 422
    assert client.delete(f"{BASE}/budgets/{voting.pk}", **editor).status_code == 422
    voting.refresh_from_db()
    assert voting.ballots.count() == 1 and voting.projects.get(ref="1").cost == 20000


def test_before_ballots_projects_budgets_and_phases_can_be_removed(
    client, people, token_for, alpha
):
    editor = token_for(people["editor"])
    budget = make_budget(make_process(alpha, slug="bhh", running="proposals"))
    assert client.delete(f"{BASE}/budgets/{budget.pk}/projects/2", **editor).status_code == 204
    assert client.delete(f"{BASE}/budgets/{budget.pk}/projects/2", **editor).status_code == 404
    phase = budget.process.phases.first()
    assert client.delete(f"{BASE}/phases/{phase.pk}", **editor).status_code == 204
    assert client.delete(f"{BASE}/budgets/{budget.pk}", **editor).status_code == 204
    assert not Budget.objects.exists()


@pytest.mark.parametrize("persona", ["citizen", "verified", "moderator", "other_editor"])
def test_only_editors_change_the_set_up(client, people, token_for, voting, persona):
    auth = token_for(people[persona])
    phase = voting.process.phases.first()
    assert (
        send(client, "patch", f"{BASE}/phases/{phase.pk}", {"kind": "review"}, auth).status_code
        == 403
    )
    assert (
        send(client, "patch", f"{BASE}/budgets/{voting.pk}", {"name": "X"}, auth).status_code == 403
    )
    assert (
        send(
            client, "patch", f"{BASE}/budgets/{voting.pk}/projects/1", {"title": "X"}, auth
        ).status_code
        == 403
    )
    assert client.delete(f"{BASE}/budgets/{voting.pk}/projects/1", **auth).status_code == 403
    voting.refresh_from_db()
    assert voting.name == "Gesamtstadt" and voting.projects.count() == 5


def test_surveys_and_assemblies_change_through_the_api(client, people, token_for):
    editor = token_for(people["editor"])
    post(client, f"{BASE}/surveys/alpha", SURVEY, editor)
    later = send(client, "patch", f"{BASE}/surveys/alpha/mobilitaet",
                 {"closes_at": "2099-06-01T00:00:00+02:00", "title": "Mobilität 2099"}, editor)  # fmt: skip
    assert later.status_code == 200 and later.json()["title"] == "Mobilität 2099"
    backwards = send(client, "patch", f"{BASE}/surveys/alpha/mobilitaet",
                     {"closes_at": "2020-01-01T00:00:00+01:00"}, editor)  # fmt: skip
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "closes_at"
    post(client, f"{BASE}/assemblies/alpha", ASSEMBLY, editor)
    bigger = send(client, "patch", f"{BASE}/assemblies/alpha/buergerrat", {"panel_size": 6}, editor)
    assert bigger.status_code == 200 and bigger.json()["panel_size"] == 6
    other = token_for(people["other_editor"])
    assert (
        send(
            client, "patch", f"{BASE}/assemblies/alpha/buergerrat", {"panel_size": 9}, other
        ).status_code
        == 403
    )
    assert send(
        client, "patch", f"{BASE}/surveys/alpha/mobilitaet", {"title": "Gekapert"}, other
    ).status_code in (403, 404)
    assert Survey.objects.get().title == "Mobilität 2099" and Assembly.objects.get().panel_size == 6


@pytest.mark.parametrize("field", ["starts_at", "kind"])
def test_a_phase_patched_to_no_start_or_kind_is_a_422(client, people, token_for, voting, field):
    """null for what a phase must have (starts_at was a 500)."""
    editor = token_for(people["editor"])
    phase = voting.process.phases.get(kind="voting")
    before = (phase.kind, phase.starts_at, phase.ends_at)
    response = send(client, "patch", f"{BASE}/phases/{phase.pk}", {field: None}, editor)
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"
    phase.refresh_from_db()
    assert (phase.kind, phase.starts_at, phase.ends_at) == before
