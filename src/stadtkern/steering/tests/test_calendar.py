"""Calendar feeds read by a real iCalendar library: the public feed shows published
milestones only; a member's token opens everything; a personal feed shows what concerns
its owner; tokens are revocable, and a bad one gets a clear problem."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from stadtkern.steering import calendar
from stadtkern.steering.services import meetings, money, plans, projects
from stadtkern.strategy.services import measure_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(alpha, personas):
    today = timezone.localdate()
    editor = personas["editor"]

    def project(title, published, lead=None):
        measure = measure_create(municipality=alpha, user=None, title=title, published=True)
        return projects.project_create(measure=measure, user=None, start=today - timedelta(days=30),
                                       end=today + timedelta(days=300), published=published, lead=lead)  # fmt: skip

    shown, hidden = project("Öffentlich", True), project("Intern; mit, Zeichen", False, lead=editor)
    plans.package_create(
        project=shown, user=None, title="Eröffnung", start=today + timedelta(days=10), duration=0
    )
    plans.package_create(
        project=hidden, user=None, title="Abnahme", start=today + timedelta(days=20), duration=0
    )
    programme = money.programme_create(user=None, key="p1", level="bund", funder="Bund", title="Programm",
                                       rate=50, eligible=["personnel"], collected_on=today)  # fmt: skip
    money.budget_set(
        project=hidden, user=None, year=today.year, cost_type="personnel", planned=1000
    )
    money.application_save(project=hidden, user=None, programme=programme, requested=100, status="draft",
                           deadline=today + timedelta(days=5))  # fmt: skip
    series = meetings.series_create(
        municipality=alpha, user=None, title="Jour fixe", project=hidden
    )
    meeting = meetings.meeting_create(series=series, user=None, held_on=today + timedelta(days=2))
    meetings.action_add(
        meeting=meeting, user=None, title="Anrufen", owner=editor, due_on=today + timedelta(days=1)
    )
    return {"today": today}


def _summaries(response) -> list[str]:
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines are folded at 75 octets"
    cal = Calendar.from_ical(raw)
    return sorted(str(e["summary"]) for e in cal.walk("VEVENT"))


def test_the_public_feed_shows_published_milestones_only(client, setup):
    summaries = _summaries(client.get("/m/alpha/steering/calendar.ics"))
    assert summaries == ["Meilenstein: Eröffnung (Öffentlich)"]


def test_a_members_token_opens_everything_and_a_bad_one_is_refused(client, setup, personas):
    _token, secret = calendar.token_create(personas["viewer"])
    summaries = _summaries(client.get(f"/en/m/alpha/steering/calendar.ics?token={secret}"))
    assert len(summaries) == 5 and "Milestone: Abnahme (Intern; mit, Zeichen)" in summaries
    assert any(s.startswith("Application deadline") for s in summaries) and "Jour fixe" in summaries
    _other, foreign = calendar.token_create(personas["other_editor"])
    for bad in (foreign, "cal_wrong", "x" * 500):
        response = client.get(f"/m/alpha/steering/calendar.ics?token={bad}")
        assert (
            response.status_code == 403 and response["Content-Type"] == "application/problem+json"
        )


def test_the_personal_feed_and_its_revocation(client, setup, personas):
    client.force_login(personas["editor"])
    client.post("/m/alpha/steering/calendar/tokens/")
    page = client.get("/m/alpha/steering/calendar/").content.decode()
    secret = re.search(r"/calendar/(cal_[\w-]+)\.ics", page).group(1)
    assert secret not in client.get("/m/alpha/steering/calendar/").content.decode()  # shown once
    client.logout()
    summaries = _summaries(client.get(f"/calendar/{secret}.ics"))
    assert "Fällig: Anrufen" in summaries and "Jour fixe" in summaries and len(summaries) == 4
    client.force_login(personas["editor"])
    token = personas["editor"].calendar_tokens.get()
    client.post(f"/m/alpha/steering/calendar/tokens/{token.pk}/revoke/")
    assert client.get(f"/calendar/{secret}.ics").status_code == 404
