"""Proposals: who may propose, support, comment, moderate and review, by phase; hidden
proposals keep a published reason; an accepted proposal becomes a measure, linked both ways."""

import json

import pytest

from stadtkern.participation import rules
from stadtkern.participation.models import PhaseKind, Proposal
from stadtkern.participation.selectors import current_phase
from stadtkern.strategy.models import Measure

from .conftest import PHASES, make_process

pytestmark = pytest.mark.django_db
PERSONAS = ["anonymous", "citizen", "verified", "moderator", "editor", "other_editor"]
ACTIONS = {
    "propose": {PhaseKind.PROPOSALS},
    "support": {PhaseKind.PROPOSALS},
    "comment": {
        PhaseKind.PROPOSALS,
        PhaseKind.REVIEW,
        PhaseKind.VOTING,
        PhaseKind.RESULTS,
        PhaseKind.IMPLEMENTATION,
    },
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_participants_grid(people, alpha, persona, phase):
    process = make_process(alpha, running=phase)
    running, user = current_phase(process), people[persona]
    for action, check in (
        ("propose", rules.can_propose),
        ("support", rules.can_support),
        ("comment", rules.can_comment),
    ):
        expected = persona != "anonymous" and phase in ACTIONS[action]
        assert check(user, process, running) is expected, action
    assert rules.can_moderate(user, process) is (persona in ("moderator", "editor"))
    assert rules.can_review(user, process) is (persona == "editor")


def post(client, url, body, auth):
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth
    )


@pytest.fixture
def open_for_proposals(alpha):
    return make_process(alpha, running=PhaseKind.PROPOSALS, slug="ideen")


BASE = "/api/v1/participation"


