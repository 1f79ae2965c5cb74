"""The data pages in Debian's Chromium: the import wizard from upload to report, maps and
charts drawn from the instance's own assets, and an axe-core scan of every data page."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from stadtkern.core import jobs
from stadtkern.data.demo import demo_load_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Nr;Adresse;Fläche;Status;Seit\n"
    "1;Steinstraße 1;120,5;leer;01.03.2024\n"
    "2;Neuer Wall 7;80;belegt;\n"
    "3;Kirchstraße 2;ohne Angabe;leer;15.04.2024\n"
)


@pytest.fixture
def demo(alpha, personas):
    demo_load_data(alpha, personas["editor"])
    return alpha


def _login(page, live_server, next_url):
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_import_wizard_from_upload_to_report(page, live_server, demo, tmp_path, accessible):
    _login(page, live_server, "/m/alpha/data/new/")
    page.get_by_role("textbox", name="Name (Pflichtfeld)").fill("laeden")
    page.get_by_role("textbox", name="Titel (Pflichtfeld)").fill("Ladenlokale")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ladenlokale")

    page.get_by_role("link", name="Datei importieren").click()
    upload = tmp_path / "laeden.csv"
    upload.write_bytes(CSV.encode("cp1252"))
    page.get_by_role("button", name="Datei (Pflichtfeld)").set_input_files(str(upload))
    page.get_by_role("button", name="Hochladen und prüfen").click()
    # The worker checks the file; the page follows the job and leads on to the preview.
    expect(page.locator("progress")).to_be_visible()
    accessible(page, [])
    assert jobs.run_pending() == 1

    # The preview: nothing imported yet, the columns with their inferred types.
    expect(page.get_by_role("status")).to_contain_text("Vorschau")
    expect(page.locator(".warnings")).to_contain_text("cp1252")
    # "ohne Angabe" made the area a text column; the editor wants numbers and takes the report.
    page.get_by_label("Typ von flaeche").select_option("decimal")
    page.get_by_role("button", name="Jetzt importieren").click()
    expect(page.locator(".job").first).to_be_visible()
    assert jobs.run_pending() == 1

    expect(page.get_by_role("status").first).to_contain_text("importiert")
    expect(page.locator("dl.meta")).to_contain_text("Importierte Zeilen")
    report = page.get_by_role("table").last
    expect(report).to_contain_text("ohne Angabe")
    expect(report).to_contain_text("flaeche")

    page.get_by_role("link", name="Ladenlokale").click()
    expect(page.locator("section[aria-labelledby=rows-title] table")).to_contain_text(
        "Steinstraße 1"
    )
    expect(page.locator("section[aria-labelledby=rows-title] table")).to_contain_text(
        "Neuer Wall 7"
    )
    expect(page.locator("section[aria-labelledby=rows-title] table")).not_to_contain_text(
        "Kirchstraße 2"
    )


def test_saved_query_shows_the_vacancy_rate_on_a_map_and_as_bars(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/data/queries/leerstand_je_bezirk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leerstandsquote je Bezirk")
    # Leaflet, served by the instance, draws one shape per district and a legend.
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "9")
    expect(page.locator(".leaflet-interactive")).to_have_count(9)
    expect(page.locator(".map-legend")).to_contain_text("leerstandsquote")
    expect(page.locator("svg.chart-svg rect.chart-bar")).to_have_count(9)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.reload()
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "9")
    assert requests and all(url.startswith(live_server.url) for url in requests), requests


def test_dataset_pages_draw_a_map_and_a_time_chart(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/data/leerstandskataster/")
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "420")
    page.goto(f"{live_server.url}/m/alpha/data/fussgaenger_steinstrasse/")
    expect(page.locator("svg.chart-svg polyline.series")).to_have_count(1)
    page.get_by_label("Angezeigte Spalte").select_option("kinder")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("figure.chart figcaption")).to_contain_text("Kinder")
    # Choosing the chart's column leaves the preview unfiltered.
    preview = page.locator("section[aria-labelledby=rows-title] table tbody tr")
    expect(preview).to_have_count(25)
    # One local day of the hourly counts: 24 points; the address carries ISO dates.
    page.locator("#chart_from").fill("2022-05-10")
    page.locator("#chart_to").fill("2022-05-10")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"chart_from=2022-05-10&chart_to=2022-05-10"))
    expect(page.locator("figure.chart table tbody tr")).to_have_count(24)
    expect(page.locator("figure.chart table tbody tr").first).to_contain_text("10.05.2022 00:00")
    expect(preview).to_have_count(25)


PAGES = [
    "/data/",
    "/en/data/",
    "/m/alpha/data/",
    "/m/alpha/data/leerstandskataster/",
    "/m/alpha/data/fussgaenger_steinstrasse/",
    "/en/m/alpha/data/bezirke/",
    "/m/alpha/data/queries/leerstand_je_bezirk/",
    "/m/alpha/data/sql/?sql=SELECT+status,+COUNT(*)+AS+n+FROM+leerstandskataster+GROUP+BY+status",
    "EDITOR:/m/alpha/data/new/",
    "EDITOR:/m/alpha/data/bezirke/import/",
    "EDITOR:IMPORT",
]


@pytest.mark.parametrize("path", PAGES)
def test_data_pages_have_no_serious_accessibility_violation(
    page, live_server, demo, accessible, path
):
    if path.startswith("EDITOR:"):
        path = path.removeprefix("EDITOR:")
        _login(page, live_server, "/")
        if path == "IMPORT":
            run = demo.datasets.get(slug="bezirke").imports.first()
            path = f"/m/alpha/data/bezirke/import/{run.pk}/"
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    accessible(page, console_errors)
