"""Updating (PATCH, PUT, JSON Patch) and deleting with the standard's cascades
(OGC 18-088, 10.3 and 10.4)."""

import pytest

from stadtkern.sensors import models

pytestmark = pytest.mark.django_db


def test_patch_changes_only_what_it_names(sta, station):
    t = station["thing"]
    response = sta.patch(f"Things({t})", {"description": "Neu", "properties": {"a": 1}})
    assert response.status_code == 200
    thing = sta.get(f"Things({t})").json()
    assert (thing["name"], thing["description"], thing["properties"]) == (
        "Wetterstation Markt",
        "Neu",
        {"a": 1},
    )


def test_put_replaces_the_whole_entity(sta, station):
    t = station["thing"]
    response = sta.put(f"Things({t})", {"name": "Ersetzt", "description": "Ganz neu"})
    assert response.status_code == 200
    thing = sta.get(f"Things({t})").json()
    assert thing["properties"] is None and thing["name"] == "Ersetzt"
    response = sta.put(f"Things({t})", {"name": "Ohne Beschreibung"})
    assert response.status_code == 400
    assert "description is missing" in response.json()["detail"]


def test_json_patch(sta, station):
    t = station["thing"]
    ops = [{"op": "replace", "path": "/name", "value": "Gepatcht"},
           {"op": "add", "path": "/properties/neu", "value": True},
           {"op": "remove", "path": "/properties/höhe"}]  # fmt: skip
    response = sta.patch(f"Things({t})", ops, "application/json-patch+json")
    assert response.status_code == 200, response.content
    thing = sta.get(f"Things({t})").json()
    assert thing["name"] == "Gepatcht"
    assert thing["properties"] == {"betreiber": "Stadtwerke", "neu": True}
    bad = sta.patch(
        f"Things({t})",
        [{"op": "test", "path": "/name", "value": "Anders"}],
        "application/json-patch+json",
    )
    assert bad.status_code == 400
    assert "cannot be applied" in bad.json()["detail"]
    assert sta.get(f"Things({t})").json()["name"] == "Gepatcht"


def test_patch_relinks_a_datastream_and_moves_a_thing(sta, station):
    ds = station["datastreams"][0]
    other = sta.post(
        "Sensors", {"name": "Neu", "description": "-", "encodingType": "text/html", "metadata": "-"}
    ).json()
    assert (
        sta.patch(f"Datastreams({ds})", {"Sensor": {"@iot.id": other["@iot.id"]}}).status_code
        == 200
    )
    assert sta.get(f"Datastreams({ds})/Sensor").json()["@iot.id"] == other["@iot.id"]
    place = sta.post("Locations", {"name": "Bahnhof", "description": "-", "encodingType": "application/geo+json",
                                   "location": {"type": "Point", "coordinates": [6.62, 51.45]}}).json()  # fmt: skip
    t = station["thing"]
    assert (
        sta.patch(f"Things({t})", {"Locations": [{"@iot.id": place["@iot.id"]}]}).status_code == 200
    )
    assert [loc["name"] for loc in sta.get(f"Things({t})/Locations").json()["value"]] == ["Bahnhof"]
    assert (
        sta.get(f"Things({t})/HistoricalLocations", **{"$count": "true"}).json()["@iot.count"] == 2
    )


def test_patch_of_an_observation_moves_the_latest(sta, readings):
    ds = readings["datastreams"][0]
    latest = models.Datastream.objects.get(pk=ds).latest
    oldest = min(readings["observations"])
    sta.patch(f"Observations({oldest})", {"phenomenonTime": "2030-01-01T00:00:00Z"})
    stream = models.Datastream.objects.get(pk=ds)
    assert stream.latest_id == oldest != latest.pk
    assert stream.phenomenon_time_end.year == 2030


def test_deleting_a_thing_takes_its_datastreams_observations_and_history(sta, readings):
    t = readings["thing"]
    assert sta.delete(f"Things({t})").status_code == 200
    assert models.Thing.objects.count() == 0
    assert models.Datastream.objects.count() == 0
    assert models.Observation.objects.count() == 0
    assert models.HistoricalLocation.objects.count() == 0
    assert models.Location.objects.count() == 1  # a Location outlives its Things
    assert models.Sensor.objects.count() == 2
    assert sta.get(f"Things({t})").status_code == 404


def test_deleting_a_location_takes_history_left_without_a_location(sta, station):
    loc = sta.get(f"Things({station['thing']})/Locations").json()["value"][0]["@iot.id"]
    assert sta.delete(f"Locations({loc})").status_code == 200
    assert models.HistoricalLocation.objects.count() == 0
    assert models.Thing.objects.count() == 1


def test_deleting_an_observation_moves_the_latest_back(sta, readings):
    ds = readings["datastreams"][0]
    latest = models.Datastream.objects.get(pk=ds).latest_id
    assert sta.delete(f"Observations({latest})").status_code == 200
    stream = models.Datastream.objects.get(pk=ds)
    assert stream.latest_id not in (None, latest)
    assert stream.latest.result == 18


def test_deleting_a_sensor_or_feature_cascades(sta, readings):
    foi = sta.get(f"Observations({readings['observations'][0]})/FeatureOfInterest").json()[
        "@iot.id"
    ]
    assert sta.delete(f"FeaturesOfInterest({foi})").status_code == 200
    assert models.Observation.objects.count() == 0
    assert models.Datastream.objects.get(pk=readings["datastreams"][0]).latest is None
    sensor = sta.get(f"Datastreams({readings['datastreams'][0]})/Sensor").json()["@iot.id"]
    assert sta.delete(f"Sensors({sensor})").status_code == 200
    assert models.Datastream.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("patch", "Things", {"name": "x"}, 405),
        ("delete", "Things", None, 405),
        ("post", "Things(1)", {"name": "x"}, 405),
        ("patch", "Things(1)/name", {"name": "x"}, 405),
        ("put", "Things(999999)", {"name": "x", "description": "y"}, 404),
        ("patch", "Things(1)", [1], 400),
    ],
)
def test_wrong_methods_and_targets(sta, station, method, path, body, status):
    path = path.replace("(1)", f"({station['thing']})")
    response = sta.delete(path) if method == "delete" else getattr(sta, method)(path, body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
