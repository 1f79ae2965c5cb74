"""The participation API's lists and details: visibility, phases, a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db


def test_the_list_shows_published_processes_with_their_running_phase(client, alpha):
    make_budget(make_process(alpha, slug="open"))
    make_process(alpha, slug="draft", published=False)
    response = client.get("/api/v1/participation/processes", {"municipality": "alpha"})
    assert response.status_code == 200
    [process] = response.json()
    assert process["slug"] == "open" and process["current_phase"] == "voting"
    assert process["voting_over"] is False
    assert [p["kind"] for p in process["phases"]] == [
        "proposals",
        "review",
        "voting",
        "results",
        "implementation",
    ]
    assert process["budgets"][0]["ballot_kind"] == "approval"


def test_the_list_costs_the_same_queries_for_one_process_or_ten(client, alpha):
    make_process(alpha, slug="p0")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get("/api/v1/participation/processes", {"municipality": "alpha"}).status_code
                == 200
            )
        return len(captured)

    one = queries()
    for k in range(1, 10):
        make_budget(make_process(alpha, slug=f"p{k}"))
    assert queries() == one


def test_editors_see_drafts_and_others_do_not(client, alpha, people, token_for):
    make_process(alpha, slug="draft", published=False)
    url = "/api/v1/participation/processes/alpha/draft"
    assert client.get(url).status_code == 404
    assert client.get(url, **token_for(people["other_editor"])).status_code == 404
    assert client.get(url, **token_for(people["editor"])).json()["published"] is False


def test_voting_codes_are_made_by_the_municipalitys_editors_only(client, alpha, people, token_for):
    make_process(alpha, slug="codes")
    url = "/api/v1/participation/processes/alpha/codes/voting-codes"
    body = {"count": 3}
    denied = client.post(
        url, body, content_type="application/json", **token_for(people["moderator"])
    )
    assert denied.status_code == 403
    made = client.post(url, body, content_type="application/json", **token_for(people["editor"]))
    assert made.status_code == 200 and len(made.json()["codes"]) == 3
