"""A plan and a backlog as tables: exported as CSV and XLSX, read back into another
project the same; a bad file names its lines and adds nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from stadtkern.steering import exchange
from stadtkern.steering.models import BacklogItem, Dependency, WorkPackage
from stadtkern.steering.services import backlog, plans

from .factories import day, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(alpha):
    project = make_project(alpha, "Quelle", design="hybrid")
    phase = plans.phase_create(project=project, user=None, title="Konzeption")
    a = plans.package_create(
        project=project,
        user=None,
        title="=Konzept",
        start=day(0),
        duration=10,
        phase=phase,
        done=50,
    )
    m = plans.package_create(project=project, user=None, title="Start", start=day(12), duration=0)
    plans.dependency_add(predecessor=a, successor=m, user=None, lag=2)
    backlog.item_create(
        project=project, user=None, title="Formular", estimate=5, acceptance="abgenommen"
    )
    return project


def test_a_plan_goes_out_and_comes_back_the_same(client, alpha, source, personas):
    client.force_login(personas["editor"])
    csv_text = client.get(f"/m/alpha/steering/projects/{source.pk}/plan.csv").content.decode()
    assert "'=Konzept" in csv_text  # a formula is not run by the spreadsheet
    xlsx = client.get(f"/m/alpha/steering/projects/{source.pk}/plan.xlsx")
    sheet = (
        CalamineWorkbook.from_filelike(__import__("io").BytesIO(b"".join(xlsx.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert sheet[0] == exchange.PLAN_COLUMNS and len(sheet) == 3
    target = make_project(alpha, "Ziel", design="hybrid")
    csv_back = csv_text.replace("'=Konzept", "Konzept2")
    response = client.post(f"/m/alpha/steering/projects/{target.pk}/plan/import/",
                           {"file": SimpleUploadedFile("plan.csv", csv_back.encode())}, follow=True)  # fmt: skip
    assert response.status_code == 200
    packages = {p.title: p for p in WorkPackage.objects.filter(project=target)}
    assert (
        set(packages) == {"Konzept2", "Start"} and packages["Konzept2"].phase.title == "Konzeption"
    )
    assert (
        packages["Start"].milestone
        and packages["Konzept2"].duration == 10
        and packages["Konzept2"].done == 50
    )
    assert Dependency.objects.get(successor__project=target).lag == 2


@pytest.mark.parametrize(("content", "message"), [
    ("Titel;Beginn;Ende\nA;2027-01-04;2026-01-01\n", "no end after the start"),
    ("Titel;Beginn\nA;morgen\n", "is no date"),
    ("Titel;Beginn;Vorgänger\nA;2027-01-04;Nirgends\n", "no work package"),
    ("Titel;Beginn;Vorgänger\nA;2027-01-04;B\nB;2027-01-10;A\n", "close a circle"),
    ("Titel;Beginn\nA;2031-01-04\n", "lies after the project"),
    ("Name;Datum\nA;2027-01-04\n", "needs the columns"),
    ("Titel;Beginn\nA;2027-01-04\nA;2027-01-05\n", "already in the plan"),
    ("Titel;Beginn;Erledigt (%)\nA;2027-01-04;²\n", "is no percentage"),
])  # fmt: skip
def test_a_bad_plan_file_names_its_lines_and_adds_nothing(
    client, alpha, personas, content, message
):
    target = make_project(alpha, "Ziel", design="waterfall")
    client.force_login(personas["editor"])
    response = client.post(f"/en/m/alpha/steering/projects/{target.pk}/plan/import/",
                           {"file": SimpleUploadedFile("plan.csv", content.encode())}, follow=True)  # fmt: skip
    assert message in response.content.decode()
    assert not WorkPackage.objects.filter(project=target).exists()


def test_a_backlog_goes_out_and_comes_back(client, alpha, source, personas):
    client.force_login(personas["editor"])
    csv_text = client.get(f"/m/alpha/steering/projects/{source.pk}/backlog.csv").content.decode()
    target = make_project(alpha, "Ziel", design="agile")
    client.post(f"/m/alpha/steering/projects/{target.pk}/backlog/import/",
                {"file": SimpleUploadedFile("b.csv", csv_text.encode())})  # fmt: skip
    item = BacklogItem.objects.get(project=target)
    assert (item.title, item.estimate, item.acceptance) == ("Formular", 5, "abgenommen")
    bad = "Titel;Typ;Spalte\nX;epic;todo\nY;story;archive\n"
    response = client.post(f"/en/m/alpha/steering/projects/{target.pk}/backlog/import/",
                           {"file": SimpleUploadedFile("b.csv", bad.encode())}, follow=True)  # fmt: skip
    html = response.content.decode()
    assert (
        "Line 2" in html
        and "Line 3" in html
        and BacklogItem.objects.filter(project=target).count() == 1
    )
    client.force_login(personas["viewer"])
    assert (
        client.post(f"/m/alpha/steering/projects/{target.pk}/backlog/import/", {}).status_code
        == 403
    )
    assert client.get(f"/m/alpha/steering/projects/{target.pk}/backlog.xlsx").status_code == 200
    assert client.get(f"/m/alpha/steering/projects/{target.pk}/backlog.pdf").status_code == 404
