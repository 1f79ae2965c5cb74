"""Creating entities (OGC 18-088, 10.2): deep insert, links to existing entities, posting
to navigation paths, the automatic FeatureOfInterest, and nothing half-written."""

import pytest

from stadtkern.sensors import models

from .conftest import OM, thing_body

pytestmark = pytest.mark.django_db


def counts():
    return {m.__name__: m.objects.count() for m in (models.Thing, models.Location, models.HistoricalLocation,
            models.Datastream, models.Sensor, models.ObservedProperty, models.Observation, models.FeatureOfInterest)}  # fmt: skip


def test_deep_insert_creates_everything_and_answers_with_location(sta, alpha):
    response = sta.post("Things", thing_body())
    assert response.status_code == 201
    assert response["Location"].endswith(f"/sta/v1.1/Things({response.json()['@iot.id']})")
    assert counts() == {"Thing": 1, "Location": 1, "HistoricalLocation": 1, "Datastream": 2, "Sensor": 2,
                        "ObservedProperty": 2, "Observation": 0, "FeatureOfInterest": 0}  # fmt: skip
    thing = models.Thing.objects.get()
    assert thing.municipality == alpha
    assert models.Datastream.objects.filter(thing=thing, municipality=alpha).count() == 2
    assert list(thing.historical_locations.get().locations.all()) == list(thing.locations.all())


def test_links_to_existing_entities(sta, station):
    ds = sta.get(
        f"Datastreams({station['datastreams'][0]})", **{"$expand": "Sensor,ObservedProperty"}
    ).json()
    body = {
        "name": "Zweiter Strom", "description": "-", "observationType": OM + "OM_Measurement",
        "unitOfMeasurement": {"name": "Mikrogramm", "symbol": "µg/m³", "definition": "ucum:ug/m3"},
        "Thing": {"@iot.id": station["thing"]}, "Sensor": {"@iot.id": ds["Sensor"]["@iot.id"]},
        "ObservedProperty": {"@iot.id": ds["ObservedProperty"]["@iot.id"]},
    }  # fmt: skip
    before = counts()
    assert sta.post("Datastreams", body).status_code == 201
    after = counts()
    assert after["Datastream"] == before["Datastream"] + 1
    assert (
        after["Sensor"] == before["Sensor"]
        and after["ObservedProperty"] == before["ObservedProperty"]
    )


def test_post_to_a_navigation_path_links_to_its_parent(sta, station):
    ds = station["datastreams"][0]
    response = sta.post(
        f"Datastreams({ds})/Observations",
        {"result": 4.5, "phenomenonTime": "2024-01-01T10:00:00+01:00"},
    )
    assert response.status_code == 201
    obs = models.Observation.objects.get()
    assert obs.datastream_id == ds
    assert response.json()["phenomenonTime"] == "2024-01-01T09:00:00Z"
    location = sta.post(f"Things({station['thing']})/Locations", {
        "name": "Neuer Ort", "description": "-", "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [6.6, 51.4]}})  # fmt: skip
    assert location.status_code == 201
    thing = models.Thing.objects.get(pk=station["thing"])
    assert thing.locations.count() == 2
    assert thing.historical_locations.count() == 2


def test_observation_without_feature_gets_one_from_the_things_location(sta, station):
    ds = station["datastreams"][0]
    for value in (1, 2):
        assert sta.post(f"Datastreams({ds})/Observations", {"result": value}).status_code == 201
    foi = models.FeatureOfInterest.objects.get()  # made once, used twice
    assert foi.feature == {"type": "Point", "coordinates": [6.63, 51.45]}
    assert models.Observation.objects.filter(feature_of_interest=foi).count() == 2
    assert all(o.phenomenon_time is not None for o in models.Observation.objects.all())


def test_the_datastream_keeps_its_latest_observation_and_time_span(sta, station):
    ds = station["datastreams"][0]
    for time, value in [
        ("2024-05-02T00:00:00Z", 2),
        ("2024-05-03T00:00:00Z", 3),
        ("2024-05-01T00:00:00Z", 1),
    ]:
        sta.post(f"Datastreams({ds})/Observations", {"result": value, "phenomenonTime": time})
    stream = models.Datastream.objects.get(pk=ds)
    assert stream.latest.result == 3
    body = sta.get(f"Datastreams({ds})").json()
    assert body["phenomenonTime"] == "2024-05-01T00:00:00Z/2024-05-03T00:00:00Z"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "x"}, 400, "needs description"),
        ({"name": 5, "description": "x"}, 400, "Thing.name is text"),
        ({"name": "x", "description": "x", "colour": "red"}, 400, "no property 'colour'"),
        ({"name": "x", "description": "x", "properties": [1]}, 400, "is a JSON object"),
        ({"name": "x", "description": "x", "Locations": {"name": "y"}}, 400, "is a JSON array"),
        ({"name": "x", "description": "x", "Locations": [{"@iot.id": 999999}]}, 400, "Location 999999 does not exist"),
        ({"name": "x", "description": "x", "Locations": [{"name": "L", "description": "-",
          "encodingType": "application/geo+json", "location": {"type": "Point"}}]}, 400, "not a GeoJSON"),
        ({"name": "x" * 301, "description": "x"}, 400, "longer than 300"),
        ([1, 2], 400, "is a JSON object"),
    ],
)  # fmt: skip
def test_bad_bodies_are_refused_by_name(sta, alpha, body, status, words):
    response = sta.post("Things", body)
    assert response.status_code == status, response.content
    assert words in response.json()["detail"]
    assert counts()["Thing"] == 0


def test_malformed_json_is_refused(sta, alpha):
    response = sta.post("Things", "{'name': ")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_a_failing_deep_insert_leaves_nothing(sta, alpha):
    body = thing_body()
    body["Datastreams"][1]["ObservedProperty"] = {"@iot.id": 987654}
    response = sta.post("Things", body)
    assert response.status_code == 400
    assert "ObservedProperty 987654 does not exist" in response.json()["detail"]
    assert set(counts().values()) == {0}


def test_a_datastream_needs_its_thing_sensor_and_observed_property(sta, alpha):
    body = {
        "name": "d",
        "description": "-",
        "observationType": OM + "OM_Measurement",
        "unitOfMeasurement": {},
    }
    response = sta.post("Datastreams", body)
    assert response.status_code == 400
    assert "needs Thing" in response.json()["detail"]
