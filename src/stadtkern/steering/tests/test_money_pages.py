"""Money pages: budget, bookings entered and imported, applications, the financing plan
with the rule it breaks, the shared funding programmes; only the team sees them, only
editors change them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.steering.catalogue import shipped
from stadtkern.steering.models import Actual, Application, FundingProgramme
from stadtkern.steering.services import money

from .factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alpha):
    project = make_project(alpha, published=True)
    money.budget_set(project=project, user=None, year=2027, cost_type="personnel", planned=100_000)
    money.budget_set(project=project, user=None, year=2027, cost_type="investment", planned=50_000)
    return project


@pytest.fixture
def programme():
    return money.programme_create(user=None, key="innenstadt", level="bund", funder="Bund",
                                  title="Zukunftsfähige Innenstädte", rate=Decimal(75),
                                  eligible=["personnel", "services"], min_own_share=Decimal(10),
                                  collected_on=date(2026, 12, 1))  # fmt: skip


def test_only_the_team_sees_money_and_funding(client, project, personas):
    for path in (f"/m/alpha/steering/projects/{project.pk}/money/", "/m/alpha/steering/funding/"):
        assert client.get(path).status_code == 403
        client.force_login(personas["other_editor"])
        assert client.get(path).status_code == 403
        client.force_login(personas["viewer"])
        assert client.get(path).status_code == 200
        client.logout()


def test_an_editor_books_imports_applies_and_is_told_the_rule(client, project, programme, personas):
    client.force_login(personas["editor"])
    base = f"/en/m/alpha/steering/projects/{project.pk}/money/"
    client.post(base + "actuals/", {"booked_on": "2027-02-01", "cost_type": "personnel", "amount": "12000.50",
                                    "text": "Gehalt"})  # fmt: skip
    csv = "Datum;Betrag;Kostenart;Buchungstext\n15.03.2027;1.234,56;Sachkosten;Laptop\n01.04.2027;8.000;Investition;Sensoren\n"
    response = client.post(
        base + "actuals/import/",
        {"file": SimpleUploadedFile("fibu.csv", csv.encode())},
        follow=True,
    )
    assert "2 bookings were imported." in response.content.decode()
    assert Actual.objects.filter(project=project).count() == 3
    bad = "Datum;Betrag;Kostenart\n15.03.2027;abc;Sachkosten\n32.13.2027;10;Personal\n01.01.2027;10;Kuchen\n"
    response = client.post(
        base + "actuals/import/", {"file": SimpleUploadedFile("bad.csv", bad.encode())}, follow=True
    )
    html = response.content.decode()
    assert (
        "Line 2" in html and "Line 3" in html and "Line 4" in html and Actual.objects.count() == 3
    )
    response = client.post(base + "applications/", {"programme": programme.pk, "status": "draft",
                                                     "requested": "80000"}, follow=True)  # fmt: skip
    assert "funds at most 75" in response.content.decode() and not Application.objects.exists()
    client.post(
        base + "applications/",
        {"programme": programme.pk, "status": "submitted", "requested": "75000"},
    )
    assert Application.objects.get().requested == 75000
    response = client.post(base + "financing/", {"own_funds": "70000"}, follow=True)
    assert "does not add up" in response.content.decode()
    client.post(base + "financing/", {"own_funds": "75000"})
    project.refresh_from_db()
    assert project.own_funds == 75000
    assert "The financing plan adds up" in client.get(base).content.decode()
    # A second year in the budget: the chart has two years to draw, the plan no longer adds up.
    client.post(base + "budget/", {"year": "2028", "cost_type": "services", "planned": "10000"})
    page = client.get(base).content.decode()
    assert 'data-kind="lines"' in page and "does not add up" in page


def test_a_programme_with_a_rate_above_100_is_shown_at_its_field(client, alpha, personas):
    client.force_login(personas["editor"])
    response = client.post("/en/m/alpha/steering/funding/", {"key": "x", "title": "X", "funder": "Land",
                           "level": "land", "rate": "120", "min_own_share": "0", "eligible": ["personnel"]})  # fmt: skip
    assert response.status_code == 422 and "between 0 and 100" in response.content.decode()
    assert not FundingProgramme.objects.filter(added_by__isnull=False).exclude(
        key__in=[p["key"] for p in shipped()]
    ).exists() and FundingProgramme.objects.count() == len(shipped())
    client.force_login(personas["viewer"])
    assert client.post("/en/m/alpha/steering/funding/", {"key": "y"}).status_code == 403


def test_an_application_moves_from_submitted_to_granted_on_the_page(
    client, project, programme, personas
):
    application = money.application_save(project=project, user=None, programme=programme, requested=75000,
                                         status="submitted")  # fmt: skip
    client.force_login(personas["editor"])
    url = f"/en/m/alpha/steering/projects/{project.pk}/money/applications/{application.pk}/"
    response = client.post(url, {"status": "granted", "granted": "", "decided_on": ""}, follow=True)
    assert "needs the amount granted" in response.content.decode()
    response = client.post(url, {"status": "granted", "granted": "90000"}, follow=True)
    assert "funds at most 75" in response.content.decode()
    client.post(url, {"status": "granted", "granted": "60000", "decided_on": "2027-03-01"})
    application.refresh_from_db()
    assert (application.status, application.granted, str(application.decided_on)) == (
        "granted",
        60000,
        "2027-03-01",
    )
    assert Application.objects.count() == 1
    assert client.post(f"/en/m/alpha/steering/projects/{project.pk}/money/applications/999999/",
                       {"status": "granted", "granted": "1"}, follow=True).status_code == 200  # fmt: skip
    client.force_login(personas["viewer"])
    assert client.post(url, {"status": "rejected"}).status_code == 403
