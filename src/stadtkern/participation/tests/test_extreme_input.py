"""Input at the edges of the calendar and of what int() reads: a clear 4xx, nothing stored,
and the lists that show the object keep working (an attack test broke them for good)."""

import json

import pytest

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db

BASE = "/api/v1/participation"
EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1066-10-14T09:00:00Z"]


@pytest.mark.parametrize("moment", EDGES)
def test_times_outside_the_calendar_are_refused_and_pages_keep_working(
    client, alpha, people, token_for, moment
):
    process = make_process(alpha)
    editor = token_for(people["editor"])
    phase = {"kind": "results", "starts_at": "2027-01-01T00:00:00Z", "ends_at": moment}
    if moment.startswith(("0001", "1066")):
        phase = {"kind": "results", "starts_at": moment, "ends_at": "2027-01-01T00:00:00Z"}
    response = client.post(
        f"{BASE}/processes/alpha/{process.slug}/phases", json.dumps(phase),
        content_type="application/json", **editor,
    )  # fmt: skip
    assert response.status_code == 422, response.content
    survey = {"slug": "rand", "title": "Rand", "opens_at": "2027-01-01T00:00:00Z",
              "closes_at": moment, "questions": [{"kind": "likert", "text": "Gut?"}]}  # fmt: skip
    if moment.startswith(("0001", "1066")):
        survey.update(opens_at=moment, closes_at="2027-01-01T00:00:00Z")
    response = client.post(
        f"{BASE}/surveys/alpha", json.dumps(survey), content_type="application/json", **editor
    )
    assert response.status_code == 422, response.content
    assert client.get(f"{BASE}/processes?municipality=alpha").status_code == 200
    assert client.get("/m/alpha/participation/").status_code == 200


@pytest.mark.parametrize("typed", ["²", "٣", "9" * 5000, "-1", "1.5"])
def test_ballot_numbers_people_did_not_mean_are_a_422(client, alpha, typed):
    budget = make_budget(make_process(alpha), kind="cumulative", max_points=5)
    process = budget.process
    url = f"/m/alpha/participation/{process.slug}/budgets/{budget.pk}/vote/"
    response = client.post(url, {"code": "AAAA-BBBB", "points-1": typed})
    assert response.status_code == 422