def test_a_citizen_proposes_others_support_and_comment(
    client, people, token_for, alpha, open_for_proposals
):
    field = alpha.fields_of_action.first()
    body = {"title": "Mehr Bänke am Markt", "description": "Zum Ausruhen beim Einkaufen.",
            "field_of_action": field.pk if field else None, "latitude": 51.45, "longitude": 6.63}  # fmt: skip
    created = post(
        client, f"{BASE}/processes/alpha/ideen/proposals", body, token_for(people["citizen"])
    )
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    assert Proposal.objects.get(pk=pid).author == people["citizen"]
    for persona in ("verified", "moderator", "verified"):
        response = post(client, f"{BASE}/proposals/{pid}/support", {}, token_for(people[persona]))
    assert response.json() == {"supporters": 2}
    comment = post(
        client,
        f"{BASE}/proposals/{pid}/comments",
        {"text": "Gute Idee!"},
        token_for(people["verified"]),
    )
    assert comment.status_code == 201
    detail = client.get(f"{BASE}/proposals/{pid}").json()
    assert detail["supporters"] == 2 and detail["comments"][0]["text"] == "Gute Idee!"
    assert post(client, f"{BASE}/proposals/{pid}/support", {}, {}).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": "ab", "description": "x"}, 422, "title"),
        ({"title": "Gute Idee", "description": ""}, 422, "description"),
        ({"title": "Gute Idee", "description": "x", "latitude": 51.4}, 422, "location"),
        (
            {"title": "Gute Idee", "description": "x", "latitude": 95, "longitude": 6},
            422,
            "latitude",
        ),
        (
            {"title": "Gute Idee", "description": "x", "field_of_action": 999999},
            422,
            "field_of_action",
        ),
    ],
)
def test_a_bad_proposal_is_refused_naming_the_field(
    client, people, token_for, open_for_proposals, body, status, field
):
    response = post(
        client, f"{BASE}/processes/alpha/ideen/proposals", body, token_for(people["citizen"])
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field
    assert not Proposal.objects.exists()


def test_proposals_are_refused_outside_their_phase(client, people, token_for, alpha):
    make_process(alpha, running=PhaseKind.VOTING, slug="spaet")
    response = post(client, f"{BASE}/processes/alpha/spaet/proposals", {"title": "Zu spät", "description": "x"},
                    token_for(people["citizen"]))  # fmt: skip
    assert response.status_code == 403
    assert response.json()["detail"] == "Proposals are not taken now."


def test_moderators_hide_with_a_published_reason(client, people, token_for, open_for_proposals):
    from stadtkern.participation import services

    proposal = services.proposal_create(process=open_for_proposals, user=people["citizen"], title="Werbung",
                                        description="Kaufen Sie bei uns!")  # fmt: skip
    url = f"{BASE}/proposals/{proposal.pk}/hide"
    assert post(client, url, {"reason": "Werbung"}, token_for(people["citizen"])).status_code == 403
    assert post(client, url, {"reason": ""}, token_for(people["moderator"])).status_code == 422
    assert (
        post(
            client, url, {"reason": "Werbung ist nicht erlaubt."}, token_for(people["moderator"])
        ).status_code
        == 200
    )
    shown = client.get(f"{BASE}/processes/alpha/ideen/proposals").json()["items"][0]
    assert shown["hidden_reason"] == "Werbung ist nicht erlaubt."
    assert shown["title"] is None and shown["description"] is None and shown["author"] is None
    refused = post(
        client, f"{BASE}/proposals/{proposal.pk}/support", {}, token_for(people["verified"])
    )
    assert refused.status_code == 422


def test_an_accepted_proposal_becomes_a_measure_linked_both_ways(
    client, people, token_for, open_for_proposals
):
    from stadtkern.participation import services

    proposal = services.proposal_create(process=open_for_proposals, user=people["citizen"], title="Trinkbrunnen",
                                        description="Am Markt, für heiße Tage.")  # fmt: skip
    to_measure = f"{BASE}/proposals/{proposal.pk}/measure"
    assert (
        post(client, to_measure, {}, token_for(people["editor"])).status_code == 422
    )  # not reviewed yet
    review = {
        "status": "accepted",
        "note": "Machbar, Wasseranschluss vorhanden.",
        "cost_estimate": "18000",
    }
    assert (
        post(
            client, f"{BASE}/proposals/{proposal.pk}/review", review, token_for(people["moderator"])
        ).status_code
        == 403
    )
    reviewed = post(
        client, f"{BASE}/proposals/{proposal.pk}/review", review, token_for(people["editor"])
    )
    assert reviewed.json()["status"] == "accepted" and reviewed.json()["review_note"].startswith(
        "Machbar"
    )
    made = post(client, to_measure, {}, token_for(people["editor"]))
    assert made.status_code == 201
    measure = Measure.objects.get(pk=made.json()["measure"])
    assert measure.title == "Trinkbrunnen" and measure.published is False
    assert list(measure.proposals.all()) == [proposal]
    assert post(client, to_measure, {}, token_for(people["editor"])).status_code == 422  # only once
    assert post(client, to_measure, {}, token_for(people["other_editor"])).status_code == 403


def test_the_list_is_paginated_newest_first_with_each_count_of_its_own(
    client, people, open_for_proposals
):
    """Supporters are counted on their own, not multiplied by the comments (both tables
    joined at once did that), and the list answers a page at a time."""
    from stadtkern.participation.models import Comment, Support

    made = [
        Proposal.objects.create(
            process=open_for_proposals, author=people["citizen"], title=f"Idee {i}",
            description="-",
        )
        for i in range(5)
    ]  # fmt: skip
    supporters = [people[p] for p in ("citizen", "verified", "moderator", "editor")]
    for i, proposal in enumerate(made):
        for person in supporters[:i]:
            Support.objects.create(proposal=proposal, user=person)
        for _ in range(3 * i):
            Comment.objects.create(proposal=proposal, author=people["verified"], text="Ja")
    url = f"{BASE}/processes/alpha/ideen/proposals"
    page = client.get(url, {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [p["title"] for p in page["items"]] == ["Idee 3", "Idee 2"]
    everything = client.get(url, {"limit": 500}).json()["items"]
    assert [p["supporters"] for p in everything] == [4, 3, 2, 1, 0]
    assert client.get(url, {"limit": 501}).status_code == 422


def test_a_draft_field_of_action_is_neither_offered_nor_shown(
    client, people, token_for, alpha, open_for_proposals
):
    from stadtkern.strategy.models import FieldOfAction

    draft = FieldOfAction.objects.create(municipality=alpha, title="GEHEIMES FELD", published=False)
    shown = FieldOfAction.objects.create(
        municipality=alpha, title="Mobilität offen", published=True
    )
    Proposal.objects.create(process=open_for_proposals, author=people["citizen"], title="Mit Entwurf",
                            description="-", field_of_action=draft)  # fmt: skip
    Proposal.objects.create(process=open_for_proposals, author=people["citizen"], title="Mit Feld",
                            description="-", field_of_action=shown)  # fmt: skip
    listed = client.get(f"{BASE}/processes/alpha/ideen/proposals").json()["items"]
    assert {p["title"]: p["field_of_action"] for p in listed} == {
        "Mit Entwurf": None,
        "Mit Feld": "Mobilität offen",
    }
    pages = [client.get("/m/alpha/participation/ideen/").content.decode()]
    pages += [
        client.get(f"/m/alpha/participation/ideen/proposals/{p['id']}/").content.decode()
        for p in listed
    ]
    assert all("GEHEIMES FELD" not in page for page in pages)
    assert "Mobilität offen" in pages[0]
    client.force_login(people["citizen"])
    form = client.get("/m/alpha/participation/ideen/proposals/new/")
    assert form.status_code == 200 and "Mobilität offen" in form.content.decode()
    assert "GEHEIMES FELD" not in form.content.decode()
    refused = post(client, f"{BASE}/processes/alpha/ideen/proposals",
                   {"title": "Neu", "description": "x", "field_of_action": draft.pk},
                   token_for(people["citizen"]))  # fmt: skip
    assert refused.status_code == 422
