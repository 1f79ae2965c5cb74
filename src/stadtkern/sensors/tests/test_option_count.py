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
