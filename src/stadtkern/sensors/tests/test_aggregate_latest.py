"""/api/v1/sensors/: aggregates over intervals (calendar intervals in Europe/Berlin,
checked against a computation in Python across the change to summer time) and the
latest observation of many datastreams in one call."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stadtkern.sensors import models

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2024, 3, 29, tzinfo=UTC)  # the clocks go forward on 31 March
STEP = timedelta(minutes=20)
COUNT = 24 * 3 * 7  # a week every 20 minutes


def value(i):
    return round((i * 7919) % 101 / 3, 3)


@pytest.fixture
def week(sta, station):
    ds = station["datastreams"][0]
    rows = [[(START + i * STEP).isoformat(), value(i)] for i in range(COUNT)]
    response = sta.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )
    assert response.status_code == 201
    return ds


def reference(interval, function):
    groups = defaultdict(list)
    for i in range(COUNT):
        t = START + i * STEP
        if interval == "15min":
            key = t.replace(minute=t.minute // 15 * 15)
        elif interval == "1h":
            key = t.replace(minute=0)
        else:
            local = t.astimezone(BERLIN).replace(hour=0, minute=0, second=0, tzinfo=None)
            if interval == "1w":
                local -= timedelta(days=local.weekday())
            if interval == "1mo":
                local = local.replace(day=1)
            key = local.replace(tzinfo=BERLIN)
        groups[key].append(value(i))
    fn = {"avg": lambda v: sum(v) / len(v), "min": min, "max": max, "sum": sum, "count": len}[
        function
    ]
    return [(k, fn(v), len(v)) for k, v in sorted(groups.items())]


@pytest.mark.parametrize("interval", ["15min", "1h", "1d", "1w", "1mo"])
@pytest.mark.parametrize("function", ["avg", "min", "max", "sum", "count"])
def test_aggregates_match_a_computation_in_python(anonymous, week, client, interval, function):
    response = client.get(
        f"/api/v1/sensors/datastreams/{week}/aggregate",
        {"interval": interval, "function": function},
    )
    assert response.status_code == 200, response.content
    buckets = response.json()["buckets"]
    expected = reference(interval, function)
    assert len(buckets) == len(expected)
    for got, (start, val, count) in zip(buckets, expected, strict=True):
        assert datetime.fromisoformat(got["start"].replace("Z", "+00:00")) == start
        assert got["count"] == count
        assert got["value"] == pytest.approx(val)


def test_the_day_of_the_clock_change_has_23_hours(client, week):
    buckets = client.get(
        f"/api/v1/sensors/datastreams/{week}/aggregate", {"interval": "1d", "function": "count"}
    ).json()["buckets"]
    by_day = {b["start"][:10]: b for b in buckets}
    assert by_day["2024-03-31"]["count"] == 23 * 3
    assert by_day["2024-03-31"]["start"] == "2024-03-31T00:00:00+01:00"
    assert by_day["2024-04-01"]["start"] == "2024-04-01T00:00:00+02:00"


def test_aggregate_of_a_time_window(client, week):
    response = client.get(f"/api/v1/sensors/datastreams/{week}/aggregate",
                          {"interval": "1h", "function": "count", "start": "2024-03-30T00:00:00Z", "end": "2024-03-30T03:00:00Z"})  # fmt: skip
    assert [b["count"] for b in response.json()["buckets"]] == [3, 3, 3]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"interval": "2h"}, 422), ({"function": "median"}, 422), ({"start": "gestern"}, 422),
     ({"start": "2024-04-02T00:00:00Z", "end": "2024-04-01T00:00:00Z"}, 400),
     ({"start": "2024-04-01T00:00:00"}, 400), ({"interval": "15min", "start": "1900-01-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"}, 400)],
)  # fmt: skip
def test_bad_aggregate_requests(client, week, params, status):
    response = client.get(f"/api/v1/sensors/datastreams/{week}/aggregate", params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_aggregate_of_a_hidden_datastream_is_404(client, week):
    models.Thing.objects.update(public=False)
    assert client.get(f"/api/v1/sensors/datastreams/{week}/aggregate").status_code == 404


def test_latest_of_all_datastreams_in_one_call(
    client, sta, readings, alpha, django_assert_max_num_queries
):
    other = readings["datastreams"][1]
    sta.post(
        f"Datastreams({other})/Observations",
        {"result": 40, "phenomenonTime": "2023-01-01T00:00:00Z"},
    )
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/sensors/latest", {"municipality": alpha.slug}).json()
    latest = {row["datastream"]: row for row in body["value"]}
    assert latest[readings["datastreams"][0]]["result"] == -2.5
    assert latest[readings["datastreams"][0]]["phenomenonTime"] == "2025-12-31T23:59:59Z"
    assert latest[other]["result"] == 40
    only = client.get(
        "/api/v1/sensors/latest", {"municipality": alpha.slug, "observed_property": "NO2"}
    ).json()["value"]
    assert [row["datastream"] for row in only] == [other]
    assert client.get("/api/v1/sensors/latest", {"municipality": "nirgendwo"}).status_code == 404


def test_the_kept_latest_values_follow_every_kind_of_write(client, sta, readings, alpha):
    """The latest time and result kept on each datastream equal the newest observation
    after creates (single, bulk, older than the latest), changes and deletes."""
    ds = readings["datastreams"][0]

    def kept():
        rows = client.get("/api/v1/sensors/latest", {"municipality": alpha.slug}).json()["value"]
        row = next(r for r in rows if r["datastream"] == ds)
        return row["observation"], row["phenomenonTime"], row["result"]

    def newest():
        obs = (
            models.Observation.objects.filter(datastream_id=ds)
            .order_by("-phenomenon_time", "-pk")
            .first()
        )
        if obs is None:
            return None, None, None
        return obs.pk, obs.phenomenon_time.isoformat().replace("+00:00", "Z"), obs.result

    assert kept() == newest()
    sta.post(
        f"Datastreams({ds})/Observations",
        {"result": 3.25, "phenomenonTime": "2026-01-01T00:00:00Z"},
    )
    assert kept() == newest() and kept()[2] == 3.25
    sta.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2020-01-01T00:00:00Z", 1], ["2027-01-01T00:00:00Z", 2]],
            }
        ],
    )
    assert kept() == newest() and kept()[2] == 2
    latest_id = kept()[0]
    assert sta.patch(f"Observations({latest_id})", {"result": 7.5}).status_code == 200
    assert kept() == newest() and kept()[2] == 7.5
    assert (
        sta.patch(
            f"Observations({latest_id})", {"phenomenonTime": "2019-01-01T00:00:00Z"}
        ).status_code
        == 200
    )
    assert kept() == newest() and kept()[0] != latest_id
    assert sta.delete(f"Observations({kept()[0]})").status_code == 200
    assert kept() == newest()
    for obs in models.Observation.objects.filter(datastream_id=ds):
        assert sta.delete(f"Observations({obs.pk})").status_code == 200
    assert kept() == newest() == (None, None, None)
