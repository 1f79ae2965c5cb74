"""Participation in Debian's Chromium: a code holder votes with the keyboard, sees the
running total and the confirmation; results and code sheets; axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stadtkern.participation import services
from stadtkern.participation.models import PhaseKind
from stadtkern.participation.tests.conftest import make_budget, make_people, make_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vote(alpha):
    budget = make_budget(make_process(alpha), max_projects=3)
    return budget, services.voting_codes_create(process=budget.process, count=2)


def test_a_code_holder_votes_with_the_keyboard(page, live_server, vote):
    budget, codes = vote
    page.goto(f"{live_server.url}/m/alpha/participation/bhh-2026/")
    page.get_by_role("link", name="Abstimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abstimmung: Gesamtstadt")
    page.get_by_label("Abstimmungscode").fill(codes[0].lower())
    page.get_by_label("Trinkbrunnen am Markt").press("Space")
    page.get_by_label("Blühwiese Südring").check()
    expect(page.locator("output.ballot-total")).to_have_text(
        "Gewählt: 2 Projekte für 30.000 € von 100.000 €."
    )
    page.get_by_role("button", name="Stimme abgeben").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Ihre Stimme wurde gespeichert.")
    assert sorted(budget.ballots.get().projects) == ["1", "5"]


def test_a_refused_ballot_is_announced_and_the_choice_kept(page, live_server, vote):
    budget, codes = vote
    page.goto(f"{live_server.url}/m/alpha/participation/bhh-2026/budgets/{budget.pk}/vote/")
    page.get_by_label("Abstimmungscode").fill(codes[1])
    for title in (
        "Trinkbrunnen am Markt",
        "Sitzbänke im Stadtpark",
        "Fahrradbügel am Bahnhof",
        "Jugendtreff Nord",
    ):
        page.get_by_label(title).check()
    page.get_by_role("button", name="Stimme abgeben").click()
    expect(page.locator("#ballot-errors")).to_contain_text("Wählen Sie höchstens 3 Projekte.")
    expect(page.get_by_label("Jugendtreff Nord")).to_be_checked()
    assert not budget.ballots.exists()


def test_a_choice_over_the_budget_is_warned_of_before_it_is_cast(page, live_server, alpha):
    budget = make_budget(make_process(alpha), kind="knapsack")
    page.goto(f"{live_server.url}/m/alpha/participation/bhh-2026/budgets/{budget.pk}/vote/")
    warning = page.locator(".ballot-warning")
    expect(warning).to_be_hidden()
    for title in ("Jugendtreff Nord", "Fahrradbügel am Bahnhof", "Trinkbrunnen am Markt"):
        page.get_by_label(title).check()
    # 110.000 € of 100.000 €: announced at once (role="alert"), before anything is sent.
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("10.000 € mehr als das Budget")
    expect(page.locator(".ballot-fill")).to_have_class(re.compile("over"))
    page.get_by_label("Trinkbrunnen am Markt").uncheck()
    expect(warning).to_be_hidden()
    # In English, the same in English money.
    page.goto(f"{live_server.url}/en/m/alpha/participation/bhh-2026/budgets/{budget.pk}/vote/")
    for title in ("Jugendtreff Nord", "Fahrradbügel am Bahnhof", "Trinkbrunnen am Markt"):
        page.get_by_label(title).check()
    expect(page.locator(".ballot-warning")).to_contain_text("costs €10,000 more than the budget")


def test_an_editor_reports_the_implementation_and_everyone_reads_it(
    page, live_server, alpha, personas
):
    from conftest import PASSWORD

    budget = make_budget(make_process(alpha, running=PhaseKind.IMPLEMENTATION))
    budget.projects.filter(ref__in=["1", "5"]).update(selected=True)
    budget.projects.exclude(ref__in=["1", "5"]).update(selected=False)
    page.goto(f"{live_server.url}/login/?next=/m/alpha/participation/bhh-2026/")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Was aus den ausgewählten Projekten wurde").click()
    expect(page.get_by_role("heading", level=2)).to_have_count(2)
    page.get_by_role("link", name=re.compile("Aktualisieren.*Trinkbrunnen am Markt")).click()
    page.get_by_role("combobox", name="Status (Pflichtfeld)").select_option("in_progress")
    page.get_by_role("spinbutton", name="Fortschritt in Prozent").fill("45")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_role("link", name=re.compile("Aktualisieren.*Trinkbrunnen am Markt")).click()
    page.locator("#id_day").fill("2026-03-02")
    page.get_by_role("textbox", name="Was geschehen ist (Pflichtfeld)").fill("Auftrag vergeben.")
    page.get_by_role("button", name="Meldung veröffentlichen").click()
    page.get_by_role("button", name="editor abmelden").click()
    page.goto(f"{live_server.url}/m/alpha/participation/bhh-2026/implementation/")
    article = page.get_by_role("article").filter(has_text="Trinkbrunnen am Markt")
    expect(article).to_contain_text("in Umsetzung")
    expect(article).to_contain_text("45 % erledigt")
    expect(article).to_contain_text("02.03.2026: Auftrag vergeben.")
    expect(article.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "45")


@pytest.mark.parametrize("path", ["LIST", "PROCESS", "VOTE", "RESULTS", "/en/VOTE", "/en/RESULTS"])
def test_participation_pages_have_no_serious_accessibility_violation(
    page, live_server, vote, accessible, path
):
    budget, codes = vote
    if "RESULTS" in path:
        services.ballot_cast(budget=budget, projects=["1", "2"], code=codes[0])
        budget.process.phases.filter(kind=PhaseKind.VOTING).update(ends_at=timezone.now())
    base = f"m/alpha/participation/bhh-2026/budgets/{budget.pk}"
    path = (
        path.replace("LIST", "/m/alpha/participation/").replace("PROCESS", "/m/alpha/participation/bhh-2026/")
        .replace("VOTE", f"/{base}/vote/").replace("RESULTS", f"/{base}/results/").replace("//", "/")
    )  # fmt: skip
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200
    accessible(page, console_errors)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_proposal_pages_have_no_serious_accessibility_violation(
    page, live_server, alpha, accessible, prefix
):
    from stadtkern.core.services import user_create

    ideas = make_process(alpha, running=PhaseKind.PROPOSALS, slug="ideen")
    author = user_create(username="ida", password="correct horse battery staple 42")
    proposal = services.proposal_create(process=ideas, user=author, title="Trinkbrunnen am Markt",
                                        description="Für heiße Tage.", latitude=51.45, longitude=6.63)  # fmt: skip
    services.comment_create(proposal=proposal, user=author, text="Ergänzung: mit Hundenapf.")
    from stadtkern.participation.tests.test_proposal_images import photo_with_gps

    services.proposal_image_set(
        proposal=proposal, user=author, data=photo_with_gps(), alt="Der leere Platz am Markt"
    )
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    for path in (
        "/m/alpha/participation/ideen/",
        f"/m/alpha/participation/ideen/proposals/{proposal.pk}/",
    ):
        assert page.goto(f"{live_server.url}{prefix}{path}").status == 200
        accessible(page, console_errors)
        if "participation/surveys" in path or "pulse" in path:
            expect(page.locator("svg.chart-svg").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trinkbrunnen am Markt")
    expect(page.get_by_role("img", name="Der leere Platz am Markt")).to_be_visible()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_survey_pages_have_no_serious_accessibility_violation(
    page, live_server, alpha, personas, accessible, prefix
):
    from stadtkern.participation.demo import demo_load_participation
    from stadtkern.participation.models import Survey

    demo_load_participation(alpha, "correct horse battery staple 42")
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(f"{live_server.url}{prefix}/m/alpha/participation/surveys/wie-smart-ist-musterstadt/")
    accessible(page, console_errors)
    # Answer with the keyboard: a radio group per question, the answers arrive.
    page.get_by_role("group", name=re.compile("1\\. ")).get_by_label("4", exact=True).check()
    page.get_by_role("group", name=re.compile("2\\. ")).get_by_role("radio").first.check()
    page.get_by_role("group", name=re.compile("4\\. ")).get_by_label("9", exact=True).check()
    page.get_by_role("button", name=re.compile("Antworten senden|Send answers")).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert Survey.objects.get(slug="wie-smart-ist-musterstadt").responses.count() == 121
    Survey.objects.filter(slug="wie-smart-ist-musterstadt").update(closes_at=timezone.now())
    # The pulse check is the smart-city team's: the public does not see it, a member does.
    assert (
        page.goto(f"{live_server.url}{prefix}/m/alpha/participation/pulse/smart-city-team/").status
        == 404
    )
    console_errors.clear()  # the browser notes the 404 it was just shown
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill("viewer")
    page.get_by_label("Passwort").fill("correct horse battery staple 42")
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    for path in ("/m/alpha/participation/surveys/wie-smart-ist-musterstadt/results/",
                 "/m/alpha/participation/pulse/smart-city-team/", "/m/alpha/participation/",
                 "/m/alpha/participation/assemblies/buergerrat-klima/"):  # fmt: skip
        assert page.goto(f"{live_server.url}{prefix}{path}").status == 200
        accessible(page, console_errors)
        if "participation/surveys" in path or "pulse" in path:
            expect(page.locator("svg.chart-svg").first).to_be_visible()


@pytest.fixture
def people(alpha, beta):
    return make_people(alpha, beta)


def log_in(page, live_server, user):
    """Give the browser a session of ``user`` (the login form has its own tests)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])  # fmt: skip


