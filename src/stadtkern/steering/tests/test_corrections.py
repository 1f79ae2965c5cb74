"""Corrections on the pages: a booking corrected or removed, a lesson changed or removed,
stakeholders, ties and plan lines removed, shared programmes and templates removed only by
whoever looks after them; the change history shows on risks, stakeholders and meetings."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from stadtkern.core.models import AuditEntry
from stadtkern.steering.models import (
    Actual,
    Application,
    Communication,
    DocumentTemplate,
    FundingProgramme,
    Lesson,
    Stakeholder,
    Tie,
)
from stadtkern.steering.services import learning, meetings, money, people, risks

from .factories import DAY0, make_project

pytestmark = pytest.mark.django_db
BASE = "/m/alpha/steering"


@pytest.fixture
def project(alpha):
    return make_project(alpha, published=True)


def test_a_booking_is_corrected_or_removed_and_the_log_keeps_it(client, project, personas):
    booking = money.actual_add(
        project=project, user=None, booked_on=DAY0, cost_type="services", amount="100"
    )
    url = f"{BASE}/projects/{project.pk}/money/actuals/{booking.pk}/"
    client.force_login(personas["viewer"])
    assert client.get(url).status_code == 403
    client.force_login(personas["editor"])
    assert f'href="{url}"' in client.get(f"{BASE}/projects/{project.pk}/money/").content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'value="2027-01-04"' in page.content.decode()
    bad = client.post(url, {"booked_on": "9999-01-01", "cost_type": "services", "amount": "120"})
    assert bad.status_code == 422 and Actual.objects.get(pk=booking.pk).amount == Decimal(100)
    client.post(url, {"booked_on": "2027-01-05", "cost_type": "material", "amount": "120.50"})
    booking.refresh_from_db()
    assert (booking.booked_on, booking.cost_type, booking.amount) == (
        date(2027, 1, 5),
        "material",
        Decimal("120.50"),
    )
    assert "120" in client.get(url).content.decode()  # the history on the page
    client.post(url, {"delete": "1"})
    assert not Actual.objects.filter(pk=booking.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="actual", object_id=booking.pk, action="delete"
    ).exists()
    other = make_project(project.municipality, "Anderes")
    elsewhere = money.actual_add(
        project=other, user=None, booked_on=DAY0, cost_type="services", amount="1"
    )
    assert (
        client.get(f"{BASE}/projects/{project.pk}/money/actuals/{elsewhere.pk}/").status_code == 404
    )


def test_a_lesson_is_changed_or_removed(client, project, personas):
    lesson = learning.lesson_save(
        project=project, user=None, title="Früh reden", recommendation="Ja"
    )
    url = f"{BASE}/projects/{project.pk}/lessons/{lesson.pk}/"
    client.force_login(personas["editor"])
    assert url in client.get(f"{BASE}/projects/{project.pk}/").content.decode()
    assert client.post(url, {"title": "", "recommendation": "x"}).status_code == 422
    client.post(url, {"title": "Eigentümer früh einbinden", "recommendation": "Ja", "shared": "on"})
    lesson.refresh_from_db()
    assert lesson.title == "Eigentümer früh einbinden" and lesson.shared
    client.force_login(personas["other_editor"])
    assert client.post(url, {"delete": "1"}).status_code in (403, 404)
    client.force_login(personas["editor"])
    client.post(url, {"delete": "1"})
    assert not Lesson.objects.exists()


def test_shared_programmes_and_templates_are_removed_by_who_added_them(
    client, alpha, beta, project, personas
):
    ours = money.programme_create(user=None, municipality=alpha, key="unser-land", level="land", funder="Land",
                                  title="Unser Landesprogramm", rate=Decimal(50), eligible=["services"],
                                  collected_on=date(2026, 12, 1))  # fmt: skip
    used = FundingProgramme.objects.get(key="modellprojekte-smart-cities")  # shipped
    client.force_login(personas["other_editor"])
    assert client.post(f"/m/beta/steering/funding/{ours.key}/remove/").status_code == 403
    client.force_login(personas["editor"])
    page = client.get(f"{BASE}/funding/").content.decode()
    assert f"/funding/{ours.key}/remove/" in page and f"/funding/{used.key}/remove/" not in page
    assert client.post(f"{BASE}/funding/{used.key}/remove/").status_code == 403
    client.post(f"{BASE}/funding/{ours.key}/remove/")
    assert not FundingProgramme.objects.filter(key=ours.key).exists()
    # staff may remove a shipped one, unless an application names it
    money.budget_set(project=project, user=None, year=2027, cost_type="services", planned=100_000)
    money.application_save(project=project, user=None, programme=used, requested=1000)
    client.force_login(personas["staff"])
    client.post(f"{BASE}/funding/{used.key}/remove/")
    assert FundingProgramme.objects.filter(key=used.key).exists()
    Application.objects.all().delete()
    client.post(f"{BASE}/funding/{used.key}/remove/")
    assert not FundingProgramme.objects.filter(key=used.key).exists()

    template = learning.template_create(
        municipality=alpha, user=None, kind="charter", title="Steckbrief", body="…"
    )
    shipped = DocumentTemplate.objects.filter(added_by=None).first()
    client.force_login(personas["other_editor"])
    assert (
        client.post(f"/m/beta/steering/learning/templates/{template.pk}/remove/").status_code == 403
    )
    client.force_login(personas["editor"])
    assert client.post(f"{BASE}/learning/templates/{shipped.pk}/remove/").status_code == 403
    assert "/remove/" not in client.get(f"{BASE}/learning/templates/{shipped.pk}/").content.decode()
    client.post(f"{BASE}/learning/templates/{template.pk}/remove/")
    assert not DocumentTemplate.objects.filter(pk=template.pk).exists()


def test_people_are_removed_and_histories_show(client, alpha, beta, project, personas):
    a = people.stakeholder_save(
        municipality=alpha, user=None, name="Handel", group="Handel", influence=4, interest=4
    )
    b = people.stakeholder_save(
        municipality=alpha, user=None, name="Eigentümer", group="E", influence=2, interest=2
    )
    people.stakeholder_save(
        municipality=alpha, user=personas["editor"], stakeholder=b, attitude="critical"
    )
    tie = people.tie_add(a=a, b=b, user=None)
    line = people.communication_save(
        municipality=alpha, user=None, group="Handel", channel="Newsletter"
    )
    client.force_login(personas["editor"])
    page = client.get(f"{BASE}/stakeholders/{b.pk}/").content.decode()
    assert "Change history" in page or "Änderungsverlauf" in page or "audit" in page
    client.post(f"{BASE}/stakeholders/ties/remove/", {"tie": str(tie.pk)})
    assert not Tie.objects.exists()
    assert client.post(f"{BASE}/stakeholders/ties/remove/", {"tie": "¹"}).status_code == 302
    client.post(f"{BASE}/stakeholders/communication/{line.pk}/remove/")
    assert not Communication.objects.exists()
    client.post(f"{BASE}/stakeholders/{b.pk}/", {"delete": "1"})
    assert list(Stakeholder.objects.values_list("name", flat=True)) == ["Handel"]
    client.force_login(personas["viewer"])
    assert client.post(f"{BASE}/stakeholders/{a.pk}/", {"delete": "1"}).status_code == 403

    client.force_login(personas["editor"])
    risk = risks.risk_save(project=project, user=personas["editor"], title="Absagen", probability=2, impact=3,
                           response="reduce")  # fmt: skip
    page = client.get(f"{BASE}/projects/{project.pk}/risks/{risk.pk}/").content.decode()
    assert 'id="audit-h"' in page and "editor" in page
    series = meetings.series_create(municipality=alpha, user=None, title="JF", project=project)
    meeting = meetings.meeting_create(
        series=series, user=personas["editor"], held_on=timezone.localdate()
    )
    meetings.meeting_approve(meeting=meeting, user=personas["admin"])
    page = client.get(f"{BASE}/meetings/{series.pk}/{meeting.pk}/").content.decode()
    assert 'id="audit-h"' in page and "admin" in page
