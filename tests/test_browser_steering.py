"""Steering in Debian's Chromium, in German and English: the portfolio, a project, its
plan with the Gantt chart, the backlog and the board pass axe-core; the board is worked by
drag and drop, by the keyboard alone (arrow buttons) and by the plain form without
JavaScript, and a stale move shows its reason instead of undoing the other's move."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from stadtkern.steering.models import BacklogItem, DocumentTemplate
from stadtkern.steering.services import backlog, plans, projects
from stadtkern.strategy.services import measure_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(alpha, personas):
    today = timezone.localdate()
    measure = measure_create(
        municipality=alpha, user=None, title="Leerstandsmanagement", published=True
    )
    project = projects.project_create(measure=measure, user=None, design="hybrid", published=True,
                                      start=today - timedelta(days=60), end=today + timedelta(days=300))  # fmt: skip
    sprint = backlog.iteration_create(project=project, user=None, name="Sprint 1", goal="Erster Durchstich",
                                      start=today - timedelta(days=3), end=today + timedelta(days=10))  # fmt: skip
    for title, points in [("Meldeformular", 5), ("Export", 8), ("Karte", 3)]:
        backlog.item_create(
            project=project, user=None, title=title, estimate=points, iteration=sprint
        )
    a = plans.package_create(
        project=project, user=None, title="Konzept", start=project.start, duration=20
    )
    m = plans.package_create(project=project, user=None, title="Start", start=project.start + timedelta(days=20),
                             duration=0)  # fmt: skip
    plans.dependency_add(predecessor=a, successor=m, user=None)
    projects.report_create(project=project, user=None, period_end=today, scope="green", time="red",
                           money="yellow", overall="red", text="Verzug")  # fmt: skip
    _more(project, today)
    return project


def _more(project, today):
    """Money, risks, stakeholders and a meeting, so that every page has its charts."""
    from stadtkern.steering.services import meetings, money, people, risks

    for year, planned in ((today.year, 50000), (today.year + 1, 80000)):
        money.budget_set(
            project=project, user=None, year=year, cost_type="personnel", planned=planned
        )
    money.actual_add(
        project=project, user=None, booked_on=today, cost_type="personnel", amount=1200, text="Q1"
    )
    risks.risk_save(project=project, user=None, title="Eigentümer springen ab", probability=4, impact=4,
                    response="reduce", review_on=today)  # fmt: skip
    risks.risk_save(project=project, user=None, kind="opportunity", title="Förderaufruf", probability=3, impact=4,
                    response="exploit")  # fmt: skip
    a = people.stakeholder_save(municipality=project.municipality, user=None, name="Werbegemeinschaft",
                                group="Einzelhandel", influence=4, interest=5, attitude="supportive",
                                projects=[project.pk])  # fmt: skip
    b = people.stakeholder_save(municipality=project.municipality, user=None, name="Haus & Grund", group="Eigentümer",
                                influence=4, interest=2, attitude="critical")  # fmt: skip
    people.tie_add(a=a, b=b, user=None, note="Runder Tisch")
    series = meetings.series_create(
        municipality=project.municipality, user=None, title="Jour fixe", project=project
    )
    meeting = meetings.meeting_create(series=series, user=None, held_on=today)
    meetings.action_add(
        meeting=meeting, user=None, title="Eigentümer anrufen", due_on=today, project=project
    )
    from stadtkern.steering.services import learning

    learning.template_create(municipality=project.municipality, user=None, kind="charter", title="Steckbrief",
                             body="Ziel:\nNutzen:")  # fmt: skip
    learning.lesson_save(
        project=project, user=None, title="Eigentümer früh einbinden", recommendation="Früh reden"
    )


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])  # fmt: skip


def _console(page) -> list:
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _column(project, status):
    return list(BacklogItem.objects.filter(project=project, status=status).order_by("rank")
                .values_list("title", flat=True))  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_steering_pages_pass_axe_and_fit_a_phone(
    page, live_server, project, personas, accessible, prefix
):
    _log_in(page, live_server, personas["editor"])
    errors = _console(page)
    base = f"{live_server.url}{prefix}/m/alpha/steering/"
    series = project.meeting_series.get()
    meeting = series.meetings.get()
    booking, lesson = project.actuals.get(), project.lessons.get()
    risk, stakeholder = project.risks.first(), project.municipality.stakeholders.first()
    template = DocumentTemplate.objects.get(title="Steckbrief")
    for path in ("", f"projects/{project.pk}/", f"projects/{project.pk}/plan/",
                 f"projects/{project.pk}/backlog/", f"projects/{project.pk}/board/",
                 f"projects/{project.pk}/plan/packages/new/", "programmes/new/",
                 f"projects/{project.pk}/money/", "funding/", f"projects/{project.pk}/risks/",
                 f"projects/{project.pk}/risks/new/", "stakeholders/", "stakeholders/new/", "meetings/",
                 f"meetings/{series.pk}/", f"meetings/{series.pk}/{meeting.pk}/", "learning/", "calendar/",
                 f"sustainability/{project.measure_id}/", f"projects/{project.pk}/lessons/new/",
                 f"projects/{project.pk}/money/actuals/{booking.pk}/", f"projects/{project.pk}/lessons/{lesson.pk}/",
                 f"projects/{project.pk}/risks/{risk.pk}/", f"stakeholders/{stakeholder.pk}/",
                 f"learning/templates/{template.pk}/"):  # fmt: skip
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        accessible(page, errors)
        page.set_viewport_size({"width": 390, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path


def test_the_board_by_keyboard_alone(page, live_server, project, personas):
    _log_in(page, live_server, personas["editor"])
    errors = _console(page)
    page.goto(f"{live_server.url}/en/m/alpha/steering/projects/{project.pk}/board/")
    right = page.get_by_role("button", name="One column right: Export")
    right.focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-column="doing"]')).to_contain_text("Export")
    # The keyboard stays on the moved card's arrow, so a second Enter moves it on.
    expect(page.get_by_role("button", name="One column right: Export")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('[data-column="review"]')).to_contain_text("Export")
    expect(page.get_by_role("button", name="One column right: Export")).to_be_focused()
    assert _column(project, "review") == ["Export"]
    page.get_by_role("button", name="One place up: Karte").focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-column="todo"] .card-title').first).to_have_text("Karte")
    assert _column(project, "todo") == ["Karte", "Meldeformular"]
    assert errors == []


def test_the_board_by_drag_and_drop(page, live_server, project, personas):
    page.set_viewport_size({"width": 1280, "height": 1600})  # the whole board in view
    _log_in(page, live_server, personas["editor"])
    page.goto(f"{live_server.url}/m/alpha/steering/projects/{project.pk}/board/")
    card = page.locator(".board-card", has_text="Karte")
    page.locator(".board-card", has_text="Karte").drag_to(
        page.locator('.board-list[data-column="done"]')
    )
    expect(page.locator('.board-list[data-column="done"]')).to_contain_text("Karte")
    assert _column(project, "done") == ["Karte"]
    assert BacklogItem.objects.get(title="Karte").done_at is not None
    # Dropped onto the upper half of a card, a card goes before it.
    page.locator(".board-card", has_text="Export").drag_to(card, target_position={"x": 20, "y": 4})
    expect(page.locator('.board-list[data-column="done"] .card-title').first).to_have_text("Export")
    assert _column(project, "done") == ["Export", "Karte"]


def test_a_stale_move_shows_its_reason_and_the_plain_form_works_without_script(
    browser, live_server, project, personas
):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server, personas["editor"])
    page.goto(f"{live_server.url}/en/m/alpha/steering/projects/{project.pk}/board/")
    # Someone else moves "Export" after this page was loaded.
    export = BacklogItem.objects.get(title="Export")
    backlog.item_move(item=export, user=None, version=export.version, status="doing")
    page.get_by_label("Column for Export").select_option("review")
    page.get_by_role("button", name=re.compile(r"^Move\W+Export")).click()
    expect(page.locator(".messages")).to_contain_text("meanwhile")
    assert _column(project, "doing") == ["Export"]
    # Now with the fresh page: the plain form moves it.
    page.get_by_label("Column for Export").select_option("review")
    page.get_by_role("button", name=re.compile(r"^Move\W+Export")).click()
    expect(page.locator('[data-column="review"]')).to_contain_text("Export")
    context.close()


def test_the_plan_shows_the_critical_path_and_its_table(page, live_server, project, personas):
    _log_in(page, live_server, personas["viewer"])
    page.goto(f"{live_server.url}/en/m/alpha/steering/projects/{project.pk}/plan/")
    expect(page.locator("svg[data-kind=gantt] .critical")).to_have_count(2)
    page.get_by_text("The plan as a table").click()
    row = page.locator("figure.gantt").get_by_role("row", name=re.compile("^Konzept"))
    expect(row).to_contain_text("yes")
