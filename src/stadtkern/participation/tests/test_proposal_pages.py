"""Proposal pages: submit, support, comment, hide with a reason, review, make a measure."""

import pytest

from conftest import PASSWORD
from stadtkern.participation import services
from stadtkern.participation.models import PhaseKind, Proposal

from .conftest import make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def ideas(alpha):
    return make_process(alpha, running=PhaseKind.PROPOSALS, slug="ideen")


def test_a_citizen_submits_a_proposal_on_the_page(client, people, ideas):
    assert client.get("/m/alpha/participation/ideen/proposals/new/").status_code == 403
    client.login(username="citizen", password=PASSWORD)
    page = client.get("/m/alpha/participation/ideen/").content.decode()
    assert "Vorschlag einreichen" in page
    bad = client.post("/m/alpha/participation/ideen/proposals/new/", {"title": "Bänke", "description": "x",
                                                                      "latitude": "51,4"})  # fmt: skip
    assert bad.status_code == 422 and "Breite und Länge" in bad.content.decode()
    response = client.post("/m/alpha/participation/ideen/proposals/new/",
                           {"title": "Bänke am Markt", "description": "Zum Ausruhen.", "latitude": "51,45",
                            "longitude": "6.63"}, follow=True)  # fmt: skip
    assert "Danke: Ihr Vorschlag wurde eingereicht." in response.content.decode()
    proposal = Proposal.objects.get()
    assert (proposal.latitude, proposal.longitude, proposal.author) == (
        51.45,
        6.63,
        people["citizen"],
    )


def test_support_comment_moderation_and_review_on_the_page(client, people, ideas):
    proposal = services.proposal_create(process=ideas, user=people["citizen"], title="Trinkbrunnen",
                                        description="Am Markt.")  # fmt: skip
    url = f"/m/alpha/participation/ideen/proposals/{proposal.pk}/"
    client.login(username="verified", password=PASSWORD)
    client.post(url, {"action": "support"})
    client.post(url, {"action": "comment", "text": "Unbedingt!"})
    page = client.get(url).content.decode()
    assert "Unbedingt!" in page and "<dd>1</dd>" in page
    assert client.post(url, {"action": "hide", "reason": "x"}).status_code == 403
    client.login(username="moderator", password=PASSWORD)
    comment = proposal.comments.get()
    assert (
        client.post(
            url, {"action": "hide_comment", "comment": comment.pk, "reason": ""}
        ).status_code
        == 422
    )
    client.post(url, {"action": "hide_comment", "comment": comment.pk, "reason": "Beleidigend."})
    assert "Von der Moderation ausgeblendet: Beleidigend." in client.get(url).content.decode()
    client.login(username="editor", password=PASSWORD)
    client.post(
        url,
        {
            "action": "review",
            "status": "accepted",
            "note": "Machbar.",
            "cost_estimate": "18.000,50",
        },
    )
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and str(proposal.cost_estimate) == "18000.50"
    client.post(url, {"action": "measure"})
    proposal.refresh_from_db()
    measure_page = client.get(f"/m/alpha/measures/{proposal.measure_id}/").content.decode()
    assert "Aus dem Bürgervorschlag" in measure_page and url in measure_page
    assert f"/m/alpha/measures/{proposal.measure_id}/" in client.get(url).content.decode()
