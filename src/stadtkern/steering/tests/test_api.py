"""The steering JSON API: visibility, the board move's conflict, broken rules as 422
naming the field, approved minutes as a conflict; problem+json everywhere."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stadtkern.steering.models import BacklogItem
from stadtkern.steering.services import backlog, meetings, plans

from .factories import make_project

pytestmark = pytest.mark.django_db
API = "/api/v1/municipalities/alpha"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def project(alpha):
    today = timezone.localdate()
    project = make_project(alpha, "Leerstand", published=True, design="hybrid")
    project.start, project.end = today - timedelta(days=30), today + timedelta(days=400)
    project.save()
    make_project(alpha, "Intern")
    return project


def test_visitors_see_published_projects_the_team_their_reports(client, project, personas):
    rows = client.get(f"{API}/projects").json()
    assert [r["title"] for r in rows] == ["Leerstand"] and rows[0]["latest_report"] is None
    for path in (f"/projects/{project.pk}/plan", f"/projects/{project.pk}/risks", f"/projects/{project.pk}/money",
                 "/stakeholders", f"/projects/{project.pk}/backlog"):  # fmt: skip
        response = client.get(API + path)
        assert (
            response.status_code == 403 and response["Content-Type"] == "application/problem+json"
        ), path
    client.force_login(personas["other_editor"])
    assert client.get(f"{API}/projects/{project.pk}/plan").status_code == 403
    client.force_login(personas["viewer"])
    assert len(client.get(f"{API}/projects").json()) == 2
    assert client.get(f"{API}/projects/{project.pk}/plan").status_code == 200
    assert client.get("/api/v1/funding-programmes").json()[0]["collected_on"] == "2026-12-07"


def test_the_board_move_and_its_conflict(client, project, personas):
    a, b = (backlog.item_create(project=project, user=None, title=t) for t in "AB")
    client.force_login(personas["editor"])
    url = f"{API}/projects/{project.pk}/backlog/{b.pk}/move"
    moved = _post(client, url, {"version": 1, "before": a.pk})
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = _post(client, url, {"version": 1, "status": "done"})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    assert _post(client, url, {"version": 2, "status": "archive"}).status_code == 422
    assert _post(client, url, {"version": 2, "before": 999999}).status_code == 404
    assert (
        _post(
            client, f"{API}/projects/{project.pk}/backlog/999999/move", {"version": 1}
        ).status_code
        == 404
    )
    assert BacklogItem.objects.get(pk=b.pk).status == "todo"
    client.force_login(personas["viewer"])
    assert _post(client, url, {"version": 2}).status_code == 403


def test_a_cycle_and_bad_reports_and_risks_are_422_naming_the_field(client, project, personas):
    x = plans.package_create(project=project, user=None, title="X", start=project.start, duration=5)
    y = plans.package_create(project=project, user=None, title="Y", start=project.start, duration=5)
    client.force_login(personas["editor"])
    url = f"{API}/projects/{project.pk}/plan/dependencies"
    assert _post(client, url, {"predecessor": x.pk, "successor": y.pk}).status_code == 201
    cycle = _post(client, url, {"predecessor": y.pk, "successor": x.pk})
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "predecessor"
    plan = client.get(f"{API}/projects/{project.pk}/plan").json()
    assert {p["title"]: p["critical"] for p in plan["packages"]} == {"X": True, "Y": True}
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    bad = _post(client, f"{API}/projects/{project.pk}/reports",
                {"period_end": future, "scope": "green", "time": "green", "money": "green", "overall": "green"})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period_end"
    for body in ({"title": "R", "probability": 7, "impact": 2, "response": "reduce"},
                 {"title": "R", "probability": "3", "impact": 2, "response": "reduce"},
                 {"title": "R", "probability": 3, "impact": 2, "response": "exploit"}):  # fmt: skip
        assert _post(client, f"{API}/projects/{project.pk}/risks", body).status_code == 422, body
    made = _post(client, f"{API}/projects/{project.pk}/risks",
                 {"title": "Eigentümer", "probability": 4, "impact": 4, "response": "reduce"})  # fmt: skip
    assert made.status_code == 201 and made.json()["high"] is True


def test_approved_minutes_are_a_conflict(client, alpha, project, personas):
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(series=series, user=None, held_on=timezone.localdate())
    client.force_login(personas["editor"])
    url = f"{API}/meetings/{series.pk}/{meeting.pk}/approve"
    assert _post(client, url, {}).json()["status"] == "approved"
    assert _post(client, url, {}).status_code == 409
    assert client.get(
        f"/api/v1/municipalities/beta/meetings/{series.pk}/{meeting.pk}"
    ).status_code in (403, 404)
