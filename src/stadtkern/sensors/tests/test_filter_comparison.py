"""$filter: comparison operators, over properties, navigation paths and JSON
properties (OGC 18-088, 9.3.3.5.1). Logical operators: test_filter_logical."""

import pytest

from .conftest import READINGS, values

pytestmark = pytest.mark.django_db
RESULTS = [r for _t, r in READINGS]


def results(anonymous, expression):
    return sorted(values(anonymous.get("Observations", **{"$filter": expression})))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("result eq 9", [9]),
        ("result ne 9", [r for r in RESULTS if r != 9]),
        ("result gt 9", [r for r in RESULTS if r > 9]),
        ("result ge 9", [r for r in RESULTS if r >= 9]),
        ("result lt 9", [r for r in RESULTS if r < 9]),
        ("result le 9", [r for r in RESULTS if r <= 9]),
        ("9 lt result", [r for r in RESULTS if r > 9]),
        ("result eq -2.5", [-2.5]),
        ("resultTime eq null", RESULTS),
        ("resultTime ne null", []),
    ],
)
def test_comparison(anonymous, readings, expression, expected):
    assert results(anonymous, expression) == sorted(expected)


def test_time_comparison(anonymous, readings):
    assert results(
        anonymous,
        "phenomenonTime ge 2024-06-01T00:00:00Z and phenomenonTime lt 2025-01-01T00:00:00Z",
    ) == [18, 27.25]
    assert results(anonymous, "phenomenonTime lt 2024-03-01T13:00:00+01:00") == [3.5]
    assert results(anonymous, "phenomenonTime le 2024-03-01T13:00:00+01:00") == [3.5, 9]
    assert results(anonymous, "phenomenonTime ge 2025-12-31") == [-2.5]


def test_navigation_paths(anonymous, readings):
    assert len(results(anonymous, "Datastream/name eq 'Temperatur Wetterstation Markt'")) == len(
        READINGS
    )
    assert results(anonymous, "Datastream/Thing/name eq 'Elsewhere'") == []
    streams = values(
        anonymous.get("Datastreams", **{"$filter": "ObservedProperty/name eq 'NO2'"}), "name"
    )
    assert streams == ["NO2 Wetterstation Markt"]
    things = values(
        anonymous.get("Things", **{"$filter": "Datastreams/Observations/result gt 20"}), "name"
    )
    assert things == ["Wetterstation Markt"]  # one Thing, even though it matches twice


def test_json_properties(anonymous, sta, station):
    sta.post(
        "Things",
        {"name": "Zähler", "description": "-", "properties": {"betreiber": "Stadt", "höhe": 5}},
    )
    assert values(
        anonymous.get("Things", **{"$filter": "properties/betreiber eq 'Stadtwerke'"}), "name"
    ) == ["Wetterstation Markt"]
    assert values(anonymous.get("Things", **{"$filter": "properties/höhe gt 10"}), "name") == [
        "Wetterstation Markt"
    ]
    assert values(anonymous.get("Things", **{"$filter": "properties/höhe lt 10"}), "name") == [
        "Zähler"
    ]


def test_text_results_and_ids(anonymous, sta, station):
    first_stream = anonymous.get(
        f"Datastreams({station['datastreams'][0]})", **{"$expand": "Sensor,ObservedProperty"}
    ).json()
    om = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
    body = {
        "name": "Ampel", "description": "-", "observationType": om + "OM_CategoryObservation",
        "unitOfMeasurement": {"name": None, "symbol": None, "definition": None},
        "Thing": {"@iot.id": station["thing"]}, "Sensor": {"@iot.id": first_stream["Sensor"]["@iot.id"]},
        "ObservedProperty": {"@iot.id": first_stream["ObservedProperty"]["@iot.id"]},
        "Observations": [{"result": "rot", "phenomenonTime": "2024-01-01T00:00:00Z"},
                         {"result": "grün", "phenomenonTime": "2024-01-01T00:01:00Z"}],
    }  # fmt: skip
    assert sta.post("Datastreams", body).status_code == 201
    assert values(anonymous.get("Observations", **{"$filter": "result eq 'grün'"})) == ["grün"]
    first = values(anonymous.get("Observations", **{"$orderby": "id"}), "@iot.id")[0]
    assert values(anonymous.get("Observations", **{"$filter": f"id eq {first}"}), "@iot.id") == [
        first
    ]
