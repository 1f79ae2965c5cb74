"""$orderby (OGC 18-088, 9.3.3.5): several keys, asc and desc."""

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db


def test_orderby_ascending_and_descending(anonymous, readings):
    results = [r for _t, r in READINGS]
    assert values(anonymous.get("Observations", **{"$orderby": "result"})) == sorted(results)
    assert values(anonymous.get("Observations", **{"$orderby": "result desc"})) == sorted(
        results, reverse=True
    )
    times = values(
        anonymous.get("Observations", **{"$orderby": "phenomenonTime desc"}), "phenomenonTime"
    )
    assert times == sorted(times, reverse=True)


def test_orderby_several_keys(anonymous, sta, station):
    for name, description in [("B", "2"), ("A", "2"), ("C", "1")]:
        body = {
            "name": name,
            "description": description,
            "encodingType": "text/html",
            "metadata": "-",
        }
        assert sta.post("Sensors", body).status_code == 201
    names = values(
        anonymous.get(
            "Sensors", **{"$orderby": "description desc,name", "$filter": "length(name) eq 1"}
        ),
        "name",
    )
    assert names == ["A", "B", "C"]


def test_orderby_id(anonymous, readings):
    ids = values(anonymous.get("Observations", **{"$orderby": "id desc"}), "@iot.id")
    assert ids == sorted(readings["observations"], reverse=True)


@pytest.mark.parametrize("bad", ["colour", "name sideways", "name asc desc"])
def test_bad_orderby_is_refused(anonymous, station, bad):
    response = anonymous.get("Things", **{"$orderby": bad})
    assert response.status_code == 400
    assert "$orderby" in response.json()["detail"]
