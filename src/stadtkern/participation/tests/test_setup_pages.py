"""Editors set up participation on pages: a Bürgerhaushalt with phases, budget and projects;
a survey with its questions; pulse check waves; a citizens' assembly with population shares."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from stadtkern.participation import services
from stadtkern.participation.assemblies import parse_shares, shares_text
from stadtkern.participation.models import Assembly, Ballot, Phase, Process, Project, Survey

from .conftest import make_budget, make_process

pytestmark = pytest.mark.django_db
BASE = "/m/alpha/participation"


def local(moment) -> str:
    """A time as a datetime-local field sends it (in the instance's time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def editor(client, people):
    client.force_login(people["editor"])
    return client


def test_an_editor_sets_up_a_buergerhaushalt_that_residents_vote_in(editor, people):
    created = editor.post(f"{BASE}/new/", {"title": "Bürgerhaushalt 2028", "slug": "bhh-2028"})
    assert created.status_code == 302 and created["Location"] == f"{BASE}/bhh-2028/setup/"
    setup = f"{BASE}/bhh-2028/setup/"
    now = timezone.now()
    editor.post(setup, {"part": "phase", "phase-kind": "voting", "phase-starts_at": local(now - timedelta(hours=1)),
                        "phase-ends_at": local(now + timedelta(days=14))})  # fmt: skip
    editor.post(setup, {"part": "budget", "budget-name": "Gesamtstadt", "budget-amount": "40000",
                        "budget-ballot_kind": "approval", "budget-min_projects": "1", "budget-max_projects": "2",
                        "budget-rule": "equalshares/add1"})  # fmt: skip
    process = Process.objects.get(slug="bhh-2028")
    budget = process.budgets.get()
    assert (budget.amount, budget.max_projects, budget.rule) == (40000, 2, "equalshares/add1")
    for ref, title, cost in (("1", "Trinkbrunnen am Markt", "12000"), ("2", "Sitzbänke", "8000")):
        added = editor.post(setup, {"part": "project", "budget": budget.pk, f"project-{budget.pk}-ref": ref,
                                    f"project-{budget.pk}-title": title, f"project-{budget.pk}-cost": cost})  # fmt: skip
        assert added.status_code == 302
    editor.post(setup, {"part": "details", "title": "Bürgerhaushalt 2028", "published": "on"})
    process.refresh_from_db()
    assert process.published and process.phases.get().kind == "voting"
    page = editor.get(setup).content.decode()
    assert "Trinkbrunnen am Markt" in page and "Sitzbänke" in page

    editor.force_login(people["verified"])
    voted = editor.post(f"{BASE}/bhh-2028/budgets/{budget.pk}/vote/", {"projects": ["1", "2"]})
    assert voted.status_code == 302 and Ballot.objects.get().projects == ["1", "2"]

    editor.force_login(people["editor"])
    page = editor.get(setup).content.decode()
    assert "Es wurden bereits Stimmen abgegeben" in page
    late = editor.post(setup, {"part": "project", "budget": budget.pk, f"project-{budget.pk}-ref": "3",
                               f"project-{budget.pk}-title": "Zu spät", f"project-{budget.pk}-cost": "1"})  # fmt: skip
    assert late.status_code == 422 and Project.objects.count() == 2


def test_mistakes_are_shown_at_their_field_and_nothing_is_stored(editor, alpha):
    make_process(alpha, slug="bhh")
    taken = editor.post(f"{BASE}/new/", {"title": "Noch einer", "slug": "bhh"})
    assert taken.status_code == 422
    assert "Es gibt bereits einen Prozess mit diesem Kurznamen." in taken.content.decode()
    reserved = editor.post(f"{BASE}/new/", {"title": "Umfragen", "slug": "surveys"})
    assert reserved.status_code == 422 and Process.objects.count() == 1
    phases = Phase.objects.count()
    start = timezone.now()
    backwards = editor.post(f"{BASE}/bhh/setup/", {
        "part": "phase", "phase-kind": "voting", "phase-starts_at": local(start + timedelta(days=3)),
        "phase-ends_at": local(start)})  # fmt: skip
    assert backwards.status_code == 422 and Phase.objects.count() == phases
    assert "Eine Phase muss nach ihrem Beginn enden." in backwards.content.decode()
    points = editor.post(f"{BASE}/bhh/setup/", {
        "part": "budget", "budget-name": "Punkte", "budget-amount": "100", "budget-ballot_kind": "cumulative",
        "budget-min_projects": "1", "budget-rule": "greedy"})  # fmt: skip
    assert points.status_code == 422 and not Process.objects.get(slug="bhh").budgets.exists()


def edit_url(process, kind, pk):
    return f"{BASE}/{process.slug}/setup/{kind}/{pk}/"


def test_an_editor_extends_the_vote_and_removes_a_phase(editor, alpha):
    process = make_process(alpha, slug="bhh")
    voting = process.phases.get(kind="voting")
    form = editor.get(edit_url(process, "phases", voting.pk)).content.decode()
    assert f'value="{local(voting.starts_at)}"' in form  # the form shows the phase as it is
    later = voting.ends_at + timedelta(days=7)
    saved = editor.post(edit_url(process, "phases", voting.pk), {
        "action": "save", "kind": "voting", "starts_at": local(voting.starts_at), "ends_at": local(later)})  # fmt: skip
    assert saved.status_code == 302
    voting.refresh_from_db()
    assert local(voting.ends_at) == local(later)
    first = process.phases.first()
    removed = editor.post(edit_url(process, "phases", first.pk), {"action": "delete"})
    assert removed.status_code == 302 and not Phase.objects.filter(pk=first.pk).exists()


def test_once_ballots_are_cast_only_names_and_descriptions_change(editor, voting, people):
    process, project = voting.process, voting.projects.get(ref="1")
    services.ballot_cast(budget=voting, user=people["verified"], projects=["1"])
    url = edit_url(process, "projects", project.pk)
    fixed = editor.post(url, {"action": "save", "ref": "1", "title": "Trinkbrunnen am Marktplatz",
                              "cost": project.cost, "description": "Mit Hundenapf."})  # fmt: skip
    assert fixed.status_code == 302
    dearer = editor.post(
        url, {"action": "save", "ref": "1", "title": "Trinkbrunnen", "cost": "99999"}
    )
    assert dearer.status_code == 422 and "nur Namen und Beschreibungen" in dearer.content.decode()
    gone = editor.post(url, {"action": "delete"})
    assert gone.status_code == 422 and 'role="alert"' in gone.content.decode()
    budget_gone = editor.post(edit_url(process, "budgets", voting.pk), {"action": "delete"})
    assert budget_gone.status_code == 422
    project.refresh_from_db()
    assert (project.title, project.cost, project.description) == (
        "Trinkbrunnen am Marktplatz", 20000, "Mit Hundenapf.")  # fmt: skip
    assert voting.ballots.count() == 1


def test_before_the_vote_budgets_and_projects_change_freely(editor, alpha):
    process = make_process(alpha, slug="bhh", running="proposals")
    budget = make_budget(process)
    project = budget.projects.get(ref="2")
    changed = editor.post(edit_url(process, "budgets", budget.pk), {
        "action": "save", "name": "Gesamtstadt", "amount": "120000", "ballot_kind": "knapsack",
        "min_projects": "1", "rule": "greedy"})  # fmt: skip
    assert changed.status_code == 302
    budget.refresh_from_db()
    assert (budget.amount, budget.ballot_kind, budget.rule) == (120000, "knapsack", "greedy")
    clash = editor.post(edit_url(process, "projects", project.pk), {
        "action": "save", "ref": "1", "title": project.title, "cost": "5"})  # fmt: skip
    assert clash.status_code == 422
    removed = editor.post(edit_url(process, "projects", project.pk), {"action": "delete"})
    assert removed.status_code == 302 and not Project.objects.filter(pk=project.pk).exists()


def test_parts_of_other_processes_cannot_be_edited_through_this_one(editor, alpha):
    one, other = make_process(alpha, slug="eins"), make_process(alpha, slug="zwei")
    foreign = other.phases.first()
    assert editor.get(edit_url(one, "phases", foreign.pk)).status_code == 404
    assert editor.get(edit_url(one, "ballots", foreign.pk)).status_code == 404


@pytest.mark.parametrize(
    "persona", ["anonymous", "citizen", "verified", "moderator", "other_editor"]
)
def test_only_the_municipalitys_editors_reach_the_set_up_pages(client, people, alpha, persona):
    make_process(alpha, slug="bhh")
    if people[persona]:
        client.force_login(people[persona])
    phase = Phase.objects.first().pk
    for url in ("new/", "bhh/setup/", f"bhh/setup/phases/{phase}/", "surveys/new/", "pulse/new/",
                "pulse/team/new-wave/", "assemblies/new/"):  # fmt: skip
        assert client.get(f"{BASE}/{url}").status_code == 403, url
    refused = client.post(
        f"{BASE}/bhh/setup/", {"part": "details", "title": "Gekapert", "published": "on"}
    )
    assert refused.status_code == 403
    assert Process.objects.get(slug="bhh").title == "Bürgerhaushalt 2026"


def test_editors_find_the_set_up_from_the_list_and_the_process(editor, client, alpha):
    make_process(alpha, slug="bhh")
    listing = editor.get(f"{BASE}/").content.decode()
    for url in ("new/", "surveys/new/", "pulse/new/", "assemblies/new/"):
        assert f'href="{BASE}/{url}"' in listing
    assert f'href="{BASE}/bhh/setup/"' in editor.get(f"{BASE}/bhh/").content.decode()


def survey_form(**questions) -> dict:
    now = timezone.now()
    data = {"title": "Wie kommen Sie in die Innenstadt?", "slug": "innenstadt", "opens_at": local(now),
            "closes_at": local(now + timedelta(days=30)), "anonymous": "on", "published": "on",
            "q-TOTAL_FORMS": "8", "q-INITIAL_FORMS": "0", "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "8"}  # fmt: skip
    for k in range(8):
        data[f"q-{k}-kind"] = "likert"
    data.update(questions)
    return data


def test_an_editor_creates_a_survey_on_the_page(editor):
    created = editor.post(f"{BASE}/surveys/new/", survey_form(**{
        "q-0-kind": "single", "q-0-text": "Womit kommen Sie meistens?", "q-0-choices": "Rad\nBus\n\nAuto",
        "q-0-required": "on", "q-1-kind": "likert", "q-1-text": "Die Innenstadt ist gut erreichbar.",
        "q-2-kind": "text", "q-2-text": "Was fehlt Ihnen?"}))  # fmt: skip
    assert created.status_code == 302 and created["Location"] == f"{BASE}/surveys/innenstadt/"
    survey = Survey.objects.get()
    questions = list(survey.questions.order_by("position"))
    assert [(q.kind, q.required) for q in questions] == [
        ("single", True),
        ("likert", False),
        ("text", False),
    ]
    assert questions[0].choices == ["Rad", "Bus", "Auto"]
    assert "Womit kommen Sie meistens?" in editor.get(created["Location"]).content.decode()


def test_survey_mistakes_are_named(editor):
    one_choice = editor.post(f"{BASE}/surveys/new/", survey_form(**{
        "q-0-kind": "single", "q-0-text": "Nur eine Wahl?", "q-0-choices": "Ja"}))  # fmt: skip
    assert one_choice.status_code == 422
    assert "mindestens zwei Antworten" in one_choice.content.decode()
    empty = editor.post(f"{BASE}/surveys/new/", survey_form())
    assert empty.status_code == 422 and "mindestens eine Frage" in empty.content.decode()
    assert not Survey.objects.exists()


def test_an_editor_starts_a_pulse_check_and_its_next_wave(editor):
    first = editor.post(f"{BASE}/pulse/new/", {"series": "lenkungskreis", "title": "Puls Q1",
                                              "opens": "2026-01-05", "days": "14"})  # fmt: skip
    assert first.status_code == 302 and first["Location"] == f"{BASE}/pulse/lenkungskreis/"
    trend = editor.get(first["Location"]).content.decode()
    assert f'href="{BASE}/pulse/lenkungskreis/new-wave/"' in trend
    second = editor.post(
        f"{BASE}/pulse/lenkungskreis/new-wave/",
        {"title": "Puls Q2", "opens": "2026-04-06", "days": "14"},
    )
    assert second.status_code == 302
    again = editor.post(
        f"{BASE}/pulse/lenkungskreis/new-wave/",
        {"title": "Puls Q2", "opens": "2026-04-06", "days": "14"},
    )
    assert again.status_code == 422
    assert list(Survey.objects.order_by("opens_at").values_list("slug", flat=True)) == [
        "lenkungskreis-2026-01-05", "lenkungskreis-2026-04-06"]  # fmt: skip


def test_an_editor_creates_a_citizens_assembly(editor):
    created = editor.post(f"{BASE}/assemblies/new/", {
        "title": "Bürgerrat Verkehr", "slug": "buergerrat-verkehr", "panel_size": "20",
        "shares": "Alter: 16-29 = 18 %; 30-64 = 58 %; 65+ = 24 %\nGeschlecht: weiblich = 0,51; männlich = 0,49"})  # fmt: skip
    assert created.status_code == 302
    assembly = Assembly.objects.get()
    assert assembly.shares == {"Alter": {"16-29": 18, "30-64": 58, "65+": 24},
                               "Geschlecht": {"weiblich": 0.51, "männlich": 0.49}}  # fmt: skip
    page = editor.get(created["Location"]).content.decode()
    assert "Bürgerrat Verkehr" in page and "65+" in page


def test_assembly_share_mistakes_name_the_line(editor):
    wrong = editor.post(f"{BASE}/assemblies/new/", {
        "title": "Bürgerrat", "slug": "br", "panel_size": "20",
        "shares": "Alter: jung = 40; alt = 60\nGeschlecht weiblich = 50"})  # fmt: skip
    assert wrong.status_code == 422 and "Zeile 2" in wrong.content.decode()
    assert not Assembly.objects.exists()


def test_a_budget_with_ballots_is_locked_in_the_service_too(voting, people):
    services.ballot_cast(budget=voting, user=people["verified"], projects=["1"])
    with pytest.raises(ValidationError):
        services.project_create(budget=voting, ref="99", title="Nachzügler", cost=1)


def test_make_budget_still_adds_projects_before_voting(alpha):
    budget = make_budget(make_process(alpha, slug="neu"))
    assert budget.projects.count() > 0


# --- The population shares parser ------------------------------------------------------

names = st.text(st.characters(blacklist_characters=":;=\n\r", blacklist_categories=("Cs", "Cc")),
                min_size=1, max_size=12).map(str.strip).filter(bool)  # fmt: skip
shares = st.dictionaries(
    names,
    st.dictionaries(names, st.integers(1, 10**6).map(lambda n: n / 1000), min_size=2, max_size=5),
    min_size=1,
    max_size=4,
)


@given(shares)
def test_shares_written_out_read_back_the_same(value):
    assert parse_shares(shares_text(value)) == value


@given(st.text(max_size=300))
def test_any_text_either_reads_as_shares_or_gets_a_clear_error(text):
    try:
        parsed = parse_shares(text)
    except ValidationError as exc:
        assert exc.messages and all(m for m in exc.messages)
    else:
        assert parsed and all(len(values) >= 2 for values in parsed.values())


def test_an_editor_extends_a_survey_but_cannot_unveil_the_answers(editor, alpha, people):
    from stadtkern.participation import surveys

    survey = surveys.survey_create(
        municipality=alpha, slug="innenstadt", title="Innenstadt", opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=6), questions=[{"kind": "likert", "text": "Gut erreichbar?"}],
    )  # fmt: skip
    url = f"{BASE}/surveys/innenstadt/edit/"
    assert f'href="{url}"' in editor.get(f"{BASE}/surveys/innenstadt/").content.decode()
    later = survey.closes_at + timedelta(days=14)
    form = {"title": "Innenstadt 2027", "opens_at": local(survey.opens_at), "closes_at": local(later),
            "anonymous": "on", "published": "on"}  # fmt: skip
    assert editor.post(url, form).status_code == 302
    survey.refresh_from_db()
    assert survey.title == "Innenstadt 2027" and local(survey.closes_at) == local(later)
    surveys.response_submit(survey=survey, user=None, answers={str(survey.questions.get().pk): 4})
    signed = editor.post(url, {k: v for k, v in form.items() if k != "anonymous"})
    assert (
        signed.status_code == 422
        and "Es haben bereits Menschen geantwortet" in signed.content.decode()
    )
    survey.refresh_from_db()
    assert survey.anonymous


def test_an_editor_changes_an_assemblys_shares_but_not_its_features_once_volunteered(
    editor, alpha, people
):
    from stadtkern.participation import assemblies

    assembly = assemblies.assembly_create(municipality=alpha, slug="br", title="Bürgerrat", panel_size=10,
                                          shares={"Alter": {"jung": 40, "alt": 60}})  # fmt: skip
    url = f"{BASE}/assemblies/br/edit/"
    page = editor.get(url).content.decode()
    assert f'href="{url}"' in editor.get(f"{BASE}/assemblies/br/").content.decode()
    assert "Alter: jung = 40; alt = 60" in page  # the shares as they are written
    assemblies.volunteer_register(
        assembly=assembly, name="Ada", contact="ada@example.org", features={"Alter": "jung"}
    )
    numbers = editor.post(
        url, {"title": "Bürgerrat", "panel_size": "12", "shares": "Alter: jung = 35; alt = 65"}
    )
    assert numbers.status_code == 302
    values = editor.post(
        url, {"title": "Bürgerrat", "panel_size": "12", "shares": "Alter: 16-39 = 35; 40+ = 65"}
    )
    assert values.status_code == 422
    assembly.refresh_from_db()
    assert assembly.shares == {"Alter": {"jung": 35, "alt": 65}} and assembly.panel_size == 12
    assemblies.assembly_announce_seed(
        assembly=assembly, user=people["editor"], seed="Lotto 21.11.2026"
    )
    seeded = editor.post(
        url, {"title": "Bürgerrat", "panel_size": "20", "shares": "Alter: jung = 35; alt = 65"}
    )
    assert seeded.status_code == 422
    assert "Die Quoten lassen sich nicht mehr ändern." in seeded.content.decode()
    assembly.refresh_from_db()
    assert assembly.panel_size == 12
