"""The dataArray extension's CreateObservations (OGC 18-088, 14.4): many observations in
one request, checked as a whole and written in bulk."""

import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.sensors import models
from stadtkern.sensors.services import MAX_DATA_ARRAY, _sqlite_time

pytestmark = pytest.mark.django_db


def test_rows_of_several_datastreams_with_features(sta, station):
    ds, other = station["datastreams"]
    foi = sta.post("FeaturesOfInterest", {"name": "Ecke", "description": "-", "encodingType": "application/geo+json",
                                          "feature": {"type": "Point", "coordinates": [6.6, 51.4]}}).json()["@iot.id"]  # fmt: skip
    body = [
        {"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
         "dataArray@iot.count": 2,
         "dataArray": [["2024-01-01T00:00:00Z", 1.5, foi], ["2024-01-01T01:00:00Z/2024-01-01T02:00:00Z", 2, foi]]},
        {"Datastream": {"@iot.id": other}, "components": ["result", "phenomenonTime", "resultTime", "parameters"],
         "dataArray": [[7, "2024-02-01T00:00:00Z", "2024-02-01T00:00:05Z", {"qualität": "gut"}]]},
    ]  # fmt: skip
    response = sta.post("CreateObservations", body)
    assert response.status_code == 201
    links = response.json()
    assert len(links) == 3 and all("/Observations(" in u for u in links)
    rows = sta.get(
        f"Datastreams({ds})/Observations",
        **{"$orderby": "phenomenonTime", "$expand": "FeatureOfInterest($select=id)"},
    ).json()["value"]
    assert [(r["phenomenonTime"], r["result"], r["FeatureOfInterest"]["@iot.id"]) for r in rows] == [
        ("2024-01-01T00:00:00Z", 1.5, foi), ("2024-01-01T01:00:00Z/2024-01-01T02:00:00Z", 2, foi)]  # fmt: skip
    second = sta.get(f"Datastreams({other})/Observations").json()["value"][0]
    assert (
        second["parameters"] == {"qualität": "gut"}
        and second["resultTime"] == "2024-02-01T00:00:05Z"
    )
    assert models.Datastream.objects.get(pk=ds).latest.phenomenon_time.hour == 1
    assert models.Datastream.objects.get(pk=other).latest.result == 7


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"Datastream": {"@iot.id": 1}}, 400, "JSON array"),
        ([{"components": ["result"], "dataArray": []}], 400, "Datastream is"),
        ([{"Datastream": {"@iot.id": 999999}, "components": ["result"], "dataArray": []}], 400, "Datastream 999999 does not exist"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result", "result"], "dataArray": [[1, 1]]}], 400, "name result once"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["phenomenonTime"], "dataArray": [["2024-01-01T00:00:00Z"]]}], 400, "name result once"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result", "colour"], "dataArray": [[1, 2]]}], 400, "unknown component 'colour'"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result"], "dataArray": [[1], [2, 3]]}], 400, "[1].dataArray[1]: the row is an array of 1"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result", "phenomenonTime"], "dataArray": [[1, "gestern"]]}], 400, "not an ISO 8601"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result", "phenomenonTime"], "dataArray": [[1, "2024-01-01T00:00:00"]]}], 400, "no time zone"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result", "FeatureOfInterest/id"], "dataArray": [[1, 424242]]}], 400, "FeatureOfInterest 424242 does not exist"),
        ([{"Datastream": {"@iot.id": "DS"}, "components": ["result"], "dataArray": [[1]], "extra": 1}], 400, "unknown member 'extra'"),
    ],
)  # fmt: skip
def test_bad_arrays_are_refused_whole_with_the_position(sta, station, body, status, words):
    """A good group comes first: a bad second group must stop it from being written."""
    ds = station["datastreams"][0]
    good = {"Datastream": {"@iot.id": ds}, "components": ["result"], "dataArray": [[1], [2]]}
    body = json.loads(json.dumps(body).replace('"DS"', str(ds)))
    if isinstance(body, list):
        body = [good, *body]
    response = sta.post("CreateObservations", body)
    assert response.status_code == status, response.content
    assert words in response.json()["detail"]
    assert models.Observation.objects.count() == 0


def test_oversized_array_is_413(sta, station):
    rows = [[1]] * (MAX_DATA_ARRAY + 1)
    body = [
        {
            "Datastream": {"@iot.id": station["datastreams"][0]},
            "components": ["result"],
            "dataArray": rows,
        }
    ]
    response = sta.post("CreateObservations", body)
    assert response.status_code == 413
    assert models.Observation.objects.count() == 0


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    )
)
def test_times_are_written_to_sqlite_as_django_writes_them(value):
    # insert_observations' short way for SQLite must agree with Django's own adapter,
    # or the ORM and $filter would not find what a bulk write stored.
    ops = SimpleNamespace(connection=SimpleNamespace(timezone=UTC))  # SQLite's with USE_TZ
    expected = SQLiteWrapper.ops_class.adapt_datetimefield_value(ops, value)
    assert _sqlite_time(value) == expected


_times = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]),
)  # fmt: skip
_row = st.tuples(
    _times,
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**52), 2**52)),
    st.one_of(st.none(), _times),  # resultTime
    st.one_of(
        st.none(),
        st.dictionaries(
            st.text(
                st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=5
            ),
            st.integers(),
            max_size=2,
        ),
    ),  # parameters
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_row, min_size=1, max_size=30))
def test_written_rows_read_back_exactly(sta, station, rows):
    """Plain rows (an instant and a number) take the short way into the database,
    others the general one; both read back as sent, in any mix."""
    ds = station["datastreams"][0]
    body = [{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result", "resultTime", "parameters"],
             "dataArray": [[t.isoformat(), r, rt and rt.isoformat(), p] for t, r, rt, p in rows]}]  # fmt: skip
    response = sta.post("CreateObservations", body)
    assert response.status_code == 201, response.content
    ids = [int(u.rsplit("(", 1)[1][:-1]) for u in response.json()]
    stored = models.Observation.objects.in_bulk(ids)
    for pk, (t, r, rt, p) in zip(ids, rows, strict=True):
        obs = stored[pk]
        assert obs.phenomenon_time == t and obs.phenomenon_time_end is None
        assert obs.result == float(r) and obs.result_time == rt
        assert obs.parameters == p


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (["2024-01-01T00:00:00Z", 1, {"a\u0000": 1}], "[0].dataArray[0]: Observation.parameters"),
        (
            ["2024-01-01T00:00:00Z", 1, {"a": ["x\u0000"]}],
            "[0].dataArray[0]: Observation.parameters",
        ),
        # no text holds it: refused with the body, wherever it stands
        (["2024-01-01T00:00:00Z", 1, {"a": "\ud800"}], "not valid JSON: a text holds an unpaired"),
    ],
)
def test_json_the_database_cannot_hold_is_refused_with_the_position(sta, station, row, words):
    body = [{"Datastream": {"@iot.id": station["datastreams"][0]},
             "components": ["phenomenonTime", "result", "parameters"], "dataArray": [row]}]  # fmt: skip
    response = sta.send("post", "CreateObservations", json.dumps(body))
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert models.Observation.objects.count() == 0
