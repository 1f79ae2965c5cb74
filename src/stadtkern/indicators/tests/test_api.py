"""The indicators' JSON API: who reads and writes what, problem+json for bad input."""

import pytest

from stadtkern.core.models import Job
from stadtkern.indicators import services
from stadtkern.strategy.services import goal_create, measure_create

pytestmark = pytest.mark.django_db

BASE = "/api/v1/municipalities/alpha/indicators"


@pytest.fixture
def published(alpha):
    indicator = services.indicator_adopt(
        municipality=alpha, key="pkw_elektro", user=None, published=True
    )
    for year, value in [(2021, 2.3), (2022, 3.6), (2023, 4.9)]:
        services.value_enter(indicator=indicator, user=None, period=year, value=value, source="KBA")
    services.indicator_update(indicator=indicator, user=None, baseline_value=1.1, target_value=25.0,
                              baseline_date="2020-12-31", target_date="2030-12-31", tolerance=1.0)  # fmt: skip
    services.indicator_adopt(municipality=alpha, key="breitbandversorgung", user=None)
    return indicator


def test_the_public_reads_published_indicators_with_status_and_rule(client, published):
    items = client.get(BASE).json()
    assert [i["key"] for i in items] == ["pkw_elektro"]
    item = items[0]
    assert item["latest"] == {
        "period": "2023",
        "start": "2023-01-01",
        "end": "2023-12-31",
        "value": 4.9,
    }
    assert item["status"]["status"] == "off_track" and "tolerance" in item["status"]["rule"]
    assert item["status"]["expected"] == pytest.approx(8.27, abs=0.01)
    assert item["error"] is None and item["target"]["target_value"] == 25.0
    values = client.get(f"{BASE}/pkw_elektro/values?limit=2").json()
    assert values["count"] == 3 and [v["period"] for v in values["items"]] == ["2021", "2022"]
    first = values["items"][0]
    assert first["provenance"] == {"kind": "manual", "source": "KBA"} and "entered_by" not in first
    assert client.get(f"{BASE}/breitbandversorgung").status_code == 404


def test_members_read_drafts_and_editors_write(client, published, personas, token_for):
    viewer, editor = token_for(personas["viewer"]), token_for(personas["editor"])
    assert len(client.get(BASE, **viewer).json()) == 2
    assert (
        client.post(
            BASE, {"key": "pkw_dichte"}, content_type="application/json", **viewer
        ).status_code
        == 403
    )
    other = token_for(personas["other_editor"])
    assert (
        client.post(
            BASE, {"key": "pkw_dichte"}, content_type="application/json", **other
        ).status_code
        == 403
    )
    assert (
        client.post(BASE, {"key": "pkw_dichte"}, content_type="application/json").status_code == 401
    )
    created = client.post(BASE, {"key": "pkw_dichte"}, content_type="application/json", **editor)
    assert created.status_code == 201 and created.json()["published"] is False
    again = client.post(BASE, {"key": "pkw_dichte"}, content_type="application/json", **editor)
    assert again.status_code == 422 and again["Content-Type"] == "application/problem+json"
    entered = client.post(f"{BASE}/pkw_dichte/values", {"period": "2024", "value": "561,5", "source": "KBA"},
                          content_type="application/json", **editor)  # fmt: skip
    assert entered.status_code == 201 and entered.json()["value"] == 561.5


@pytest.mark.parametrize(
    "body, field",
    [
        ({"period": "irgendwann", "value": 1}, "period"),
        ({"period": "2024", "value": "viel"}, "value"),
        ({"period": "2024", "value": "1e400"}, "value"),
        ({"period": "2024-13", "value": 1}, "period"),
    ],
)
def test_bad_values_are_problems_naming_the_field(
    client, published, personas, token_for, body, field
):
    response = client.post(f"{BASE}/pkw_elektro/values", body, content_type="application/json",
                           **token_for(personas["editor"]))  # fmt: skip
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_a_source_of_another_municipality_is_refused(client, published, personas, token_for, beta):
    from stadtkern.data.models import SavedQuery

    SavedQuery.objects.create(
        municipality=beta, slug="fremd", title="Fremd", sql="SELECT 1 AS period"
    )
    response = client.patch(f"{BASE}/pkw_elektro", {"source": "query", "query": "fremd"},
                            content_type="application/json", **token_for(personas["editor"]))  # fmt: skip
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query"


