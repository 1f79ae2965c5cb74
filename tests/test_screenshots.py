"""The README's tour, as pictures: the demo's key pages in Chromium at 1280 and 390 px.

`make screenshots` runs this with STADTKERN_SCREENSHOTS=docs/screenshots and so renews
the pictures in the README; in the test suite they go to a temporary folder, and each
page must still answer, draw what the tour shows and fit the phone's width."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from stadtkern.core.models import Municipality, User
from stadtkern.data.demo import demo_load_data
from stadtkern.indicators.demo import demo_load_indicators
from stadtkern.participation.demo import demo_load_participation
from stadtkern.sensors.demo import demo_load_sensors
from stadtkern.sensors.models import Datastream
from stadtkern.strategy.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "screenshots-of-the-demo"

# name, address, what must be on it before the picture is taken, where the picture starts
IMPLEMENTATION = "/m/musterstadt/participation/buergerhaushalt-2025/implementation/"
TOUR = [
    ("1-start", "/", "#calls-title", None),
    ("2-house", "/m/musterstadt/", ".house-roof", None),
    ("3-vacancy-map", "/m/musterstadt/data/leerstandskataster/", "[data-ready]", "#map-title"),
    ("4-sensor-chart", "DATASTREAM", "svg.chart-svg .reference", "form.inline-form"),
    ("5-ballot", "BALLOT", ".ballot-status", "#places-title"),
    ("6-implementation", IMPLEMENTATION, ".progress", None),
    ("7-administration", "/m/musterstadt/settings/", "#members-title", None),
    ("8-cockpit", "/m/musterstadt/cockpit/", ".cockpit-goal", None),
    (
        "9-vacancy-indicator",
        "/m/musterstadt/cockpit/leerstandsquote/",
        "polyline.series-target",
        "#chart-h",
    ),
]


@pytest.fixture
def folder(tmp_path) -> Path:
    target = os.environ.get("STADTKERN_SCREENSHOTS")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_tour_of_the_demo_in_pictures(browser, live_server, folder):
    demo_load(password=PASSWORD)
    musterstadt = Municipality.objects.get(slug="musterstadt")
    demo_load_data(musterstadt, User.objects.get(username="anna"))
    demo_load_sensors(musterstadt)
    demo_load_participation(musterstadt, PASSWORD)
    demo_load_indicators(musterstadt, User.objects.get(username="anna"))
    no2 = Datastream.objects.get(municipality=musterstadt, name="NO2 Homberger Straße")
    budget = musterstadt.participation_processes.get(slug="buergerhaushalt-2027").budgets.get()
    addresses = {
        "DATASTREAM": f"/m/musterstadt/sensors/datastreams/{no2.pk}/?interval=1d&function=avg",
        "BALLOT": f"/m/musterstadt/participation/buergerhaushalt-2027/budgets/{budget.pk}/vote/",
    }
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Benutzername").fill("anna")
        page.get_by_label("Passwort").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Anmelden").click()
        for name, address, ready, start in TOUR:
            address = addresses.get(address, address)
            response = page.goto(live_server.url + address)
            assert response.status == 200, address
            expect(page.locator(ready).first).to_be_attached()
            if name == "5-ballot":  # a choice over the budget, as the tour describes it
                for ref in ("2", "5", "1", "7"):
                    page.locator(f"input[value='{ref}']").check()
                expect(page.locator(".ballot-warning")).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (address, width)
            if start:
                page.locator(start).first.evaluate(
                    "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 8)"
                )
                page.wait_for_timeout(200)
            shot = folder / f"{name}-{width}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        context.close()
