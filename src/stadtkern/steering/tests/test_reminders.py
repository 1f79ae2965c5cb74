"""E-mail reminders: what is due reaches its owner once a day, through Django's mail."""

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from stadtkern.steering import reminders
from stadtkern.steering.services import meetings, plans, projects
from stadtkern.strategy.services import measure_create

pytestmark = pytest.mark.django_db


def test_one_mail_a_day_with_what_is_due(alpha, personas):
    today = timezone.localdate()
    editor = personas["editor"]
    editor.email = "editor@example.org"
    editor.save()
    measure = measure_create(municipality=alpha, user=None, title="Leerstand", published=True)
    project = projects.project_create(measure=measure, user=None, start=today - timedelta(days=10),
                                      end=today + timedelta(days=100), lead=editor)  # fmt: skip
    plans.package_create(
        project=project, user=None, title="Eröffnung", start=today + timedelta(days=2), duration=0
    )
    plans.package_create(
        project=project, user=None, title="Später", start=today + timedelta(days=30), duration=0
    )
    series = meetings.series_create(
        municipality=alpha, user=None, title="Jour fixe", project=project
    )
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    meetings.action_add(
        meeting=meeting, user=None, title="Anrufen", owner=editor, due_on=today - timedelta(days=1)
    )
    assert reminders.send_due(today) == 1
    assert reminders.send_due(today) == 0  # once a day
    (message,) = mail.outbox
    assert (
        message.to == ["editor@example.org"]
        and "Anrufen" in message.body
        and "Eröffnung" in message.body
    )
    assert "Später" not in message.body
    out = io.StringIO()
    call_command("steering", "reminders", stdout=out)
    assert json.loads(out.getvalue()) == {"reminders_sent": 0}


def test_the_reminder_speaks_the_language_its_reader_last_used(client, alpha, personas):
    today = timezone.localdate()
    editor, admin = personas["editor"], personas["admin"]
    measure = measure_create(municipality=alpha, user=None, title="Leerstand", published=True)
    project = projects.project_create(measure=measure, user=None, start=today - timedelta(days=10),
                                      end=today + timedelta(days=100))  # fmt: skip
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    for user in (editor, admin):
        user.email = f"{user.username}@example.org"
        user.save()
        meetings.action_add(meeting=meeting, user=None, title="Anrufen", owner=user, due_on=today)
    client.force_login(editor)
    assert client.get("/en/m/alpha/").status_code == 200
    editor.refresh_from_db()
    assert editor.language == "en"
    client.force_login(admin)
    client.get("/en/m/alpha/")
    client.get("/m/alpha/")  # back to German: the last page read decides
    assert reminders.send_due(today) == 2
    by_reader = {m.to[0]: m for m in mail.outbox}
    english, german = by_reader["editor@example.org"], by_reader["admin@example.org"]
    assert (
        english.subject.startswith("Stadtkern: 1 deadlines") and "Action item due" in english.body
    )
    assert today.strftime("%m/%d/%Y") in english.body or today.isoformat() in english.body
    assert "Aufgabe" in german.body or "fällig" in german.body
    assert today.strftime("%d.%m.%Y") in german.body
