"""Every write endpoint against every persona: who may write in alpha, and who may not."""

import json

import pytest

from stadtkern.core.models import AuditEntry
from stadtkern.strategy import services

PERSONAS = ["anonymous", "viewer", "editor", "admin", "other_editor", "staff"]
EDITORS = {"editor", "admin", "staff"}
ADMINS = {"admin", "staff"}
STAFF = {"staff"}


@pytest.fixture
def objects(alpha, personas):
    """Return one object of each kind in alpha, created by its admin."""
    admin = personas["admin"]
    return {
        "value": services.value_create(municipality=alpha, user=admin, title="Offen"),
        "field": services.field_create(municipality=alpha, user=admin, title="Feld"),
        "user_group": services.user_group_create(municipality=alpha, user=admin, title="Gruppe"),
        "goal": services.goal_create(
            municipality=alpha, user=admin, title="Ziel", sdg_targets=["11.1"]
        ),
        "measure": services.measure_create(municipality=alpha, user=admin, title="Maßnahme"),
    }


# (method, path with {name} of an object id, body, who may, success status)
WRITES = [
    (
        "post",
        "/api/v1/municipalities",
        {"name": "Neu", "slug": "neu", "ags": "05111001", "kind": "stadt", "state": "05"},
        STAFF,
        201,
    ),
    ("patch", "/api/v1/municipalities/alpha", {"population": 601000}, ADMINS, 200),
    ("put", "/api/v1/municipalities/alpha/members/viewer", {"role": "editor"}, ADMINS, 200),
    ("delete", "/api/v1/municipalities/alpha/members/viewer", None, ADMINS, 204),
    ("put", "/api/v1/municipalities/alpha/vision", {"text": "Eine Vision"}, EDITORS, 200),
    ("post", "/api/v1/municipalities/alpha/values", {"title": "Inklusiv"}, EDITORS, 201),
    ("patch", "/api/v1/municipalities/alpha/values/{value}", {"title": "Offener"}, EDITORS, 200),
    ("delete", "/api/v1/municipalities/alpha/values/{value}", None, EDITORS, 204),
    ("post", "/api/v1/municipalities/alpha/fields", {"title": "Tourismus"}, EDITORS, 201),
    ("patch", "/api/v1/municipalities/alpha/fields/{field}", {"published": True}, EDITORS, 200),
    ("delete", "/api/v1/municipalities/alpha/fields/{field}", None, EDITORS, 204),
    ("post", "/api/v1/municipalities/alpha/user-groups", {"title": "Pendler"}, EDITORS, 201),
    (
        "patch",
        "/api/v1/municipalities/alpha/user-groups/{user_group}",
        {"title": "Pendelnde"},
        EDITORS,
        200,
    ),
    ("delete", "/api/v1/municipalities/alpha/user-groups/{user_group}", None, EDITORS, 204),
    (
        "post",
        "/api/v1/municipalities/alpha/goals",
        {"title": "Ziel 2", "sdg_targets": ["11.2"]},
        EDITORS,
        201,
    ),
    ("patch", "/api/v1/municipalities/alpha/goals/{goal}", {"priority": 1}, EDITORS, 200),
    ("delete", "/api/v1/municipalities/alpha/goals/{goal}", None, EDITORS, 204),
    ("post", "/api/v1/municipalities/alpha/measures", {"title": "Neue Maßnahme"}, EDITORS, 201),
    (
        "patch",
        "/api/v1/municipalities/alpha/measures/{measure}",
        {"status": "planned"},
        EDITORS,
        200,
    ),
    ("delete", "/api/v1/municipalities/alpha/measures/{measure}", None, EDITORS, 204),
]


def _id(write):
    return f"{write[0]} {write[1]}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("write", WRITES, ids=[_id(w) for w in WRITES])
def test_write_is_allowed_exactly_for_the_right_roles(
    client, personas, objects, token_for, persona, write
):
    method, path, body, allowed, success = write
    path = path.format(**{k: v.pk for k, v in objects.items()})
    headers = token_for(personas[persona])
    audit_before = AuditEntry.objects.count()
    kwargs = {"content_type": "application/json", **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    response = getattr(client, method)(path, **kwargs)
    if persona in allowed:
        assert response.status_code == success, response.content
    else:
        expected = 401 if persona == "anonymous" else 403
        assert response.status_code == expected, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected
        assert AuditEntry.objects.count() == audit_before


def test_session_write_without_csrf_token_is_refused(personas, alpha):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["editor"])
    response = client.post(
        "/api/v1/municipalities/alpha/values",
        data=json.dumps({"title": "X"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not alpha.values.filter(title="X").exists()


def test_editor_of_other_municipality_cannot_edit_measure_through_the_form(
    client, personas, objects
):
    client.force_login(personas["other_editor"])
    measure = objects["measure"]
    response = client.post(
        f"/m/alpha/measures/{measure.pk}/edit/", {"title": "Übernommen", "status": "idea"}
    )
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.title == "Maßnahme"


@pytest.mark.parametrize(
    "persona,status",
    [("anonymous", 403), ("viewer", 403), ("other_editor", 403), ("editor", 200), ("staff", 200)],
)
def test_editor_form_pages_are_open_to_editors_only(client, personas, alpha, persona, status):
    if personas[persona]:
        client.force_login(personas[persona])
    assert client.get("/m/alpha/measures/new/").status_code == status
