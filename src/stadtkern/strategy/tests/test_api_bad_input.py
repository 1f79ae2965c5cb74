"""Bad input gets a problem+json answer naming the field, never a 500, and nothing half-saved."""

import json

import pytest

from stadtkern.core.models import AuditEntry, Municipality
from stadtkern.strategy import services
from stadtkern.strategy.models import Measure, Tag


@pytest.fixture
def editor_headers(personas, token_for):
    return token_for(personas["editor"])


def _post(client, path, body, headers, raw=None):
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def _fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"] for e in response.json().get("errors", [])}


def test_wrong_ags_is_refused_naming_the_field(client, personas, token_for):
    headers = token_for(personas["staff"])
    for ags in ["1234567", "17000000", "0511100X", "051110001"]:
        body = {"name": "X", "slug": f"x{ags[:3]}", "ags": ags, "kind": "stadt", "state": "05"}
        response = _post(client, "/api/v1/municipalities", body, headers)
        assert response.status_code == 422, (ags, response.content)
        assert "ags" in _fields(response)
    assert not Municipality.objects.filter(name="X").exists()


def test_ags_outside_the_chosen_state_is_refused(client, personas, token_for):
    body = {"name": "X", "slug": "x", "ags": "09162000", "kind": "stadt", "state": "05"}
    response = _post(client, "/api/v1/municipalities", body, token_for(personas["staff"]))
    assert response.status_code == 422
    assert "ags" in _fields(response)


def test_unknown_sdg_target_is_refused_and_nothing_is_saved(client, editor_headers, alpha):
    audit = AuditEntry.objects.count()
    response = _post(
        client,
        "/api/v1/municipalities/alpha/measures",
        {"title": "Neu", "sdg_targets": ["11.1", "11.9"], "tags": ["brandneu"]},
        editor_headers,
    )
    assert response.status_code == 422
    assert _fields(response) == {"sdg_targets"}
    assert "11.9" in response.json()["errors"][0]["message"]
    assert not Measure.objects.filter(title="Neu").exists()
    assert not Tag.objects.filter(name="brandneu").exists()
    assert AuditEntry.objects.count() == audit


def test_malformed_target_code_is_refused(client, editor_headers, alpha):
    response = _post(
        client,
        "/api/v1/municipalities/alpha/goals",
        {"title": "Z", "sdg_targets": ["elf"]},
        editor_headers,
    )
    assert response.status_code == 422
    assert "sdg_targets.0" in _fields(response)


def test_goal_of_another_municipality_is_refused(client, editor_headers, alpha, beta, personas):
    foreign = services.goal_create(
        municipality=beta, user=personas["other_editor"], title="Fremdes Ziel"
    )
    response = _post(
        client,
        "/api/v1/municipalities/alpha/measures",
        {"title": "M", "goals": [foreign.pk]},
        editor_headers,
    )
    assert response.status_code == 422
    assert _fields(response) == {"goals"}
    assert not Measure.objects.filter(title="M").exists()


def test_field_and_user_group_of_another_municipality_are_refused(
    client, editor_headers, alpha, beta
):
    field = beta.fields_of_action.first()
    group = beta.user_groups.first()
    response = _post(
        client,
        "/api/v1/municipalities/alpha/measures",
        {
            "title": "M",
            "fields_of_action": [field.pk],
            "benefits": [{"user_group": group.pk, "value": "v"}],
        },
        editor_headers,
    )
    assert response.status_code == 422
    assert "fields_of_action" in _fields(response)


def test_over_long_title_is_refused(client, editor_headers, alpha):
    response = _post(
        client, "/api/v1/municipalities/alpha/measures", {"title": "x" * 201}, editor_headers
    )
    assert response.status_code == 422
    assert _fields(response) == {"title"}


def test_malformed_json_is_a_bad_request(client, editor_headers, alpha):
    response = _post(
        client, "/api/v1/municipalities/alpha/measures", None, editor_headers, raw='{"title": "x",'
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


def test_end_before_start_is_refused_on_update_and_the_measure_stays(
    client, editor_headers, alpha, personas
):
    measure = services.measure_create(
        municipality=alpha, user=personas["editor"], title="Bleibt", status="planned"
    )
    response = client.patch(
        f"/api/v1/municipalities/alpha/measures/{measure.pk}",
        data=json.dumps({"title": "Geändert", "start": "2025-05-01", "end": "2025-01-01"}),
        content_type="application/json",
        **editor_headers,
    )
    assert response.status_code == 422
    assert "end" in _fields(response)
    measure.refresh_from_db()
    assert measure.title == "Bleibt"


def test_nul_characters_are_refused(client, editor_headers, alpha):
    response = _post(
        client, "/api/v1/municipalities/alpha/values", {"title": "a\u0000b"}, editor_headers
    )
    assert response.status_code == 422
    assert "title" in _fields(response)


def test_unknown_measure_is_not_found(client, alpha):
    response = client.get("/api/v1/municipalities/alpha/measures/999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_measure_of_other_municipality_is_not_reachable_under_own_slug(
    client, alpha, beta, personas, token_for
):
    foreign = services.measure_create(
        municipality=beta, user=personas["other_editor"], title="Fremd", published=True
    )
    response = client.patch(
        f"/api/v1/municipalities/alpha/measures/{foreign.pk}",
        data=json.dumps({"title": "Gekapert"}),
        content_type="application/json",
        **token_for(personas["editor"]),
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "Fremd"
