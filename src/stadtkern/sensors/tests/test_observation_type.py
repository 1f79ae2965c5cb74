"""A datastream's observationType decides which results it takes; a wrong type is
refused with a clear error on every write path."""

import pytest

from .conftest import OM

pytestmark = pytest.mark.django_db


def stream(sta, station, kind):
    first = sta.get(
        f"Datastreams({station['datastreams'][0]})", **{"$expand": "Sensor,ObservedProperty"}
    ).json()
    body = {
        "name": kind, "description": "-", "observationType": OM + kind, "unitOfMeasurement": {},
        "Thing": {"@iot.id": station["thing"]}, "Sensor": {"@iot.id": first["Sensor"]["@iot.id"]},
        "ObservedProperty": {"@iot.id": first["ObservedProperty"]["@iot.id"]},
    }  # fmt: skip
    response = sta.post("Datastreams", body)
    assert response.status_code == 201, response.content
    return response.json()["@iot.id"]


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("OM_Measurement", [1, 2.5, -3], ["12", True, None, {"v": 1}]),
        ("OM_CountObservation", [0, 7, 3.0], [2.5, "3", False]),
        ("OM_CategoryObservation", ["rot", ""], [1, True, ["a"]]),
        ("OM_TruthObservation", [True, False], [1, "true", None]),
        ("OM_Observation", [1, "x", True, {"a": [1]}, [1, 2]], []),
    ],
)
def test_results_must_fit_the_observation_type(sta, station, kind, good, bad):
    ds = stream(sta, station, kind)
    for value in good:
        response = sta.post(f"Datastreams({ds})/Observations", {"result": value})
        assert response.status_code == 201, (value, response.content)
        assert response.json()["result"] == value
    for value in bad:
        response = sta.post(f"Datastreams({ds})/Observations", {"result": value})
        assert response.status_code == 400, value
        assert f"takes {kind} results" in response.json()["detail"]
        array = [{"Datastream": {"@iot.id": ds}, "components": ["result"], "dataArray": [[value]]}]
        response = sta.post("CreateObservations", array)
        assert response.status_code == 400
        assert "[0].dataArray[0]" in response.json()["detail"]


def test_a_patch_cannot_change_a_result_to_the_wrong_type(sta, station):
    ds = station["datastreams"][0]  # OM_Measurement
    obs = sta.post(f"Datastreams({ds})/Observations", {"result": 1}).json()["@iot.id"]
    response = sta.patch(f"Observations({obs})", {"result": "viel"})
    assert response.status_code == 400
    assert sta.get(f"Observations({obs})").json()["result"] == 1


def test_an_unknown_observation_type_is_refused(sta, station):
    response = sta.patch(
        f"Datastreams({station['datastreams'][0]})", {"observationType": "OM_Fantasy"}
    )
    assert response.status_code == 400
    assert "OM_Measurement" in response.json()["detail"]


def test_a_missing_result_is_refused(sta, station):
    response = sta.post(
        f"Datastreams({station['datastreams'][0]})/Observations",
        {"phenomenonTime": "2024-01-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert "needs a result" in response.json()["detail"]
