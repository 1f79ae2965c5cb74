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


def test_a_datastreams_observations_come_in_time_order(anonymous, sta, station):
    ds = station["datastreams"][0]
    for time, value in [
        ("2024-03-03T00:00:00Z", 3),
        ("2024-03-01T00:00:00Z", 1),
        ("2024-03-02T00:00:00Z", 2),
    ]:
        sta.post(f"Datastreams({ds})/Observations", {"phenomenonTime": time, "result": value})
    assert values(anonymous.get(f"Datastreams({ds})/Observations")) == [1, 2, 3]
    assert values(anonymous.get("Observations")) == [3, 1, 2]  # elsewhere: the order of ids
    expanded = anonymous.get(f"Datastreams({ds})", **{"$expand": "Observations"}).json()[
        "Observations"
    ]
    assert [o["result"] for o in expanded] == [1, 2, 3]
    same_time = "2024-03-04T00:00:00Z"
    first = sta.post(
        f"Datastreams({ds})/Observations", {"phenomenonTime": same_time, "result": 10}
    ).json()["@iot.id"]
    second = sta.post(
        f"Datastreams({ds})/Observations", {"phenomenonTime": same_time, "result": 11}
    ).json()["@iot.id"]
    newest = values(
        anonymous.get(
            f"Datastreams({ds})/Observations", **{"$orderby": "phenomenonTime desc", "$top": 2}
        ),
        "@iot.id",
    )
    assert newest == [second, first]  # ties broken by id in the same direction
