"""The cockpit in Debian's Chromium, in German and English: goals with their indicators,
an indicator's chart with its table, the district map, the plain-words view and the
comparison, each without serious accessibility violations; an editor adopts a template,
sets its target in German numbers and dates, enters a value and sees the status."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from stadtkern.data.demo import demo_load_data
from stadtkern.indicators import services
from stadtkern.indicators.demo import demo_load_indicators

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(alpha, beta, personas):
    demo_load_data(alpha, personas["editor"])
    demo_load_indicators(alpha, personas["editor"])
    other = services.indicator_adopt(
        municipality=beta, key="pkw_elektro", user=None, published=True
    )
    services.value_enter(indicator=other, user=None, period=2025, value=6.2)
    return alpha


def _console(page) -> list:
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/m/alpha/cockpit/", "Cockpit von Alphastadt"),
        ("/en/m/alpha/cockpit/", "Cockpit of Alphastadt"),
        ("/m/alpha/cockpit/leerstandsquote/", "Leerstandsquote"),
        ("/en/m/alpha/cockpit/leerstandsquote/", "Vacancy rate"),
        ("/m/alpha/cockpit/at-a-glance/", "Wie steht es um Alphastadt?"),
        ("/en/m/alpha/cockpit/at-a-glance/", "How is Alphastadt doing?"),
        ("/indicators/pkw_elektro/", "Pkw mit Elektroantrieb"),
        ("/en/indicators/pkw_elektro/", "Electric cars"),
        ("/m/alpha/cockpit/leerstandsquote/widget/", "Leerstandsquote"),
    ],
)
def test_cockpit_pages_read_well_and_pass_axe(page, live_server, demo, accessible, path, heading):
    errors = _console(page)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, width
    accessible(page, errors)


def test_the_vacancy_chart_its_table_and_the_district_map(page, live_server, demo):
    page.goto(f"{live_server.url}/m/alpha/cockpit/leerstandsquote/")
    chart = page.locator("figure.chart").first
    expect(chart.locator("polyline.series-actual")).to_have_count(1)
    expect(chart.locator("polyline.series-target")).to_have_count(1)
    expect(page.locator(".ind-status").first).to_have_text("nicht auf Kurs")
    # the numbers behind the chart, opened with the keyboard, in German formats
    chart.locator("summary").focus()
    page.keyboard.press("Enter")
    table = chart.locator("table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("30.09.2021")
    expect(table).to_contain_text(re.compile(r"\d+,\d"))
    # vacancy per district on the outlines of the districts, with a legend
    expect(page.locator("[data-map]")).to_have_attribute("data-ready", "9")
    expect(page.locator(".map-legend")).to_contain_text("Leerstandsquote")
    page.select_option("#district", "Nord")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("heading", name="Werte und Zielpfad")).to_be_visible()
    expect(page.locator("figure.chart").first).to_contain_text("Nord")


def test_an_editor_adopts_a_template_sets_its_target_and_enters_a_value(page, live_server, demo):
    page.goto(f"{live_server.url}/login/?next=/m/alpha/cockpit/adopt-templates/")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name=re.compile(r"^Übernehmen\s*:\s*Abfallmenge$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bearbeiten: Abfallmenge")
    expect(page.locator(".messages")).to_contain_text("als Entwurf übernommen")
    page.get_by_label("Ausgangswert", exact=True).fill("480,5")
    page.get_by_label("Datum des Ausgangswerts").fill("2022-12-31")
    page.get_by_label("Zielwert", exact=True).fill("400")
    page.get_by_label("Zieldatum").fill("2030-12-31")
    page.get_by_label(re.compile("^Toleranz")).fill("5")
    page.get_by_label("Veröffentlicht").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abfallmenge")
    expect(page.locator("dl.facts")).to_contain_text("von 480 kg je EW (31.12.2022)")  # no decimals
    saved = demo.indicators.get(key="abfallmenge")
    assert (saved.baseline_value, saved.baseline_date.isoformat()) == (480.5, "2022-12-31")
    page.get_by_role("link", name="Werte eingeben").click()
    page.get_by_role("textbox", name="Zeitraum (Pflichtfeld)").fill("2024")
    page.get_by_role("textbox", name="Wert (Pflichtfeld)").fill("452,0")
    page.get_by_label("Quelle", exact=True).fill("Abfallbilanz 2024")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("table")).to_contain_text("Abfallbilanz 2024")
    page.goto(f"{live_server.url}/m/alpha/cockpit/abfallmenge/")
    expect(page.locator(".ind-status").first).to_have_text("auf Kurs")
