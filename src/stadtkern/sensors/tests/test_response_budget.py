"""A response carries at most STA_MAX_ENTITIES entities, over every $expand level and
every part of a $batch: larger pages are cut and continue by their nextLink, and an
expansion no page can hold is refused with the limit (413). Also the inputs that
answered 500 before: $expand nested deeply, JSON nested deeply, batch headers that
are not an object of texts, and $top=0."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import OperationalError, connection

from stadtkern.sensors.odata import MAX_EXPAND_DEPTH

from .conftest import ROOT

pytestmark = pytest.mark.django_db

HEAVY = {"$top": 150, "$expand": "Datastream($expand=Observations($top=10000))"}


@pytest.fixture
def small_budget(settings):
    settings.STA_MAX_ENTITIES = 120
    return 120


def test_a_page_is_cut_to_the_budget_and_continues_by_its_next_link(
    anonymous, readings, small_budget
):
    # One Observation with its Datastream and up to 50 Observations: 52 entities each,
    # so two fit into 120; the nextLink takes the client further, two at a time.
    query = {"$top": 5, "$orderby": "id", "$expand": "Datastream($expand=Observations($top=50))"}
    body = anonymous.get("Observations", **query).json()
    assert len(body["value"]) == 2
    seen = [o["@iot.id"] for o in body["value"]]
    while "@iot.nextLink" in body:
        url = urlsplit(body["@iot.nextLink"])
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = anonymous.get(url.path.split(ROOT, 1)[1], **params).json()
        seen += [o["@iot.id"] for o in body["value"]]
    assert seen == sorted(readings_ids(anonymous))


def test_the_reported_amplification_is_cut_to_one_budget(anonymous, readings):
    # 150 Observations, each with its Datastream and 10,000 of its Observations: at most
    # 10,002 entities each, so 9 fit into the 100,000 of a response.
    body = anonymous.get("Observations", **HEAVY).json()
    assert len(body["value"]) == min(9, len(readings_ids(anonymous)))
    assert all(len(o["Datastream"]["Observations"]) <= 10_000 for o in body["value"])


def readings_ids(anonymous):
    return [o["@iot.id"] for o in anonymous.get("Observations").json()["value"]]


def test_an_expansion_no_response_can_hold_is_refused_with_the_limit(anonymous, readings):
    response = anonymous.get(
        "Datastreams",
        **{
            "$expand": "Observations($top=10000;$expand=Datastream($expand=Observations($top=10000)))"
        },
    )
    assert response.status_code == 413
    assert "100,000" in response.json()["detail"] and "$expand" in response.json()["detail"]


def test_the_budget_is_shared_by_the_parts_of_a_batch(sta, readings, small_budget):
    part = {"method": "get", "url": "Observations?$top=100"}
    body = {"requests": [dict(part, id=str(k)) for k in range(3)]}
    answers = sta.post("$batch", body).json()["responses"]
    sizes = [len(a["body"]["value"]) if a["status"] == 200 else a["status"] for a in answers]
    # Five readings each for the first two parts; the third is cut to what is left.
    assert sizes[:2] == [5, 5]
    total = sum(s for s in sizes if isinstance(s, int) and s < 100)
    assert total <= small_budget


def test_many_heavy_parts_in_a_batch_are_refused_part_by_part(sta, readings):
    body = {
        "requests": [
            {"id": str(k), "method": "get", "url": "Datastreams?$expand=Observations($top=10000)"}
            for k in range(100)
        ]
    }
    answers = sta.post("$batch", body).json()["responses"]
    statuses = [a["status"] for a in answers]
    assert statuses[0] == 200 and 413 in statuses


def test_expand_nested_beyond_the_limit_is_a_400(anonymous, readings):
    deep = "Datastream"
    for _ in range(MAX_EXPAND_DEPTH + 1):
        deep = (
            f"Datastream($expand=Thing($expand=Datastreams($expand=Observations($expand={deep}))))"
        )
    response = anonymous.get("Observations", **{"$expand": deep})
    assert response.status_code == 400 and "nested" in response.json()["detail"]
    slashes = "/".join(["Datastreams", "Thing"] * 150)
    response = anonymous.get("Things", **{"$expand": slashes})
    assert response.status_code == 400


def test_json_nested_too_deeply_is_a_400(sta):
    response = sta.post("Things", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("headers", [["content-type"], 7, {"content-type": 5}, "x"])
def test_batch_headers_that_are_not_an_object_of_texts_are_refused(sta, headers):
    body = {"requests": [{"id": "1", "method": "get", "url": "Things", "headers": headers}]}
    response = sta.post("$batch", body)
    assert response.status_code == 200
    assert response.json()["responses"][0]["status"] == 400


def test_top_zero_has_no_next_link(anonymous, readings):
    body = anonymous.get("Observations", **{"$top": 0}).json()
    assert body["value"] == [] and "@iot.nextLink" not in body


def test_a_filter_that_keeps_the_database_busy_is_stopped_at_the_time_limit(
    sta, anonymous, station, settings
):
    ds = station["datastreams"][0]
    rows = [[f"2024-01-01T00:{m // 60:02d}:{m % 60:02d}Z", m] for m in range(3600)]
    for part in range(0, len(rows), 1200):
        created = sta.post(
            "CreateObservations",
            [{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"],
              "dataArray": rows[part : part + 1200]}],
        )  # fmt: skip
        assert created.status_code == 201
    settings.STA_QUERY_TIMEOUT_MS = 300
    if connection.vendor == "postgresql":
        # PostgreSQL plans these paths well on small data; its limit is the server's own.
        from django.db import transaction

        from stadtkern.sensors.views import _time_limit

        with transaction.atomic(), _time_limit(300), connection.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "300ms"
            with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
                cur.execute("SELECT pg_sleep(2)")
        return
    hops = "Datastreams/Observations/FeatureOfInterest/Observations/Datastream/Observations"
    started = time.monotonic()
    response = anonymous.get("Sensors", **{"$filter": f"{hops}/result eq -1", "$top": 1})
    assert response.status_code == 408, response.content
    assert "longer than 0.3 s" in response.json()["message"]
    assert time.monotonic() - started < 5
    assert anonymous.get("Things").status_code == 200  # the next request is served
