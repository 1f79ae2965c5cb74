"""After the vote: implementation records of the selected projects, written by editors,
read by everyone; and the ballot's projects with their pictures and places."""

import io
from datetime import date

import pytest
from PIL import Image

from stadtkern.core.models import AuditEntry
from stadtkern.participation.models import Implementation, ImplementationUpdate
from stadtkern.strategy.models import Measure

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(alpha):
    budget = make_budget(make_process(alpha))
    chosen, other = budget.projects.order_by("position")[:2]
    chosen.selected, other.selected = True, False
    chosen.save(), other.save()
    return budget, chosen, other


def _urls(project):
    base = f"/m/alpha/participation/{project.budget.process.slug}/implementation/"
    return base, f"{base}{project.pk}/"


def _png(size=(40, 30)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, "#3c7dd9").save(out, "PNG")
    out.seek(0)
    out.name = "bild.png"
    return out


def test_an_editor_records_status_progress_measure_and_updates(client, counted, personas, alpha):
    _budget, chosen, _other = counted
    measure = Measure.objects.create(
        municipality=alpha, title="Trinkwasser für alle", published=True
    )
    page, edit = _urls(chosen)
    client.force_login(personas["editor"])
    saved = client.post(edit, {"part": "record", "status": "in_progress", "progress": "40",
                               "measure": measure.pk})  # fmt: skip
    assert saved.status_code == 302
    picture = _png()
    client.post(edit, {"part": "note", "day": "2026-05-04", "text": "Bau begonnen.",
                       "image": picture, "image_alt": "Bagger am Markt"})  # fmt: skip
    record = Implementation.objects.get(project=chosen)
    assert (record.status, record.progress, record.measure) == ("in_progress", 40, measure)
    update = ImplementationUpdate.objects.get()
    assert update.day == date(2026, 5, 4) and update.image_type == "image/png"
    assert AuditEntry.objects.filter(object_type="implementation").exists()
    client.logout()
    html = client.get(page).content.decode()
    assert "in Umsetzung" in html and "40 % erledigt" in html and "04.05.2026" in html
    assert "Trinkwasser für alle" in html and 'alt="Bagger am Markt"' in html
    image = client.get(
        f"/m/alpha/participation/{chosen.budget.process.slug}/implementation/updates/{update.pk}/image"
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_only_selected_projects_get_a_record(client, counted, personas):
    _budget, _chosen, other = counted
    client.force_login(personas["editor"])
    assert client.get(_urls(other)[1]).status_code == 404
    assert not Implementation.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "other_editor"])
def test_nobody_else_writes_a_record(client, counted, personas, persona):
    _budget, chosen, _other = counted
    if personas[persona]:
        client.force_login(personas[persona])
    response = client.post(
        _urls(chosen)[1], {"part": "record", "status": "done", "progress": "100"}
    )
    assert response.status_code in (302, 403, 404)
    assert not Implementation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"part": "record", "status": "done", "progress": "101"}, "progress"),
        ({"part": "record", "status": "unknown", "progress": "5"}, "status"),
        ({"part": "note", "day": "2026-02-30", "text": "x"}, "day"),
        ({"part": "note", "day": "2026-02-01", "text": ""}, "text"),
    ],
)
def test_bad_input_is_refused_with_a_reason(client, counted, personas, data, field):
    _budget, chosen, _other = counted
    client.force_login(personas["editor"])
    response = client.post(_urls(chosen)[1], data)
    assert response.status_code == 422
    assert response.context[("form" if data["part"] == "record" else "note")].errors[field]
    assert not ImplementationUpdate.objects.exists()


def test_a_picture_needs_a_description_and_must_be_a_picture(client, counted, personas):
    _budget, chosen, _other = counted
    client.force_login(personas["editor"])
    edit = _urls(chosen)[1]
    without = client.post(edit, {"part": "note", "day": "2026-02-01", "text": "x", "image": _png()})
    fake = io.BytesIO(b"<svg onload=alert(1)>")
    fake.name = "bild.png"
    wrong = client.post(edit, {"part": "note", "day": "2026-02-01", "text": "x", "image": fake,
                               "image_alt": "Bild"})  # fmt: skip
    assert without.status_code == wrong.status_code == 422
    assert not ImplementationUpdate.objects.exists()


def test_a_measure_of_another_municipality_cannot_carry_it(counted, personas, beta):
    from django.core.exceptions import ValidationError

    from stadtkern.participation.implementation import implementation_set

    _budget, chosen, _other = counted
    foreign = Measure.objects.create(municipality=beta, title="Fremd", published=True)
    with pytest.raises(ValidationError):
        implementation_set(project=chosen, user=personas["editor"], status="done", progress=100,
                           measure=foreign)  # fmt: skip


def test_the_ballot_shows_each_project_s_text_picture_and_place(client, alpha, personas):
    from stadtkern.participation import services

    budget = make_budget(make_process(alpha))
    project = budget.projects.order_by("position").first()
    services.project_update(project=project, user=personas["editor"], description="Ein Brunnen.",
                            latitude=51.45, longitude=6.63, image=_png(), image_alt="Brunnen")  # fmt: skip
    html = client.get(
        f"/m/alpha/participation/{budget.process.slug}/budgets/{budget.pk}/vote/"
    ).content.decode()
    assert "Ein Brunnen." in html and 'alt="Brunnen"' in html
    assert 'id="project-places"' in html and '"number": "' in html
    assert 'data-text-over-budget="' in html


def test_a_draft_measure_is_not_named_to_the_public(client, counted, personas, alpha):
    _budget, chosen, _other = counted
    draft = Measure.objects.create(municipality=alpha, title="Geheime Maßnahme", published=False)
    client.force_login(personas["editor"])
    client.post(_urls(chosen)[1], {"part": "record", "status": "planned", "progress": "5",
                                   "measure": draft.pk})  # fmt: skip
    assert "Geheime Maßnahme" in client.get(_urls(chosen)[0]).content.decode()
    client.logout()
    assert "Geheime Maßnahme" not in client.get(_urls(chosen)[0]).content.decode()


def test_the_results_show_how_the_selected_projects_fill_the_budget(client, alpha):
    from stadtkern.participation import services

    from .test_pages import close

    budget = make_budget(make_process(alpha))
    codes = services.voting_codes_create(process=budget.process, count=3)
    for code in codes:
        client.post(f"/m/alpha/participation/{budget.process.slug}/budgets/{budget.pk}/vote/",
                    {"code": code, "projects": ["1", "5"]})  # fmt: skip
    close(budget.process)
    services.budget_count(budget=budget)
    html = client.get(
        f"/m/alpha/participation/{budget.process.slug}/budgets/{budget.pk}/results/"
    ).content.decode()
    assert "Wie die ausgewählten Projekte das Budget füllen" in html
    assert 'class="reference"' in html and "Budget: 100.000" in html
