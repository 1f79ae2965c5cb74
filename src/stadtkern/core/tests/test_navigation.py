"""One navigation per municipality, the same on each of its pages, the current section
marked; a 404 inside a municipality keeps it."""

import re

import pytest

pytestmark = pytest.mark.django_db

SECTIONS = {
    "/en/m/alpha/": "Strategy",
    "/en/m/alpha/data/": "Data",
    "/en/m/alpha/sensors/": "Sensors",
    "/en/m/alpha/cockpit/": "Cockpit",
    "/en/m/alpha/participation/": "Participation",
    "/en/m/alpha/steering/": "Steering",
}


def _nav(html: str) -> str:
    match = re.search(r'<nav class="municipality-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no municipality navigation"
    return match.group(1)


@pytest.mark.parametrize("path", SECTIONS)
def test_every_section_of_a_municipality_has_the_same_navigation(client, alpha, path):
    response = client.get(path)
    assert response.status_code == 200
    nav = _nav(response.content.decode())
    names = re.findall(r">([A-Za-z]+)</a></li>", nav)
    assert names == ["Strategy", "Cockpit", "Steering", "Data", "Sensors", "Participation"]
    current = re.findall(r'aria-current="true">([A-Za-z]+)<', nav)
    assert current == [SECTIONS[path]]


def test_a_page_that_does_not_exist_inside_a_municipality_keeps_its_navigation(client, alpha):
    response = client.get("/m/alpha/gibt-es-nicht/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Bereiche von" in html and 'href="/m/alpha/data/"' in _nav(html)
    # outside any municipality, or for one that does not exist: no such navigation
    for path in ("/gibt-es-nicht/", "/m/niemand/data/"):
        response = client.get(path)
        assert response.status_code == 404
        assert 'class="municipality-nav"' not in response.content.decode()
