"""$select (OGC 18-088, 9.3.3.2): only the named properties."""

import pytest

pytestmark = pytest.mark.django_db


def test_select_returns_only_the_named_properties(anonymous, station):
    thing = anonymous.get(f"Things({station['thing']})", **{"$select": "name,description"}).json()
    assert thing == {"name": "Wetterstation Markt", "description": "Station am Markt"}


def test_select_id_gives_the_id_and_self_link(anonymous, station):
    things = anonymous.get("Things", **{"$select": "id"}).json()["value"]
    assert [set(t) for t in things] == [{"@iot.id", "@iot.selfLink"}]


def test_select_a_navigation_property_gives_its_link(anonymous, station):
    thing = anonymous.get(f"Things({station['thing']})", **{"$select": "Datastreams"}).json()
    assert list(thing) == ["Datastreams@iot.navigationLink"]


def test_select_inside_expand(anonymous, station):
    thing = anonymous.get(
        f"Things({station['thing']})",
        **{"$select": "name", "$expand": "Datastreams($select=name;$orderby=id)"},
    ).json()
    assert thing["name"] == "Wetterstation Markt"
    assert thing["Datastreams"] == [
        {"name": "Temperatur Wetterstation Markt"},
        {"name": "NO2 Wetterstation Markt"},
    ]


def test_select_of_an_unknown_property_is_refused_by_name(anonymous, station):
    response = anonymous.get("Things", **{"$select": "name,colour"})
    assert response.status_code == 400
    assert "colour" in response.json()["detail"]
