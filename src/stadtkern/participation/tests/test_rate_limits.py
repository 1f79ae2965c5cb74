"""Per-connection limits: wrong voting codes, and answers to a survey without an account."""

import json

import pytest

from stadtkern.participation import services
from stadtkern.participation.models import Ballot, SurveyResponse

from .conftest import make_budget, make_open_survey, make_process

pytestmark = pytest.mark.django_db


def _by_code(client, budget, code, address="192.0.2.1"):
    return client.post(
        f"/api/v1/participation/budgets/{budget.pk}/ballot-by-code",
        json.dumps({"code": code, "projects": ["1"]}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_wrong_voting_codes_are_limited_per_connection_and_valid_ones_are_not(
    client, alpha, settings
):
    settings.VOTING_CODE_FAILURE_LIMIT = 3
    budget = make_budget(make_process(alpha), max_projects=3)
    codes = services.voting_codes_create(process=budget.process, count=6)
    # Valid codes from one kiosk do not use up its allowance.
    for code in codes[:5]:
        assert _by_code(client, budget, code).status_code == 200
    for guess in ["AAAA-BBBB", "CCCC-DDDD", "EEEE-FFFF"]:
        assert _by_code(client, budget, guess).status_code == 422
    refused = _by_code(client, budget, codes[5])
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert refused["Content-Type"] == "application/problem+json"
    assert Ballot.objects.count() == 5
    # Another connection is not held back.
    assert _by_code(client, budget, codes[5], address="198.51.100.7").status_code == 200


def test_answers_without_an_account_are_limited_per_connection(client, alpha, settings):
    settings.SURVEY_ANSWER_LIMIT = 2
    _survey, question = make_open_survey(alpha)
    url = "/api/v1/participation/surveys/alpha/umfrage/anonymous-responses"
    body = json.dumps({"answers": {str(question.pk): 4}})
    statuses = [
        client.post(url, body, content_type="application/json", REMOTE_ADDR="192.0.2.9").status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert SurveyResponse.objects.count() == 2
    page = client.post(
        "/m/alpha/participation/surveys/umfrage/", {f"q{question.pk}": "4"}, REMOTE_ADDR="192.0.2.9"
    )
    assert page.status_code == 429
    assert SurveyResponse.objects.count() == 2
