"""Every edit form, opened and saved unchanged in real Chromium, in German and English,
leaves its object as it was: dates and times above all (a German date in an
``<input type="date">`` is shown empty by the browser and was saved as empty)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from stadtkern.data.models import Access, Dataset
from stadtkern.participation import assemblies, surveys
from stadtkern.participation.models import Phase, Project
from stadtkern.participation.tests.conftest import make_budget, make_process
from stadtkern.strategy import services as strategy
from stadtkern.strategy.models import Measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Fields that change on every save by design.
VOLATILE = {"updated_at", "modified"}


@pytest.fixture
def editable(alpha, personas):
    """One object of every kind with an edit page, with dates where the kind has them;
    return (address, object) pairs."""
    editor = personas["editor"]
    goal = strategy.goal_create(municipality=alpha, user=editor, title="Ziel", published=True)
    value = strategy.value_create(municipality=alpha, user=editor, title="Wert", published=True)
    field = alpha.fields_of_action.first()
    group = strategy.user_group_create(municipality=alpha, user=editor, title="Pendelnde")
    measure = strategy.measure_create(
        municipality=alpha, user=editor, title="Mobilstationen", goals=[goal.pk],
        fields_of_action=[field.pk], start=date(2025, 3, 1), end=date(2026, 12, 31),
        estimated_cost=Decimal("1287000.50"), status="planned", published=True,
        benefits=[{"user_group": group.pk, "value": "hoch"}], tags=["Mobilität"],
    )  # fmt: skip
    dataset = Dataset.objects.create(
        municipality=alpha, slug="zaehlung", title="Zählung", access=Access.PUBLIC,
        temporal_start=date(2024, 1, 1), temporal_end=date(2024, 12, 31), keywords=["Verkehr"],
    )  # fmt: skip
    now = timezone.now().replace(second=0, microsecond=0)
    survey = surveys.survey_create(
        municipality=alpha, slug="umfrage", title="Umfrage", opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=20, hours=3, minutes=30),
        questions=[{"kind": "likert", "text": "Wie zufrieden?"}],
    )  # fmt: skip
    assembly = assemblies.assembly_create(
        municipality=alpha, slug="buergerrat", title="Bürgerrat", panel_size=10,
        shares={"Alter": {"jung": 0.4, "alt": 0.6}},
    )  # fmt: skip
    budget = make_budget(make_process(alpha), max_projects=3)
    process = budget.process
    phase = Phase.objects.filter(process=process).order_by("starts_at").first()
    project = Project.objects.filter(budget=budget).first()
    return [
        (f"/m/alpha/measures/{measure.pk}/edit/", measure),
        (f"/m/alpha/goals/{goal.pk}/edit/", goal),
        (f"/m/alpha/values/{value.pk}/edit/", value),
        (f"/m/alpha/fields/{field.pk}/edit/", field),
        (f"/m/alpha/user-groups/{group.pk}/edit/", group),
        ("/m/alpha/data/zaehlung/edit/", dataset),
        ("/m/alpha/participation/surveys/umfrage/edit/", survey),
        ("/m/alpha/participation/assemblies/buergerrat/edit/", assembly),
        (f"/m/alpha/participation/{process.slug}/setup/phases/{phase.pk}/", phase),
        (f"/m/alpha/participation/{process.slug}/setup/budgets/{budget.pk}/", budget),
        (f"/m/alpha/participation/{process.slug}/setup/projects/{project.pk}/", project),
    ]


def _state(obj) -> dict:
    obj.refresh_from_db()
    state = {k: v for k, v in model_to_dict(obj).items() if k not in VOLATILE}
    if isinstance(obj, Measure):
        state["benefits"] = sorted(obj.benefits.values_list("user_group_id", "value"))
        state["tags"] = sorted(obj.tags.values_list("name", flat=True))
    return {k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in state.items()}


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_edit_form_saved_unchanged_changes_nothing(page, live_server, editable, language):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    prefix = "" if language == "de" else "/en"
    for address, obj in editable:
        before = _state(obj)
        response = page.goto(f"{live_server.url}{prefix}{address}")
        assert response.status == 200, address
        # Dates and times are written ISO in the inputs, whatever the page's language.
        for value in page.locator("input[type=date]").evaluate_all("els => els.map(e => e.value)"):
            assert value == "" or datetime.strptime(value, "%Y-%m-%d"), (address, value)
        save = page.locator(
            "main form:not(:has(input[name=action][value=delete])) button[type=submit]"
        ).first
        with page.expect_navigation():
            save.click()
        assert "has-error" not in page.content(), (address, language)
        after = _state(obj)
        assert after == before, (address, language)
        if isinstance(obj, Measure):
            assert after["start"] == date(2025, 3, 1) and after["end"] == date(2026, 12, 31)


@pytest.mark.parametrize("language", ["de", "en"])
def test_sdg_targets_are_chosen_by_keyboard_in_a_searchable_combobox(
    page, live_server, editable, language, accessible
):
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    measure = next(obj for _a, obj in editable if isinstance(obj, Measure))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Benutzername").fill("editor")
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    prefix = "" if language == "de" else "/en"
    page.goto(f"{live_server.url}{prefix}/m/alpha/measures/{measure.pk}/edit/")
    box = page.get_by_role("combobox", name="SDG-Unterziele" if language == "de" else "SDG targets")
    expect(box).to_have_attribute("aria-expanded", "false")
    accessible(page, console)
    # By number: 11.2, the first hit, taken with Enter.
    box.fill("11.2")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".combobox-list").get_by_role("option").first).to_contain_text("11.2")
    box.press("Enter")
    # By words of the other language: "drinking water" on a German page, "Trinkwasser" on an
    # English one, both find 6.1; the arrow key moves, Enter takes.
    box.fill("")
    box.type("drinking water" if language == "de" else "Trinkwasser")
    options = page.locator(".combobox-list").get_by_role("option")
    expect(options.first).to_contain_text("6.1")
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    chosen = page.locator(".combobox-chip")
    expect(chosen).to_have_count(2)
    # Backspace in the empty field takes the last one shown (11.2) away; Enter brings it back.
    box.fill("")
    box.press("Backspace")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("6.1")
    box.type("11.2")
    box.press("Enter")
    expect(chosen).to_have_count(2)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    measure.refresh_from_db()
    assert sorted(t.code for t in measure.sdg_targets.all()) == ["11.2", "6.1"]