def test_targets_and_milestones_are_checked(client, published, personas, token_for):
    editor = token_for(personas["editor"])
    bad = client.patch(
        f"{BASE}/pkw_elektro",
        {"target_date": "2019-01-01"},
        content_type="application/json",
        **editor,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "target_date"
    stones = [{"date": "2025-12-31", "value": 10}, {"date": "2035-01-01", "value": 20}]
    outside = client.put(
        f"{BASE}/pkw_elektro/milestones", stones, content_type="application/json", **editor
    )
    assert outside.status_code == 422
    ok = client.put(
        f"{BASE}/pkw_elektro/milestones", stones[:1], content_type="application/json", **editor
    )
    assert ok.status_code == 200 and ok.json() == [
        {"date": "2025-12-31", "value": 10.0, "label": ""}
    ]
    assert client.get(f"{BASE}/pkw_elektro").json()["milestones"][0]["value"] == 10.0


def test_effects_of_a_measure(client, published, alpha, personas, token_for):
    measure = measure_create(municipality=alpha, user=None, title="Ladesäulen", published=True)
    path = f"/api/v1/municipalities/alpha/measures/{measure.pk}/effects"
    body = {"indicator": "pkw_elektro", "year": 2026, "planned": 2.5}
    assert client.put(path, body, content_type="application/json").status_code == 401
    put = client.put(path, body, content_type="application/json", **token_for(personas["editor"]))
    assert put.status_code == 200
    assert client.get(path).json() == [
        {"indicator": "pkw_elektro", "year": 2026, "planned": 2.5, "achieved": None, "note": ""}
    ]
    page = client.get("/m/alpha/cockpit/pkw_elektro/").content.decode()
    assert "Ladesäulen" in page and "series-planned" in page


def test_comparison_per_1000_inhabitants_where_the_indicator_asks(client, alpha, beta):
    for m, value in ((alpha, 3000), (beta, 40)):
        indicator = services.indicator_adopt(
            municipality=m, key="verunglueckte_verkehr", user=None, published=True
        )
        services.value_enter(indicator=indicator, user=None, period=2024, value=value)
    beta.population = 8000
    beta.save()
    rows = {
        r["municipality"]: r
        for r in client.get("/api/v1/indicator-templates/verunglueckte_verkehr/comparison").json()[
            "municipalities"
        ]
    }
    assert rows["alpha"]["latest_compared"] == pytest.approx(5.0)  # 3,000 of 600,000
    assert (
        rows["beta"]["latest_compared"] == pytest.approx(5.0)
        and rows["beta"]["per_1000_inhabitants"]
    )
    assert (
        client.get("/api/v1/indicator-templates/verunglueckte_verkehr/comparison").status_code
        == 200
    )
    assert client.get("/api/v1/indicator-templates/gibtsnicht/comparison").status_code == 404


def test_compute_answers_with_the_job_for_members_to_follow(client, alpha, personas, token_for):
    goal_create(municipality=alpha, user=None, title="Ziel", published=True)
    indicator = services.indicator_adopt(municipality=alpha, key="no2_jahresmittel", user=None)
    editor = token_for(personas["editor"])
    refused = client.post(f"{BASE}/no2_jahresmittel/compute", **editor)
    assert refused.status_code == 403  # entered values are not computed
    from stadtkern.data.models import SavedQuery

    SavedQuery.objects.create(
        municipality=alpha, slug="q", title="Q", sql="SELECT 2024 AS period, 1 AS value"
    )
    services.indicator_update(
        indicator=indicator,
        user=None,
        **services.resolve_references(indicator, {"source": "query", "query": "q"}),
    )
    answer = client.post(f"{BASE}/no2_jahresmittel/compute", **editor)
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    job = answer.json()["id"]
    assert (
        client.get(f"/api/v1/municipalities/alpha/jobs/{job}", **editor).json()["kind"]
        == "indicators.compute"
    )
    assert client.get(f"/api/v1/municipalities/alpha/jobs/{job}").status_code == 404
    assert Job.objects.count() == 1


def test_double_submits_and_odd_bodies_are_answered_not_crashed(
    client, published, personas, token_for, alpha
):
    editor = token_for(personas["editor"])
    for body in ({"comparison": None}, {"name_en": None}, {"unit": None}):
        response = client.patch(
            f"{BASE}/pkw_elektro", body, content_type="application/json", **editor
        )
        assert response.status_code in (200, 422), (body, response.content)
    assert client.patch(f"{BASE}/pkw_elektro", {"name": "E\u000bx"}, content_type="application/json",
                        **editor).status_code == 422  # fmt: skip
    assert client.post(f"{BASE}/pkw_elektro/values", {"period": "2024", "value": True},
                       content_type="application/json", **editor).status_code == 422  # fmt: skip
    stones = [{"date": f"2021-{m:02d}-01", "value": m} for m in range(1, 13)] * 5
    assert client.put(f"{BASE}/pkw_elektro/milestones", stones, content_type="application/json",
                      **editor).status_code == 422  # fmt: skip
