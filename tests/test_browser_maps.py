"""The shared map component in Debian's Chromium: a base map only where one is chosen
(served here by a tile server in the test), district outlines otherwise, features
coloured with a legend below the map, and values reached by keyboard."""

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from stadtkern.data.demo import demo_load_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1×1 grey PNG; Leaflet stretches it over the tile.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGO4c+cOAAUAAmXtFB0AAAAASUVORK5CYII="
)


@pytest.fixture
def tiles():
    """A tile server on a free local port; it notes every path asked for."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()


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
    expect(labels.filter(has_text="Innenstadt")).to_have_text("Innenstadt: 6,3")
    expect(page.locator(".map-legend li").first).to_contain_text("0 – 10")


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
