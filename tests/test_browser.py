"""The strategy house in real headless Chromium (Debian's package, driven by Playwright):
log in, create a measure through the form, see it on the public page, switch to English,
filter with htmx; and an axe-core scan of the main pages."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import PASSWORD
from stadtkern.strategy import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strategy(alpha, personas):
    editor = personas["editor"]
    services.vision_update(
        municipality=alpha, user=editor, text="Alphastadt wird klimaneutral.", published=True
    )
    services.value_create(
        municipality=alpha,
        user=editor,
        title="Partizipativ",
        title_en="Participatory",
        published=True,
    )
    goal = services.goal_create(
        municipality=alpha,
        user=editor,
        title="Belebte Innenstadt",
        title_en="A lively centre",
        sdg_targets=["11.3"],
        published=True,
    )
    field = alpha.fields_of_action.first()
    services.measure_create(
        municipality=alpha,
        user=editor,
        title="Leerstandskataster",
        title_en="Vacancy register",
        fields_of_action=[field.pk],
        goals=[goal.pk],
        sdg_targets=["11.3"],
        status="done",
        published=True,
    )
    services.measure_create(
        municipality=alpha, user=editor, title="Pop-up-Stores", status="planned", published=True
    )
    return goal


def test_editor_creates_a_measure_that_the_public_then_sees_in_english_too(
    page, live_server, strategy, alpha
):
    page.goto(f"{live_server.url}/login/?next=/m/alpha/measures/new/")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neue Maßnahme")

    # First a mistake: the end lies before the start; the form says so next to the field.
    page.get_by_label("Titel (Deutsch)").fill("Smarte Parkbänke")
    page.get_by_label("Beginn").fill("2025-06-01")
    page.get_by_label("Ende").fill("2025-01-01")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".field.has-error .error")).to_contain_text(
        "Das Ende liegt vor dem Beginn."
    )

    page.get_by_label("Ende").fill("2025-12-31")
    page.get_by_label("Titel (Englisch)").fill("Smart benches")
    page.get_by_label("Status").select_option("planned")
    page.get_by_label(alpha.fields_of_action.first().title).check()
    page.get_by_label("Belebte Innenstadt").check()
    page.get_by_label("Bürgerinnen und Bürger", exact=True).fill("Laden das Handy unterwegs auf.")
    page.get_by_label("Veröffentlicht").check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Smarte Parkbänke")

    # The public (a fresh context, not logged in) sees it on the strategy house.
    public = page.context.browser.new_context(locale="de-DE").new_page()
    public.goto(f"{live_server.url}/m/alpha/")
    expect(public.locator("#measure-results")).to_contain_text("Smarte Parkbänke")
    public.get_by_role("link", name="English").click()
    expect(public).to_have_url(re.compile(r"/en/m/alpha/"))
    expect(public.locator("html")).to_have_attribute("lang", "en")
    expect(public.get_by_role("heading", name="Measures")).to_be_visible()
    expect(public.locator("#measure-results")).to_contain_text("Smart benches")
    public.context.close()


def test_filters_update_the_list_without_reloading(page, live_server, strategy):
    page.goto(f"{live_server.url}/m/alpha/")
    expect(page.locator("#measure-results")).to_contain_text("Pop-up-Stores")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Status").select_option("done")
    expect(page.locator("#measure-results")).not_to_contain_text("Pop-up-Stores")
    expect(page.locator("#measure-results")).to_contain_text("Leerstandskataster")
    assert page.evaluate("window.notReloaded") is True
    # The filter is in the address: shared or reloaded, the list is the same.
    expect(page).to_have_url(re.compile(r"status=done"))
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("done")
    expect(page.locator("#measure-results")).not_to_contain_text("Pop-up-Stores")
    expect(page.locator("#measure-results")).to_contain_text("Leerstandskataster")


PAGES = [
    "/",
    "/m/alpha/",
    "/en/m/alpha/",
    "/m/alpha/analysis/",
    "/m/alpha/vision/",
    "/login/",
    "MEASURE",
    "GOAL",
    "EDITOR:/m/alpha/measures/new/",
    "EDITOR:/account/tokens/",
]


@pytest.mark.parametrize("path", PAGES)
def test_main_pages_have_no_serious_accessibility_violation(
    page, live_server, strategy, alpha, path
):
    if path == "MEASURE":
        path = f"/m/alpha/measures/{alpha.measures.first().pk}/"
    if path == "GOAL":
        path = f"/m/alpha/goals/{strategy.pk}/"
    if path.startswith("EDITOR:"):
        path = path.removeprefix("EDITOR:")
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Benutzername").fill("editor")
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(f"{live_server.url}{path}")
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious
    ]
    assert console_errors == [], console_errors
