"""Participation in Debian's Chromium: a code holder votes with the keyboard, sees the
running total and the confirmation; results and code sheets; axe-core on every page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stadtkern.participation import services
from stadtkern.participation.models import PhaseKind
from stadtkern.participation.tests.conftest import make_budget, make_process

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
        "Gewählt: 2 Projekte, zusammen 30.000 von 100.000"
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
    expect(page.get_by_role("alert")).to_contain_text("Wählen Sie höchstens 3 Projekte.")
    expect(page.get_by_label("Jugendtreff Nord")).to_be_checked()
    assert not budget.ballots.exists()


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
    page, live_server, alpha, accessible, prefix
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
    for path in ("/m/alpha/participation/surveys/wie-smart-ist-musterstadt/results/",
                 "/m/alpha/participation/pulse/smart-city-team/", "/m/alpha/participation/",
                 "/m/alpha/participation/assemblies/buergerrat-klima/"):  # fmt: skip
        assert page.goto(f"{live_server.url}{prefix}{path}").status == 200
        accessible(page, console_errors)
        if "participation/surveys" in path or "pulse" in path:
            expect(page.locator("svg.chart-svg").first).to_be_visible()
