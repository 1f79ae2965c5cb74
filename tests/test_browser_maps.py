"""The shared map component in Debian's Chromium: a base map only where one is chosen
(served here by a tile server in the test), district outlines otherwise, features
coloured with a legend below the map, and values reached by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from stadtkern.core.rules import TeamReader
from stadtkern.data import sql
from stadtkern.data.demo import VACANCY_SQL, demo_load_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(alpha, beta, personas):
    demo_load_data(alpha, personas["editor"])
    return alpha


def test_without_a_base_map_no_tile_is_asked_for_and_the_districts_are_drawn(
    page, live_server, demo, tiles
):
    origin, asked = tiles
    page.goto(f"{live_server.url}/m/alpha/data/leerstandskataster/")
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "420")
    expect(page.locator("[data-map]")).to_have_attribute("data-outlines-ready", "9")
    expect(page.locator(".map-outline-label", has_text="Innenstadt")).to_have_count(1)
    assert page.locator("img.leaflet-tile").count() == 0
    assert asked == []


def test_a_municipality_s_base_map_is_loaded_from_its_tile_server_alone(
    page, live_server, demo, beta, tiles
):
    origin, asked = tiles
    demo.map_tile_url = (
        origin + "/wmts/basemap/default/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png"
    )
    demo.map_tile_attribution = "<b>Test</b>-Karte"
    demo.save()
    response = page.goto(f"{live_server.url}/m/alpha/data/leerstandskataster/")
    assert origin in response.headers["content-security-policy"]
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert asked and all(p.startswith("/wmts/basemap/default/GLOBAL_WEBMERCATOR/") for p in asked)
    # Its attribution is text, not markup.
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("<b>Test</b>-Karte")
    # No outlines under a base map; another municipality's pages do not allow the server.
    assert page.locator("[data-outlines-ready]").count() == 0
    other = page.goto(f"{live_server.url}/m/beta/data/")
    assert origin not in other.headers["content-security-policy"]


def test_points_are_coloured_by_status_with_a_legend_below_the_map(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/data/leerstandskataster/")
    legend = page.locator(".map-legend")
    expect(legend).to_contain_text("Status")
    expect(legend).to_contain_text("leer (")
    expect(legend).to_contain_text("belegt (")
    box, map_box = legend.bounding_box(), page.locator("[data-map]").bounding_box()
    assert box["y"] >= map_box["y"] + map_box["height"]  # below, never over the map


def test_a_choropleth_labels_its_areas_in_the_reader_s_numbers(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/data/queries/leerstand_je_bezirk/")
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "9")
    labels = page.locator(".map-area-label")
    expect(labels).to_have_count(9)
    # the rate the query gives, written as a German reader writes it
    result = sql.run(VACANCY_SQL, TeamReader(demo), demo)
    rate = next(row[3] for row in result.rows if row[0] == "Innenstadt")
    expect(labels.filter(has_text="Innenstadt")).to_have_text(
        f"Innenstadt: {rate:.1f}".replace(".", ",")
    )
    # the legend's classes start at the lowest rate, in whole steps
    first = page.locator(".map-legend li").first.inner_text().strip()
    low, high = (float(x.replace(".", "").replace(",", ".")) for x in first.split(" – "))
    lowest = min(row[3] for row in result.rows)
    assert low <= lowest <= high, (first, lowest)


def test_a_feature_s_values_open_from_the_keyboard(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/data/queries/leerstand_je_bezirk/")
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "9")
    area = page.locator(".map path[tabindex='0']").first
    area.focus()
    expect(area).to_have_attribute("aria-label", re.compile(r".+: \d+,\d"))
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("leerstandsquote")