def test_a_citizen_marks_the_place_of_a_proposal_on_the_map(
    page, live_server, alpha, people, accessible
):
    from stadtkern.participation.models import Proposal

    ideas = make_process(alpha, running=PhaseKind.PROPOSALS, slug="ideen")
    services.proposal_create(process=ideas, user=people["verified"], title="Bänke am Markt",
                             description="Zum Ausruhen.", latitude=51.45, longitude=6.63)  # fmt: skip
    log_in(page, live_server, people["citizen"])
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(f"{live_server.url}/m/alpha/participation/ideen/proposals/new/")
    picker = page.locator("[data-picker-map]")
    expect(picker).to_have_attribute("data-ready", "true")
    accessible(page, console_errors)
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
    latitude, longitude = (
        page.get_by_label("Breite", exact=True),
        page.get_by_label("Länge", exact=True),
    )
    clicked = float(latitude.input_value()), float(longitude.input_value())
    assert clicked[0] > 51.45 and clicked[1] > 6.63  # north-east of the centre, where the map was
    expect(page.locator("[data-picker-status]")).to_contain_text("Ort markiert")
    # With the keyboard: move the map west, then mark its centre.
    picker.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.get_by_role("button", name="Mitte der Karte markieren").press("Enter")
    # The mark waits for the pan to end, so the field changes a moment later.
    page.wait_for_function(
        "() => parseFloat(document.querySelector('#longitude').value) < 6.63", timeout=5000
    )
    moved = float(longitude.input_value())
    assert moved < 6.63
    page.get_by_label("Titel").fill("Trinkbrunnen")
    page.get_by_label("Was schlagen Sie vor, und warum?").fill("Für heiße Tage am Markt.")
    page.get_by_role("button", name="Vorschlag einreichen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trinkbrunnen")
    stored = Proposal.objects.get(title="Trinkbrunnen")
    assert stored.longitude == pytest.approx(moved) and stored.latitude == pytest.approx(
        clicked[0], abs=0.01
    )


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_set_up_pages_have_no_serious_accessibility_violation(
    page, live_server, people, alpha, accessible, prefix
):
    process = make_process(alpha, slug="bhh")
    budget = make_budget(process)
    log_in(page, live_server, people["editor"])
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    from stadtkern.participation import assemblies, surveys

    surveys.survey_create(municipality=alpha, slug="umfrage", title="Umfrage", opens_at=timezone.now(),
                          closes_at=timezone.now() + timedelta(days=9),
                          questions=[{"kind": "likert", "text": "Gut?"}])  # fmt: skip
    assemblies.assembly_create(municipality=alpha, slug="rat", title="Bürgerrat", panel_size=10,
                               shares={"Alter": {"jung": 1, "alt": 1}})  # fmt: skip
    edits = [f"bhh/setup/phases/{process.phases.first().pk}/", f"bhh/setup/budgets/{budget.pk}/",
             f"bhh/setup/projects/{budget.projects.first().pk}/", "surveys/umfrage/edit/", "assemblies/rat/edit/"]  # fmt: skip
    for path in ("new/", "bhh/setup/", *edits, "surveys/new/", "pulse/new/", "assemblies/new/"):
        assert page.goto(f"{live_server.url}{prefix}/m/alpha/participation/{path}").status == 200
        accessible(page, console_errors)


