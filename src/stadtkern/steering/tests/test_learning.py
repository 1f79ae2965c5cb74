"""Quality and learning: shipped templates, lessons searchable across the instance (others'
only when shared), the improvement log, and the pulse check of decision makers on the
project."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stadtkern.steering.library import shipped
from stadtkern.steering.models import DocumentTemplate, Improvement
from stadtkern.steering.services import learning
from stadtkern.strategy.services import field_create

from .factories import make_project

pytestmark = pytest.mark.django_db


def test_the_templates_ship_with_the_product():
    kinds = set(DocumentTemplate.objects.filter(added_by=None).values_list("kind", flat=True))
    assert {"charter", "status_report", "lessons"} <= kinds and len(shipped()) >= 3


def test_lessons_are_found_across_the_instance_when_shared(client, alpha, beta, personas):
    field = field_create(municipality=alpha, user=None, title="Wirtschaft", published=True)
    mine = make_project(alpha, "Leerstand")
    theirs = make_project(beta, "Innenstadt Betadorf")
    learning.lesson_save(project=mine, user=None, title="Eigentümer früh einbinden", recommendation="Runder Tisch",
                         fields_of_action=[field.pk], tags="Leerstand, Beteiligung")  # fmt: skip
    learning.lesson_save(
        project=theirs, user=None, title="Geteilte Erfahrung", recommendation="Pop-up", shared=True
    )
    learning.lesson_save(
        project=theirs, user=None, title="Interne Notiz", recommendation="nur intern"
    )
    with pytest.raises(ValidationError):
        learning.lesson_save(
            project=theirs, user=None, title="X", recommendation="Y", fields_of_action=[field.pk]
        )
    client.force_login(personas["viewer"])
    page = client.get("/m/alpha/steering/learning/").content.decode()
    assert (
        "Eigentümer früh einbinden" in page
        and "Geteilte Erfahrung" in page
        and "Interne Notiz" not in page
    )
    found = client.get("/m/alpha/steering/learning/?q=beteiligung").content.decode()
    assert "Eigentümer früh einbinden" in found and "Geteilte Erfahrung" not in found
    by_field = client.get("/m/alpha/steering/learning/?field=wirtschaft").content.decode()
    assert "Eigentümer früh einbinden" in by_field and "Geteilte Erfahrung" not in by_field
    assert client.get("/m/alpha/steering/learning/?q=%00").status_code == 200


def test_the_improvement_log(client, alpha, personas):
    client.force_login(personas["editor"])
    client.post("/m/alpha/steering/learning/improvements/", {"observed": "Berichte kommen spät",
                                                             "action": "Berichtstermin im Jour fixe"})  # fmt: skip
    improvement = Improvement.objects.get()
    client.post(
        f"/m/alpha/steering/learning/improvements/{improvement.pk}/",
        {"status": "done", "result": "pünktlich"},
    )
    improvement.refresh_from_db()
    assert improvement.status == "done" and improvement.result == "pünktlich"
    response = client.post(f"/en/m/alpha/steering/learning/improvements/{improvement.pk}/", {"status": "maybe"},
                           follow=True)  # fmt: skip
    assert "Choose open, in progress or done." in response.content.decode()
    client.force_login(personas["viewer"])
    assert (
        client.post(
            "/m/alpha/steering/learning/improvements/", {"observed": "x", "action": "y"}
        ).status_code
        == 403
    )


def test_the_pulse_check_of_decision_makers_shows_on_the_project(client, alpha, personas):
    from stadtkern.participation import surveys as participation
    from stadtkern.participation.models import Survey

    project = make_project(alpha, "Leerstand", published=True)
    today = timezone.localdate()
    for opens, score in ((today - timedelta(days=40), 3), (today - timedelta(days=3), 4)):
        wave = participation.pulse_create(municipality=alpha, series="lenkungskreis", title="Lenkungskreis",
                                          opens=opens)  # fmt: skip
        Survey.objects.filter(pk=wave.pk).update(published=True)
        for who in ("viewer", "editor", "admin"):
            answers = {q.pk: score if q.kind == "likert" else 8 for q in wave.questions.all()
                       if q.kind in ("likert", "nps")}  # fmt: skip
            participation.response_submit(survey=wave, user=personas[who], answers=answers,
                                          answered_at=wave.opens_at + timedelta(hours=1))  # fmt: skip
    client.force_login(personas["editor"])
    client.post(f"/m/alpha/steering/projects/{project.pk}/edit/", {
        "design": "hybrid", "start": project.start.isoformat(), "end": project.end.isoformat(),
        "pulse_series": "lenkungskreis"})  # fmt: skip
    project.refresh_from_db()
    assert project.pulse_series == "lenkungskreis"
    page = client.get(f"/en/m/alpha/steering/projects/{project.pk}/").content.decode()
    assert "Pulse check of decision makers" in page and 'data-kind="line"' in page
    client.logout()
    assert (
        "Pulse check"
        not in client.get(f"/en/m/alpha/steering/projects/{project.pk}/").content.decode()
    )
