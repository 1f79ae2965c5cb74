"""The administration page in Debian's Chromium: an administrator finds it in the
municipality's navigation, invites someone who joins through the link in the mail,
changes a role, and sets a base map whose tiles then come from the chosen server."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import PASSWORD
from stadtkern.core.models import Membership, Role
from stadtkern.data.demo import demo_load_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, name, next_url):
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_an_administrator_invites_and_the_invited_person_joins(
    page, live_server, personas, accessible
):
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    _login(page, live_server, "admin", "/m/alpha/")
    page.get_by_role("navigation", name="Bereiche von Alphastadt").get_by_role(
        "link", name="Verwaltung"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwaltung von Alphastadt")
    accessible(page, console)

    page.get_by_role("textbox", name="E-Mail-Adresse (Pflichtfeld)").fill("neu@example.org")
    page.get_by_role("combobox", name="Rolle (Pflichtfeld)").select_option("viewer")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_role("status")).to_contain_text("neu@example.org")
    expect(page.locator("section", has=page.locator("#invite-title"))).to_contain_text("gültig bis")

    # The viewer becomes an editor; the trail says so in words.
    page.get_by_label("Rolle von viewer").select_option("editor")
    page.locator("tr", has_text="viewer").get_by_role("button", name="Rolle ändern").click()
    expect(page.get_by_role("status")).to_contain_text("viewer hat jetzt die Rolle Redakteur:in")
    trail = page.locator("section", has=page.locator("#trail-title"))
    expect(trail).to_contain_text("Lesende:r")
    expect(trail).to_contain_text("Redakteur:in")

    link = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.get_by_role("button", name="admin abmelden").click()
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("main")).to_contain_text("Lesende:r")
    page.get_by_role("textbox", name="Benutzername (Pflichtfeld)").fill("neu")
    page.get_by_role("textbox", name="Passwort (Pflichtfeld)", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Passwort wiederholen (Pflichtfeld)").fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen und annehmen").click()
    expect(page.get_by_role("status")).to_contain_text("Willkommen bei Alphastadt")
    assert Membership.objects.get(user__username="neu").role == Role.VIEWER


def test_a_base_map_chosen_on_the_page_is_drawn_from_its_tile_server(
    page, live_server, personas, alpha, tiles
):
    origin, asked = tiles
    demo_load_data(alpha, personas["editor"])
    _login(page, live_server, "admin", "/m/alpha/settings/")
    page.get_by_label("Grundkarte (Kacheln)").fill(origin + "/{z}/{x}/{y}.png")
    page.get_by_label("Quellenvermerk der Grundkarte").fill("© Testkarte")
    page.get_by_role("button", name="Grundkarte speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Grundkarte wurde gespeichert")
    page.goto(f"{live_server.url}/m/alpha/data/leerstandskataster/")
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("© Testkarte")
    assert asked

    # A wrong address is refused with a reason and changes nothing.
    page.goto(f"{live_server.url}/m/alpha/settings/")
    page.get_by_label("Grundkarte (Kacheln)").fill("https://tiles.example/kacheln.png")
    page.get_by_role("button", name="Grundkarte speichern").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".field.has-error")).to_contain_text("{z}")
    alpha.refresh_from_db()
    assert alpha.map_tile_url == origin + "/{z}/{x}/{y}.png"
