"""Drafts are for members; published content is for everyone."""

import pytest

from stadtkern.strategy import services


@pytest.fixture
def draft_and_public(alpha, personas):
    editor = personas["editor"]
    draft = services.measure_create(municipality=alpha, user=editor, title="Entwurfsmaßnahme")
    public = services.measure_create(
        municipality=alpha, user=editor, title="Öffentliche Maßnahme", published=True
    )
    return draft, public


@pytest.mark.parametrize(
    "persona,sees_draft",
    [
        ("anonymous", False),
        ("other_editor", False),
        ("viewer", True),
        ("editor", True),
        ("staff", True),
    ],
)
def test_draft_measures_are_visible_to_members_only(
    client, personas, draft_and_public, token_for, persona, sees_draft
):
    draft, public = draft_and_public
    headers = token_for(personas[persona])
    titles = {
        m["title"]
        for m in client.get("/api/v1/municipalities/alpha/measures", **headers).json()["items"]
    }
    assert "Öffentliche Maßnahme" in titles
    assert ("Entwurfsmaßnahme" in titles) is sees_draft
    detail = client.get(f"/api/v1/municipalities/alpha/measures/{draft.pk}", **headers)
    assert detail.status_code == (200 if sees_draft else 404)
    if personas[persona]:
        client.force_login(personas[persona])
    page = client.get("/m/alpha/").content.decode()
    assert ("Entwurfsmaßnahme" in page) is sees_draft


def test_audit_trail_is_shown_to_members_not_to_the_public(client, personas, draft_and_public):
    _draft, public = draft_and_public
    anonymous_page = client.get(f"/m/alpha/measures/{public.pk}/").content.decode()
    assert "Änderungsverlauf" not in anonymous_page and "Change history" not in anonymous_page
    client.force_login(personas["viewer"])
    member_page = client.get(f"/m/alpha/measures/{public.pk}/").content.decode()
    assert "Änderungsverlauf" in member_page or "Change history" in member_page
    assert "editor" in member_page


def test_audit_api_lists_changes_for_members(client, personas, draft_and_public, token_for):
    _draft, public = draft_and_public
    path = f"/api/v1/municipalities/alpha/audit?object_type=measure&object_id={public.pk}"
    assert client.get(path, **token_for(personas["other_editor"])).status_code == 403
    entries = client.get(path, **token_for(personas["viewer"])).json()
    assert entries[0]["action"] == "create" and entries[0]["user"] == "editor"


@pytest.mark.parametrize("relation", ["goal", "field", "user_group"])
def test_a_draft_used_as_a_filter_reveals_nothing(client, alpha, personas, token_for, relation):
    editor = personas["editor"]
    if relation == "goal":
        draft = services.goal_create(municipality=alpha, user=editor, title="Geheimes Ziel")
        links = {"goals": [draft.pk]}
    elif relation == "field":
        draft = services.field_create(municipality=alpha, user=editor, title="Geheimes Feld")
        links = {"fields_of_action": [draft.pk]}
    else:
        draft = services.user_group_create(municipality=alpha, user=editor, title="Geheime Gruppe")
        links = {"benefits": [{"user_group": draft.pk, "value": "hoch"}]}
    services.measure_create(
        municipality=alpha, user=editor, title="Öffentliche Maßnahme", published=True, **links
    )
    url = f"/api/v1/municipalities/alpha/measures?{relation}={draft.pk}"
    outsider = client.get(url).json()["items"]
    assert outsider == []  # the same answer as for an id that does not exist
    member = client.get(url, **token_for(personas["viewer"])).json()["items"]
    assert [m["title"] for m in member] == ["Öffentliche Maßnahme"]
