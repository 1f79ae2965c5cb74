"""Observations written straight from their rows read exactly as from their objects, for
every kind of value and every $select."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.sensors import representation
from stadtkern.sensors.entities import TYPES
from stadtkern.sensors.models import Datastream, Observation
from stadtkern.sensors.odata import parse_options

pytestmark = pytest.mark.django_db

NAMES = ["id", "phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters",
         "Datastream", "FeatureOfInterest"]  # fmt: skip
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                       timezones=st.just(UTC))  # fmt: skip
# What the API stores: no NUL (PostgreSQL's JSON cannot hold it) and no lone surrogates.
texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False,
                                                                         width=32) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def utc(row: tuple) -> tuple:
    return tuple(
        v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v for v in row
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    start=moments, length=st.none() | st.integers(0, 10**6), result_time=st.none() | moments,
    number=st.floats(allow_nan=False, allow_infinity=False), as_json=st.none() | json_values,
    quality=json_values, valid=st.none() | st.tuples(moments, st.none() | st.integers(0, 10**6)),
    parameters=json_values, select=st.none() | st.lists(st.sampled_from(NAMES), min_size=1, unique=True),
)  # fmt: skip
def test_rows_read_as_objects(sta, station, start, length, result_time, number, as_json, quality, valid,
                              parameters, select):  # fmt: skip
    ds = Datastream.objects.first()
    obs = Observation.objects.create(
        datastream=ds, feature_of_interest_id=1, phenomenon_time=start,
        phenomenon_time_end=None if length is None else start + timedelta(seconds=length),
        result_time=result_time, result_number=None if as_json is not None else number, result_json=as_json,
        result_quality=quality, valid_time_start=valid[0] if valid else None,
        valid_time_end=(valid[0] + timedelta(seconds=valid[1])) if valid and valid[1] is not None else None,
        parameters=parameters,
    )  # fmt: skip
    etype = TYPES["Observation"]
    options = parse_options(etype, {"$select": ",".join(select)} if select else {})
    links = representation.Links("http://testserver/sta/v1.1/")
    from_object = representation.entity(Observation.objects.get(pk=obs.pk), etype, options, links)
    rows = Observation.objects.filter(pk=obs.pk).values_list(*representation.OBSERVATION_COLUMNS)
    plain = representation.plain_rows(rows)
    # as Django reads them, times and JSON included (SQLite's times are UTC without a zone)
    assert [utc(row) for row in plain] == list(rows)
    assert representation.observations(plain, options, links) == [from_object]
    obs.delete()
