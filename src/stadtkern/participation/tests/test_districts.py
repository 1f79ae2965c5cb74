"""District sub-budgets: everyone votes in the town's budget, each district's residents
(verified accounts and codes of that district) in their own district's budget only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conftest import PASSWORD
from stadtkern.core.services import user_create
from stadtkern.participation import services

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(alpha):
    process = make_process(alpha)
    whole = make_budget(process)
    north = services.budget_create(process=process, name="Nord", amount=Decimal(20_000), ballot_kind="approval",
                                   rule="greedy", district="Nord")  # fmt: skip
    south = services.budget_create(process=process, name="Süd", amount=Decimal(20_000), ballot_kind="approval",
                                   rule="greedy", district="Süd")  # fmt: skip
    for budget in (north, south):
        services.project_create(budget=budget, ref="1", title="Spielplatz", cost=Decimal(15_000))
    return process, whole, north, south


def test_a_resident_votes_in_the_town_and_their_district_only(alpha, town):
    process, whole, north, south = town
    nora = user_create(username="nora", password=PASSWORD)
    services.verification_create(user=nora, municipality=alpha, method="in_person", district="Nord")
    services.ballot_cast(budget=whole, projects=["1"], user=nora)
    services.ballot_cast(budget=north, projects=["1"], user=nora)
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="for the residents of Süd"),
    ):
        services.ballot_cast(budget=south, projects=["1"], user=nora)
    assert south.ballots.count() == 0 and north.ballots.count() == 1


def test_codes_open_their_districts_budget_and_the_towns(town):
    process, whole, north, south = town
    south_code = services.voting_codes_create(process=process, count=1, district="Süd")[0]
    town_code = services.voting_codes_create(process=process, count=1)[0]
    services.ballot_cast(budget=south, projects=["1"], code=south_code)
    services.ballot_cast(budget=whole, projects=["1"], code=south_code)
    services.ballot_cast(budget=whole, projects=["2"], code=town_code)
    for code, budget in ((south_code, north), (town_code, north), (town_code, south)):
        with pytest.raises(ValidationError):
            services.ballot_cast(budget=budget, projects=["1"], code=code)
    assert (whole.ballots.count(), north.ballots.count(), south.ballots.count()) == (2, 0, 1)


def test_editors_print_codes_for_a_district(client, people, town):
    client.login(username="editor", password=PASSWORD)
    response = client.post(
        "/m/alpha/participation/bhh-2026/codes/", {"count": "2", "district": "Nord"}
    )
    page = response.content.decode()
    assert page.count('class="code-slip"') == 2 and "· Nord</p>" in page
    process = town[0]
    assert list(process.voting_codes.values_list("district", flat=True)) == ["Nord", "Nord"]
