"""$count (OGC 18-088, 9.3.3.6): the number of matching entities, independent of paging."""

import pytest

from .conftest import READINGS

pytestmark = pytest.mark.django_db


def test_count_is_the_total_not_the_page(anonymous, readings):
    body = anonymous.get("Observations", **{"$count": "true", "$top": 1}).json()
    assert body["@iot.count"] == len(READINGS)
    assert len(body["value"]) == 1


def test_count_applies_the_filter(anonymous, readings):
    body = anonymous.get("Observations", **{"$count": "true", "$filter": "result lt 10"}).json()
    assert body["@iot.count"] == sum(1 for _t, r in READINGS if r < 10)


def test_count_false_or_absent_gives_no_count(anonymous, readings):
    assert "@iot.count" not in anonymous.get("Observations", **{"$count": "false"}).json()
    assert "@iot.count" not in anonymous.get("Observations").json()


def test_count_inside_expand_counts_each_parent(anonymous, readings, sta):
    body = anonymous.get(
        "Datastreams", **{"$orderby": "id", "$expand": "Observations($count=true;$top=1)"}
    ).json()
    first, second = body["value"]
    assert first["Observations@iot.count"] == len(READINGS)
    assert len(first["Observations"]) == 1
    assert second["Observations@iot.count"] == 0
    assert second["Observations"] == []


def test_count_takes_true_or_false(anonymous, station):
    response = anonymous.get("Things", **{"$count": "yes"})
    assert response.status_code == 400


def test_counts_kept_on_datastreams_match_a_real_count(anonymous, sta, readings):
    from stadtkern.sensors.models import Datastream, Observation

    ds, other = readings["datastreams"]
    sta.post(f"Datastreams({other})/Observations", {"result": 1})
    sta.delete(f"Observations({readings['observations'][0]})")
    sta.patch(f"Observations({readings['observations'][1]})", {"Datastream": {"@iot.id": other}})
    for stream in Datastream.objects.all():
        assert stream.observation_count == Observation.objects.filter(datastream=stream).count()
    assert (
        anonymous.get("Observations", **{"$count": "true"}).json()["@iot.count"]
        == Observation.objects.count()
    )
    kept = anonymous.get(f"Datastreams({other})/Observations", **{"$count": "true"}).json()[
        "@iot.count"
    ]
    assert kept == Observation.objects.filter(datastream_id=other).count() == 2
    Datastream.objects.filter(pk=other).update(
        observation_count=999
    )  # the kept count is what is read
    assert (
        anonymous.get(f"Datastreams({other})/Observations", **{"$count": "true"}).json()[
            "@iot.count"
        ]
        == 999
    )
    filtered = anonymous.get(
        f"Datastreams({other})/Observations", **{"$count": "true", "$filter": "result ge 0"}
    )
    assert filtered.json()["@iot.count"] == 2  # a filter counts for real