def test_an_editor_adds_a_project_and_a_mistake_is_announced(page, live_server, people, alpha):
    process = make_process(alpha, slug="bhh", running=PhaseKind.PROPOSALS)
    budget = make_budget(process)
    log_in(page, live_server, people["editor"])
    page.goto(f"{live_server.url}/m/alpha/participation/bhh/setup/")
    form = page.locator("form", has=page.get_by_role("button", name="Projekt hinzufügen"))
    form.get_by_label("Nummer").fill("1")  # taken
    form.get_by_role("textbox", name="Titel (Pflichtfeld)").fill("Doppelt")
    form.get_by_label("Kosten in Euro").fill("100")
    form.get_by_role("button", name="Projekt hinzufügen").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(
        page.get_by_text("Der Haushalt hat bereits ein Projekt mit dieser Nummer.")
    ).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Projekt hinzufügen"))
    form.get_by_label("Nummer").fill("N-1")
    form.get_by_role("textbox", name="Titel (Pflichtfeld)").fill("Neue Bank")
    form.get_by_label("Kosten in Euro").fill("900")
    form.get_by_role("button", name="Projekt hinzufügen").click()
    expect(page.get_by_role("cell", name="Neue Bank", exact=True)).to_be_visible()
    assert budget.projects.filter(ref="N-1", cost=900).exists()
