"""What an outside review found, checked as classes: dates a municipality cannot mean,
grants that together break the rules, iterations without end, mail to people who left,
internal facts through public filters and shared lessons, ids no column holds."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from stadtkern.core.services import membership_remove
from stadtkern.steering import reminders
from stadtkern.steering.services import (
    backlog,
    learning,
    meetings,
    money,
    plans,
    programmes,
    projects,
)
from stadtkern.strategy.services import measure_create

from .factories import make_project

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("end", [date(9999, 12, 31), date(2101, 1, 1)])
def test_dates_beyond_2100_or_before_2000_are_refused(alpha, end):
    measure = measure_create(municipality=alpha, user=None, title="X", published=True)
    with pytest.raises(ValidationError) as caught:
        projects.project_create(measure=measure, user=None, start=date(2027, 1, 1), end=end)
    assert "end" in caught.value.message_dict
    project = make_project(alpha, "Y")
    with pytest.raises(ValidationError):
        projects.report_create(project=project, user=None, period_end=date(1, 1, 1), scope="green", time="green",
                               money="green", overall="green")  # fmt: skip
    with pytest.raises(ValidationError):
        money.actual_add(
            project=project, user=None, booked_on=date(9999, 1, 1), cost_type="personnel", amount=1
        )


def test_grants_together_stay_within_the_rate_and_the_budget(alpha):
    project = make_project(alpha)
    money.budget_set(project=project, user=None, year=2027, cost_type="personnel", planned=100_000)
    programme = money.programme_create(user=None, key="p", level="bund", funder="Bund", title="P", rate=75,
                                       eligible=["personnel"], collected_on=date(2026, 12, 1))  # fmt: skip
    money.application_save(project=project, user=None, programme=programme, requested=75_000)
    with pytest.raises(ValidationError) as caught:
        money.application_save(project=project, user=None, programme=programme, requested=1)
    assert "requested" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        money.budget_set(
            project=project, user=None, year=2027, cost_type="personnel", planned=50_000
        )
    assert "planned" in caught.value.message_dict
    assert project.budget.get().planned == 100_000


def test_an_iteration_lasts_at_most_a_quarter(alpha):
    project = make_project(alpha, design="agile", length=800)
    with pytest.raises(ValidationError) as caught:
        backlog.iteration_create(project=project, user=None, name="Ewig", start=project.start,
                                 end=project.start + timedelta(days=400))  # fmt: skip
    assert "end" in caught.value.message_dict


def test_someone_who_left_gets_no_reminder_of_that_municipality(alpha, personas):
    today = timezone.localdate()
    editor = personas["editor"]
    editor.email = "e@example.org"
    editor.save()
    measure = measure_create(municipality=alpha, user=None, title="Geheim", published=False)
    project = projects.project_create(measure=measure, user=None, start=today - timedelta(days=5),
                                      end=today + timedelta(days=50), lead=editor)  # fmt: skip
    plans.package_create(project=project, user=None, title="Interner Meilenstein", start=today + timedelta(days=1),
                         duration=0)  # fmt: skip
    membership_remove(user=editor, municipality=alpha, by=None)
    assert reminders.send_due(today) == 0 and mail.outbox == []


def test_internal_programmes_and_projects_do_not_show_through_filters_or_lessons(
    client, alpha, beta, personas
):
    shown = make_project(alpha, "Öffentlich", published=True)
    programmes.programme_create(municipality=alpha, user=None, title="Intern", slug="intern",
                                measures=[shown.measure.pk])  # fmt: skip
    internal = client.get("/m/alpha/steering/?programme=intern").content.decode()
    unknown = client.get("/m/alpha/steering/?programme=gibtsnicht").content.decode()
    assert "Öffentlich" not in internal and internal.count("<tr>") == unknown.count("<tr>")
    secret = make_project(beta, "Geheimes Projekt in Betadorf")
    learning.lesson_save(
        project=secret, user=None, title="Geteilt", recommendation="X", shared=True
    )
    client.force_login(personas["viewer"])
    page = client.get("/m/alpha/steering/learning/").content.decode()
    assert "Geteilt" in page and "Geheimes Projekt" not in page


def test_the_public_calendar_has_no_descriptions(client, alpha):
    project = make_project(alpha, "Öffentlich", published=True)
    plans.package_create(project=project, user=None, title="Eröffnung", start=project.start + timedelta(days=3),
                         duration=0, description="Intern: Budget noch offen")  # fmt: skip
    body = client.get("/m/alpha/steering/calendar.ics").content.decode()
    assert "Eröffnung" in body and "Budget" not in body


@pytest.mark.parametrize("path", ["programmes/new/", "stakeholders/new/"])
def test_ids_no_column_holds_are_an_invalid_choice(client, alpha, personas, path):
    client.force_login(personas["editor"])
    field = "goals" if path.startswith("programmes") else "projects"
    response = client.post(f"/m/alpha/steering/{path}", {"title": "X", "name": "X", "kind": "isek", "status": "active",
                           "group": "G", "influence": "3", "interest": "3", "attitude": "neutral",
                           field: ["99999999999999999999999"]})  # fmt: skip
    assert response.status_code == 422


def test_minutes_lose_control_characters_and_a_series_meets_once_a_day(alpha):
    project = make_project(alpha)
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(series=series, user=None, held_on=timezone.localdate())
    meetings.minutes_save(meeting=meeting, user=None, minutes="vor\x00nach\x1b", attendees="A\x01")
    meeting.refresh_from_db()
    assert meeting.minutes == "vornach" and meeting.attendees == "A"
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(series=series, user=None, held_on=timezone.localdate())
    assert "held_on" in caught.value.message_dict


def test_the_trend_speaks_german(client, alpha, personas):
    project = make_project(alpha, "P", published=True)
    today = timezone.localdate()
    for ago, light in ((20, "green"), (5, "red")):
        projects.report_create(project=project, user=None, period_end=today - timedelta(days=ago), scope=light,
                               time=light, money=light, overall=light)  # fmt: skip
    client.force_login(personas["viewer"])
    html = client.get("/m/alpha/steering/").content.decode()
    assert "schlechter" in html and "> worse" not in html
