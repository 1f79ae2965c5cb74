"""The sensor pages in Debian's Chromium: every Thing of Musterstadt's demo on a map,
a datastream's chart with the interval chosen in a form, and an axe-core scan."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from stadtkern.sensors.demo import demo_load_sensors
from stadtkern.sensors.models import Datastream

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sensors(alpha):
    demo_load_sensors(alpha, now=datetime(2026, 11, 22, 12, tzinfo=UTC))
    return alpha


def test_the_map_shows_every_sensor_with_its_latest_values(page, live_server, sensors):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/m/alpha/sensors/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sensoren von Alphastadt")
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "6")
    expect(page.locator(".leaflet-interactive")).to_have_count(6)
    expect(page.get_by_role("link", name="Passanten Steinstraße")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests


def test_a_datastream_chart_follows_the_chosen_interval(page, live_server, sensors):
    ds = Datastream.objects.get(name="NO2 Homberger Straße")
    page.goto(f"{live_server.url}/m/alpha/sensors/datastreams/{ds.pk}/")
    expect(page.locator("svg.chart-svg polyline.series")).to_have_count(1)
    page.get_by_label("Intervall").select_option("1d")
    page.get_by_label("Funktion").select_option("max")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"\?interval=1d&function=max&chart_from=&chart_to=$"))
    expect(page.locator("figure.chart figcaption")).to_contain_text("Maximum")
    # 8,760 hours from noon to noon touch 366 calendar days: one row each beside the chart.
    expect(page.locator("figure.chart table tbody tr")).to_have_count(366)
    # NO2 is drawn against the EU limit value, its unit on the axis.
    expect(page.locator("svg .reference-label")).to_contain_text("EU-Grenzwert, Jahresmittel: 40")
    expect(page.locator("svg .axis-label")).to_have_text("Maximum (µg/m³)")
    # A chosen week of days: seven rows, German dates in the table, ISO in the address.
    first = ds.phenomenon_time_start.astimezone(ZoneInfo("Europe/Berlin")).date()
    start, end = first + timedelta(days=10), first + timedelta(days=16)
    page.locator("#chart_from").fill(start.isoformat())
    page.locator("#chart_to").fill(end.isoformat())
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(
        re.compile(f"chart_from={start.isoformat()}&chart_to={end.isoformat()}")
    )
    rows = page.locator("figure.chart table tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.first).to_contain_text(start.strftime("%d.%m.%Y"))


@pytest.mark.parametrize(
    "path", ["/m/alpha/sensors/", "/en/m/alpha/sensors/", "DATASTREAM", "/en/DATASTREAM"]
)
def test_sensor_pages_have_no_serious_accessibility_violation(
    page, live_server, sensors, accessible, path
):
    ds = Datastream.objects.get(name="Passanten Steinstraße")
    path = path.replace("DATASTREAM", f"m/alpha/sensors/datastreams/{ds.pk}/")
    if not path.startswith("/"):
        path = "/" + path
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    accessible(page, console_errors)
