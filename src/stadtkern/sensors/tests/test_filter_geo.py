"""$filter: geospatial functions (OGC 18-088, table 24) on Locations, FeaturesOfInterest
and through navigation, in the units of the coordinates (degrees)."""

import pytest

from .conftest import thing_body, values

pytestmark = pytest.mark.django_db
MOERS = "geography'POLYGON((6.5 51.4, 6.7 51.4, 6.7 51.5, 6.5 51.5, 6.5 51.4))'"


@pytest.fixture
def places(sta):
    for name, lon, lat in [
        ("Moers Markt", 6.63, 51.45),
        ("Duisburg", 6.76, 51.43),
        ("Kamp-Lintfort", 6.54, 51.50),
    ]:
        assert sta.post("Things", thing_body(name, lon, lat, streams=())).status_code == 201


def names(anonymous, entity_set, expression):
    return sorted(values(anonymous.get(entity_set, **{"$filter": expression}), "name"))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"st_within(location, {MOERS})", ["Markt"]),
        (f"st_intersects(location, {MOERS})", ["Markt", "Markt"]),  # the boundary counts
        (f"geo.intersects(location, {MOERS})", ["Markt", "Markt"]),
        (f"st_disjoint(location, {MOERS})", ["Markt"]),
        (f"st_contains({MOERS}, location)", ["Markt"]),
        ("st_equals(location, geography'POINT(6.76 51.43)')", ["Markt"]),
        (f"st_touches(location, {MOERS})", ["Markt"]),
        ("st_relate(location, geography'POINT(6.76 51.43)', 'T********')", ["Markt"]),
        ("geo.distance(location, geography'POINT(6.63 51.45)') lt 0.05", ["Markt"]),
        ("geo.distance(location, geography'POINT(6.63 51.45)') ge 0.05", ["Markt", "Markt"]),
        ("geo.length(location) eq 0", ["Markt", "Markt", "Markt"]),
    ],
)
def test_geo_functions_on_locations(anonymous, places, expression, expected):
    assert names(anonymous, "Locations", expression) == expected


def test_geo_functions_through_navigation(anonymous, places):
    assert names(anonymous, "Things", f"st_within(Locations/location, {MOERS})") == ["Moers Markt"]
    assert names(
        anonymous, "Things", f"not st_within(Locations/location, {MOERS}) and startswith(name, 'D')"
    ) == ["Duisburg"]


def test_crossing_and_overlapping_lines_and_areas(anonymous, sta):
    line = {"type": "LineString", "coordinates": [[6.4, 51.45], [6.8, 51.45]]}
    area = {
        "type": "Polygon",
        "coordinates": [[[6.6, 51.3], [6.9, 51.3], [6.9, 51.6], [6.6, 51.6], [6.6, 51.3]]],
    }
    for name, feature in [("Straße", line), ("Bezirk", area)]:
        body = {
            "name": name,
            "description": "-",
            "encodingType": "application/geo+json",
            "feature": feature,
        }
        assert sta.post("FeaturesOfInterest", body).status_code == 201
    assert names(anonymous, "FeaturesOfInterest", f"st_crosses(feature, {MOERS})") == ["Straße"]
    assert names(anonymous, "FeaturesOfInterest", f"st_overlaps(feature, {MOERS})") == ["Bezirk"]
    assert names(anonymous, "FeaturesOfInterest", "geo.length(feature) gt 0.39") == ["Straße"]


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("st_within(location, geography'POLYGON((1 2, 3')", "not a WKT geometry"),
        ("st_within(name, location)", "one geometry property"),
        ("st_within(location)", "takes 2 arguments"),
        ("st_within(location, 5)", "takes geometries"),
    ],
)
def test_bad_geo_filters(anonymous, places, expression, words):
    response = anonymous.get("Locations", **{"$filter": expression})
    assert response.status_code == 400
    assert words in response.json()["detail"]
