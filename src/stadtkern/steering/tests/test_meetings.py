"""Jour fixe: the agenda assembles itself and splits strategic from operative; approved
minutes are fixed and corrected as new versions; action items stay on the agenda until
done and flow into the backlog or plan."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stadtkern.steering.models import ActionItem, AgendaItem, BacklogItem, Meeting, WorkPackage
from stadtkern.steering.services import meetings, plans, projects, risks

from .factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def project(alpha, today):
    from stadtkern.steering.services import projects as p
    from stadtkern.strategy.services import measure_create

    measure = measure_create(municipality=alpha, user=None, title="Leerstand", published=True)
    return p.project_create(measure=measure, user=None, design="hybrid", start=today - timedelta(days=200),
                            end=today + timedelta(days=400))  # fmt: skip


def _sections(meeting) -> dict:
    out = {"strategic": [], "operative": []}
    for item in AgendaItem.objects.filter(meeting=meeting).order_by("position"):
        out[item.section].append((item.source, item.title))
    return out


def test_the_agenda_assembles_itself(alpha, project, today, personas):
    other = make_project(alpha, "Anderes")  # outside the series' scope
    risks.risk_save(project=project, user=None, title="Eigentümer springen ab", probability=4, impact=4,
                    response="reduce", review_on=today - timedelta(days=1))  # fmt: skip
    risks.risk_save(project=project, user=None, title="Kleines Risiko", probability=1, impact=2, response="accept",
                    review_on=today)  # fmt: skip
    risks.risk_save(project=project, user=None, title="Später", probability=5, impact=5, response="reduce",
                    review_on=today + timedelta(days=30))  # fmt: skip
    risks.risk_save(project=other, user=None, title="Fremd", probability=5, impact=5, response="reduce",
                    review_on=today)  # fmt: skip
    projects.report_create(project=project, user=None, period_end=today - timedelta(days=10), scope="green",
                           time="red", money="green", overall="red", text="Verzug")  # fmt: skip
    due = plans.package_create(
        project=project, user=None, title="Eröffnung", start=today + timedelta(days=5), duration=0
    )
    plans.baseline_take(project=project, user=None)
    plans.package_update(package=due, user=None, start=today + timedelta(days=9))
    plans.package_create(
        project=project, user=None, title="Weit weg", start=today + timedelta(days=90), duration=0
    )
    series = meetings.series_create(
        municipality=alpha, user=None, title="Jour fixe Leerstand", project=project
    )
    first = meetings.meeting_create(series=series, user=None, held_on=today - timedelta(days=14))
    meetings.action_add(meeting=first, user=None, title="Eigentümer anrufen", owner=personas["editor"],
                        due_on=today - timedelta(days=3), project=project)  # fmt: skip
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    sections = _sections(meeting)
    assert [s for s, _t in sections["strategic"]] == ["risk", "report", "milestone"]
    assert [s for s, _t in sections["operative"]] == ["action", "risk"]
    titles = " ".join(t for items in sections.values() for _s, t in items)
    assert "Overdue" in titles and "4 days later than the baseline" in titles
    assert "Später" not in titles and "Fremd" not in titles and "Weit weg" not in titles


def test_approved_minutes_are_fixed_and_corrected_as_a_new_version(alpha, project, today):
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    meetings.minutes_save(meeting=meeting, user=None, minutes="Alles im Plan.", attendees="A, B")
    meetings.decision_add(meeting=meeting, user=None, text="Mietzuschuss erhöhen.", project=project)
    meetings.meeting_approve(meeting=meeting, user=None)
    for change in (lambda: meetings.minutes_save(meeting=meeting, user=None, minutes="Anders."),
                   lambda: meetings.decision_add(meeting=meeting, user=None, text="Nachträglich"),
                   lambda: meetings.action_add(meeting=meeting, user=None, title="X"),
                   lambda: meetings.agenda_add(meeting=meeting, user=None, title="Y"),
                   lambda: meetings.meeting_approve(meeting=meeting, user=None)):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            change()
        assert caught.value.error_dict["minutes"][0].code == "fixed"
    meeting.refresh_from_db()
    assert meeting.minutes == "Alles im Plan." and meeting.decisions.count() == 1
    correction = meetings.meeting_correct(meeting=meeting, user=None)
    meetings.minutes_save(
        meeting=correction, user=None, minutes="Alles im Plan, bis auf die Eröffnung."
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SUPERSEDED and meeting.minutes == "Alles im Plan."
    assert (
        correction.version == 2
        and correction.corrects == meeting
        and correction.decisions.count() == 1
    )
    with pytest.raises(ValidationError):
        meetings.meeting_correct(meeting=correction, user=None)  # a draft is edited, not corrected


def test_actions_flow_into_the_backlog_or_the_plan(alpha, project, today):
    waterfall = make_project(alpha, "Bau", design="waterfall", length=400)
    series = meetings.series_create(
        municipality=alpha, user=None, title="Lenkungskreis", kind="steering"
    )
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    to_backlog = meetings.action_add(
        meeting=meeting, user=None, title="Formular anpassen", project=project
    )
    to_plan = meetings.action_add(meeting=meeting, user=None, title="Abnahme Bauabschnitt", project=waterfall,
                                  due_on=waterfall.start + timedelta(days=30))  # fmt: skip
    meetings.action_transfer(action=to_backlog, user=None)
    meetings.action_transfer(action=to_plan, user=None)
    assert BacklogItem.objects.get(project=project).title == "Formular anpassen"
    milestone = WorkPackage.objects.get(project=waterfall)
    assert milestone.milestone and milestone.start == waterfall.start + timedelta(days=30)
    with pytest.raises(ValidationError):
        meetings.action_transfer(action=ActionItem.objects.get(pk=to_plan.pk), user=None)
    nothing = meetings.action_add(meeting=meeting, user=None, title="Ohne Projekt")
    with pytest.raises(ValidationError):
        meetings.action_transfer(action=nothing, user=None)


def test_series_and_projects_stay_in_their_municipality(alpha, beta, project, today, personas):
    with pytest.raises(ValidationError):
        meetings.series_create(municipality=beta, user=None, title="Fremd", project=project)
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    other = make_project(alpha, "Außerhalb")
    with pytest.raises(ValidationError) as caught:
        meetings.decision_add(meeting=meeting, user=None, text="X", project=other)
    assert "project" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        meetings.action_add(meeting=meeting, user=None, title="X", owner=personas["other_editor"])
    assert "owner" in caught.value.message_dict


def test_the_meeting_pages(client, alpha, project, today, personas):
    client.force_login(personas["editor"])
    response = client.post("/m/alpha/steering/meetings/", {"title": "Jour fixe", "kind": "jour_fixe",
                                                           "project": project.pk})  # fmt: skip
    series = project.meeting_series.get()
    assert response.status_code == 302
    client.post(f"/m/alpha/steering/meetings/{series.pk}/", {"held_on": today.isoformat()})
    meeting = series.meetings.get()
    base = f"/en/m/alpha/steering/meetings/{series.pk}/{meeting.pk}/"
    client.post(
        base + "actions/", {"title": "Anrufen", "due_on": today.isoformat(), "project": project.pk}
    )
    client.post(base + "minutes/", {"minutes": "Protokoll", "attendees": "Anna"})
    client.post(base + "approve/")
    response = client.post(base + "minutes/", {"minutes": "Geändert"}, follow=True)
    assert "fixed" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "Protokoll"
    client.force_login(personas["viewer"])
    assert client.get(base).status_code == 200 and client.post(base + "correct/").status_code == 403
    client.force_login(personas["other_editor"])
    assert client.get(base).status_code == 403
