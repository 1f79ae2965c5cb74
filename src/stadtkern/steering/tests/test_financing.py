"""The financing rules on any plan (Hypothesis), and through the services: a rate above
100 %, a grant above the rate, a cost type the programme does not fund, a plan that does
not add up; each names its field and stores nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from stadtkern.steering import financing
from stadtkern.steering.catalogue import shipped
from stadtkern.steering.models import Application, FundingProgramme
from stadtkern.steering.services import money

from .factories import make_project

TYPES = ["personnel", "material", "investment", "services"]
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
programmes = st.builds(financing.Programme, st.just("P"), rates,
                       st.lists(st.sampled_from(TYPES), min_size=1, max_size=4, unique=True).map(tuple), rates)  # fmt: skip
costs = st.dictionaries(st.sampled_from(TYPES), amounts, min_size=1)


@given(programmes, costs)
def test_a_grant_may_reach_the_limit_and_one_cent_more_breaks_it(programme, plan):
    most = financing.limit(programme, plan)
    assert (
        most <= sum((plan.get(t, 0) for t in programme.eligible), Decimal(0)) * programme.rate / 100
    )
    assert not financing.grant_problems(financing.Grant(programme, most), plan) or most == 0
    over = financing.grant_problems(financing.Grant(programme, most + financing.CENT), plan)
    assert over and over[0].field == "requested"


@given(programmes, costs, st.data())
def test_own_funds_that_close_the_gap_add_up_and_any_other_amount_does_not(programme, plan, data):
    total = sum(plan.values(), Decimal(0))
    grant = financing.Grant(programme, data.draw(st.decimals(min_value=0, max_value=financing.limit(programme, plan),
                                                             places=2)))  # fmt: skip
    own = total - grant.amount
    adds_up = [p for p in financing.check(plan, own, [grant]) if p.rule == "adds_up"]
    assert adds_up == []
    off = data.draw(st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2))
    for wrong in (own + off, own - off):
        problems = financing.check(plan, wrong, [grant])
        assert any(p.field == "own_funds" and p.rule == "adds_up" for p in problems)


@given(programmes, costs)
def test_the_own_share_rule(programme, plan):
    total = sum(plan.values(), Decimal(0))
    least = (total * programme.min_own_share / 100).quantize(financing.CENT, rounding="ROUND_UP")
    grant = financing.Grant(programme, Decimal(0))
    share = [p for p in financing.check(plan, least, [grant]) if p.rule == "own_share"]
    assert share == []
    if least > 0:
        below = financing.check(plan, least - financing.CENT, [grant])
        assert any(p.rule == "own_share" for p in below)


def _programme(**changes):
    fields = dict(key="zukunft-innenstadt", level="bund", funder="Bund", title="Zukunftsfähige Innenstädte",
                  rate=Decimal(75), eligible=["personnel", "services"], min_own_share=Decimal(10),
                  collected_on=date(2026, 12, 1))  # fmt: skip
    fields.update(changes)
    return money.programme_create(user=None, **fields)


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("rate", Decimal("100.01")), ("rate", Decimal(-1)), ("rate", "NaN"),
                                              ("min_own_share", Decimal(101)), ("eligible", []), ("eligible", ["cake"])])  # fmt: skip
def test_a_programme_with_a_rate_above_100_or_no_eligible_costs_is_refused(field, value):
    with pytest.raises(ValidationError) as caught:
        _programme(**{field: value})
    assert field in caught.value.message_dict
    assert not FundingProgramme.objects.filter(added_by__isnull=False).exclude(
        key__in=[p["key"] for p in shipped()]
    ).exists() and FundingProgramme.objects.count() == len(shipped())


@pytest.mark.django_db
def test_applications_and_the_financing_plan_through_the_services(alpha):
    project = make_project(alpha)
    for cost_type, planned in (("personnel", 100_000), ("investment", 50_000)):
        money.budget_set(
            project=project, user=None, year=2027, cost_type=cost_type, planned=planned
        )
    programme = _programme()
    with pytest.raises(ValidationError) as caught:
        money.application_save(
            project=project, user=None, programme=programme, requested=Decimal("75000.01")
        )
    assert "requested" in caught.value.message_dict and "75" in caught.value.messages[0]
    only_investment = _programme(key="nur-invest", eligible=["material"], title="Nur Sachmittel")
    with pytest.raises(ValidationError) as caught:
        money.application_save(
            project=project, user=None, programme=only_investment, requested=1000
        )
    assert "funds none of this project's cost types" in caught.value.messages[0]
    application = money.application_save(project=project, user=None, programme=programme, requested=75000,
                                         status="submitted")  # fmt: skip
    assert application.deadline is None and Application.objects.count() == 1
    with pytest.raises(ValidationError) as caught:
        money.financing_set(project=project, user=None, own_funds=70000)
    assert "own_funds" in caught.value.message_dict and "5" in " ".join(caught.value.messages)
    money.financing_set(project=project, user=None, own_funds=75000)
    project.refresh_from_db()
    assert project.own_funds == 75000 and money.financing_problems(project) == []
    # Granted less: the plan no longer adds up, and says so.
    money.application_save(
        project=project, user=None, application=application, status="granted", granted=60000
    )
    assert [p.field for p in money.financing_problems(project)] == ["own_funds"]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "field"), [({"year": 2019}, "year"), ({"cost_type": "cake"}, "cost_type"),
                                             ({"planned": -1}, "planned"), ({"planned": "1e30"}, "planned"),
                                             ({"planned": "abc"}, "planned")])  # fmt: skip
def test_bad_budget_lines_name_their_field(alpha, data, field):
    project = make_project(alpha)
    with pytest.raises(ValidationError) as caught:
        money.budget_set(
            project=project,
            user=None,
            **{"year": 2027, "cost_type": "personnel", "planned": 10, **data},
        )
    assert field in caught.value.message_dict
    assert not project.budget.exists()


@pytest.mark.django_db
def test_ten_real_programmes_ship_with_their_facts_and_date():
    from stadtkern.steering.catalogue import shipped

    programmes = list(FundingProgramme.objects.filter(added_by=None))
    assert len(programmes) == len(shipped()) >= 10
    assert {p.level for p in programmes} == {"bund", "land"}
    assert sum(p.state == "05" for p in programmes) >= 3  # North Rhine-Westphalia
    for p in programmes:
        assert 0 < p.rate <= 100 and p.eligible and p.url.startswith("https://")
        assert (
            p.collected_on == date(2026, 12, 7) and p.funder and p.description and p.description_en
        )
    smart = FundingProgramme.objects.get(key="modellprojekte-smart-cities")
    assert smart.rate == 65
