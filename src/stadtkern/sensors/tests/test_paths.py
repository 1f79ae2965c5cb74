"""Resource paths (OGC 18-088, 9.2): the service root, entity sets, entities,
navigation, properties, $value and $ref."""

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.django_db


def test_service_root_lists_every_entity_set_and_the_conformance_classes(anonymous):
    body = anonymous.get("").json()
    names = {item["name"] for item in body["value"]}
    assert names == {"Things", "Locations", "HistoricalLocations", "Sensors", "ObservedProperties",
                     "Datastreams", "Observations", "FeaturesOfInterest"}  # fmt: skip
    assert all(item["url"].endswith(ROOT + item["name"]) for item in body["value"])
    assert (
        "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel"
        in body["serverSettings"]["conformance"]
    )


def test_an_entity_has_its_id_self_link_properties_and_navigation_links(anonymous, station):
    thing = anonymous.get(f"Things({station['thing']})").json()
    assert thing["@iot.id"] == station["thing"]
    assert thing["@iot.selfLink"].endswith(f"{ROOT}Things({station['thing']})")
    assert thing["name"] == "Wetterstation Markt"
    assert thing["properties"] == {"betreiber": "Stadtwerke", "höhe": 32}
    link = thing["Datastreams@iot.navigationLink"]
    assert link.endswith(f"Things({station['thing']})/Datastreams")
    streams = anonymous.get(link.split(ROOT, 1)[1]).json()["value"]
    assert sorted(d["@iot.id"] for d in streams) == station["datastreams"]


def test_navigation_follows_to_one_and_to_many_links(anonymous, readings):
    obs = readings["observations"][0]
    thing = anonymous.get(f"Observations({obs})/Datastream/Thing").json()
    assert thing["@iot.id"] == readings["thing"]
    locations = anonymous.get(f"Observations({obs})/Datastream/Thing/Locations").json()["value"]
    assert [loc["name"] for loc in locations] == ["Markt"]
    foi = anonymous.get(f"Observations({obs})/FeatureOfInterest").json()
    assert foi["feature"] == {"type": "Point", "coordinates": [6.63, 51.45]}


def test_a_property_its_value_and_references(anonymous, station):
    t = station["thing"]
    assert anonymous.get(f"Things({t})/name").json() == {"name": "Wetterstation Markt"}
    raw = anonymous.get(f"Things({t})/name/$value")
    assert raw["Content-Type"].startswith("text/plain")
    assert raw.content.decode() == "Wetterstation Markt"
    refs = anonymous.get(f"Things({t})/Datastreams/$ref").json()["value"]
    assert sorted(r["@iot.selfLink"].rsplit("(", 1)[1] for r in refs) == [
        f"{d})" for d in station["datastreams"]
    ]
    assert set(refs[0]) == {"@iot.selfLink"}
    one = anonymous.get(f"Datastreams({station['datastreams'][0]})/Thing/$ref").json()
    assert one["@iot.selfLink"].endswith(f"Things({t})")


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("Thingz", 404, "Unknown entity set"),
        ("Things(999999)", 404, "does not exist"),
        ("Things(1)/Wheels", 404, "no property or navigation"),
        ("Things/Datastreams", 400, "must follow one entity"),
        ("Things(1)/name/$ref", 400, "$ref follows"),
        ("Things(1)/$value", 400, "$value follows a property"),
        ("Things(abc)", 400, "not a resource path segment"),
        ("Things(1)/$ref/name", 400, "must end the path"),
    ],
)
def test_bad_paths_are_problems_that_name_the_fault(anonymous, station, path, status, words):
    response = anonymous.get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert words in response.json()["detail"]


def test_a_missing_entity_along_a_path_is_404(anonymous, station):
    response = anonymous.get(f"Things({station['thing']})/Datastreams(999999)")
    assert response.status_code == 404


def test_too_many_query_parameters_are_a_problem(anonymous, client, station, alpha):
    params = "&".join(f"thing={i}" for i in range(1, 1200))
    response = client.get(f"/api/v1/sensors/latest?municipality={alpha.slug}&{params}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    response = client.get(f"/sta/v1.1/Things?{params}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
