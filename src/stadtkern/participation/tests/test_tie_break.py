"""The budget's rule for ties: set up by editors, shown with the results, written into
the Pabulib export and read back from it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stadtkern.participation import pabulib, secrecy, services
from stadtkern.participation.models import Budget, Phase, PhaseKind

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/v1/participation"


def test_a_lot_needs_its_seed_and_then_shows_with_the_results(client, alpha, people, token_for):
    process = make_process(alpha)
    editor = token_for(people["editor"])
    body = {"name": "Gesamt", "amount": "1000", "ballot_kind": "approval", "rule": "greedy",
            "tie_break": "lot"}  # fmt: skip
    url = f"{BASE}/processes/alpha/{process.slug}/budgets"
    refused = client.post(url, json.dumps(body), content_type="application/json", **editor)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tie_seed"
    body["tie_seed"] = "17 23 42 (Ziehung am 1. März)"
    created = client.post(url, json.dumps(body), content_type="application/json", **editor)
    assert created.status_code == 201, created.content
    budget = Budget.objects.get(pk=created.json()["id"])
    assert client.get(f"{BASE}/budgets/{budget.pk}").json()["tie_seed"] == body["tie_seed"]
    services.project_create(budget=budget, ref="1", title="Bank", cost=100)
    Phase.objects.filter(process=process, kind=PhaseKind.VOTING).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    page = client.get(f"/m/alpha/participation/{process.slug}/budgets/{budget.pk}/results/")
    assert page.status_code == 200
    assert "17 23 42" in page.content.decode()


def test_the_rule_for_ties_travels_with_the_pabulib_file(client, alpha, tmp_path):
    budget = make_budget(make_process(alpha), rule="greedy")
    Budget.objects.filter(pk=budget.pk).update(tie_break="lot", tie_seed="4711")
    Phase.objects.filter(process=budget.process, kind=PhaseKind.VOTING).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    secrecy.budget_seal(budget=budget)
    text = client.get(f"{BASE}/budgets/{budget.pk}/export.pb").content.decode()
    assert "tie_breaking;lot" in text and "tie_breaking_seed;4711" in text
    path = tmp_path / "bhh.pb"
    path.write_text(text, encoding="utf-8")
    imported = services.election_import(
        election=pabulib.load(str(path)), municipality=alpha, slug="wieder"
    )
    again = imported.budgets.get()
    assert (again.tie_break, again.tie_seed) == ("lot", "4711")
    assert "tie_breaking" not in again.pabulib_meta


def test_the_rule_for_ties_is_fixed_once_voting_has_begun(alpha, people):
    budget = make_budget(make_process(alpha), rule="greedy")  # voting runs now, no ballot yet
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="tie_seed"):
        services.budget_update(budget=budget, user=people["editor"], tie_seed="anders")
    with pytest.raises(ValidationError, match="tie_break"):
        services.budget_update(budget=budget, user=people["editor"], tie_break="listed")
    services.budget_update(budget=budget, user=people["editor"], name="Neuer Name")
