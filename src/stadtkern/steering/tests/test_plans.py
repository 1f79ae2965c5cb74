"""The plan through its services: scheduling pushes, cycles, dates outside the project,
baseline and slip, RACI, reports; every refusal names its field and saves nothing."""

import pytest
from django.core.exceptions import ValidationError

from stadtkern.core.models import AuditEntry
from stadtkern.steering.models import Dependency, TeamMember, WorkPackage
from stadtkern.steering.services import plans, projects

from .factories import day, make_project, package

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alpha, personas):
    return make_project(alpha, user=personas["editor"], lead=personas["editor"])


def _starts(project) -> dict:
    return dict(WorkPackage.objects.filter(project=project).values_list("title", "start"))


def test_a_dependency_pushes_the_successor_and_its_successors_and_audits_the_moves(
    project, personas
):
    editor = personas["editor"]
    design = package(project, "Konzept", 0, 10)
    build = package(project, "Umsetzung", 5, 20)
    done = package(project, "Abnahme", 26, 0)
    plans.dependency_add(predecessor=build, successor=done, user=editor)
    _dep, moved = plans.dependency_add(predecessor=design, successor=build, user=editor, lag=2)
    assert {p.title for p in moved} == {"Umsetzung", "Abnahme"}
    assert _starts(project) == {"Konzept": day(0), "Umsetzung": day(12), "Abnahme": day(32)}
    pushed = AuditEntry.objects.filter(object_type="workpackage", action="update")
    assert pushed.count() == 2 and all(e.user == editor for e in pushed)
    # Moving the first package back does not pull the others along.
    plans.package_update(package=design, user=editor, start=day(0), duration=5)
    assert _starts(project)["Umsetzung"] == day(12)


def test_a_cycle_is_refused_naming_its_packages_and_nothing_moves(project):
    a, b, c = (package(project, t, 10 * i, 5) for i, t in enumerate("ABC"))
    plans.dependency_add(predecessor=a, successor=b, user=None)
    plans.dependency_add(predecessor=b, successor=c, user=None)
    before = _starts(project)
    with pytest.raises(ValidationError) as caught:
        plans.dependency_add(predecessor=c, successor=a, user=None, lag=30)
    assert "predecessor" in caught.value.message_dict
    message = caught.value.message_dict["predecessor"][0]
    assert any(loop in message for loop in ("A → B → C → A", "B → C → A → B", "C → A → B → C"))
    assert _starts(project) == before and Dependency.objects.count() == 2


def test_a_push_past_the_projects_end_is_refused_as_a_whole(alpha):
    project = make_project(alpha, length=40)
    a = package(project, "Lang", 0, 30)
    b = package(project, "Danach", 20, 15)
    c = package(project, "Ende", 36, 0)
    plans.dependency_add(predecessor=b, successor=c, user=None)
    with pytest.raises(ValidationError) as caught:
        plans.dependency_add(predecessor=a, successor=b, user=None)
    assert "Danach" in caught.value.messages[0] and "Ende" in caught.value.messages[0]
    assert _starts(project)["Danach"] == day(20) and Dependency.objects.count() == 1


@pytest.mark.parametrize(("start", "duration", "field"), [(-1, 3, "start"), (360, 10, "duration"),
                                                          (366, 0, "start")])  # fmt: skip
def test_a_package_or_milestone_outside_its_project_names_the_field(
    project, start, duration, field
):
    with pytest.raises(ValidationError) as caught:
        package(project, "Außerhalb", start, duration)
    assert field in caught.value.message_dict
    assert not WorkPackage.objects.exists()


def test_a_phase_of_another_project_and_a_dependency_across_projects_are_refused(alpha, project):
    other = make_project(alpha, "Anderes Projekt")
    phase = plans.phase_create(project=other, user=None, title="Fremd")
    with pytest.raises(ValidationError) as caught:
        package(project, "X", 0, 3, phase=phase)
    assert "phase" in caught.value.message_dict
    mine, theirs = package(project, "Mein", 0, 3), package(other, "Fremd", 0, 3)
    with pytest.raises(ValidationError):
        plans.dependency_add(predecessor=theirs, successor=mine, user=None)


def test_baseline_then_slip_in_days(project):
    a = package(project, "Konzept", 0, 10)
    m = package(project, "Meilenstein", 10, 0)
    plans.dependency_add(predecessor=a, successor=m, user=None)
    plans.baseline_take(project=project, user=None)
    plans.package_update(package=a, user=None, duration=17)
    m.refresh_from_db()
    assert m.baseline_start == day(10) and m.start == day(17) and m.slip == 7
    project.refresh_from_db()
    assert project.baseline_at is not None


def test_one_person_is_accountable_per_package(project, personas):
    wp = package(project, "Konzept", 0, 10)
    lead = TeamMember.objects.get(project=project)
    other = projects.team_member_add(project=project, user=None, name="Beraterin", role="Extern")
    plans.responsibility_set(package=wp, member=lead, letter="A", user=None)
    with pytest.raises(ValidationError) as caught:
        plans.responsibility_set(package=wp, member=other, letter="A", user=None)
    assert "letter" in caught.value.message_dict
    plans.responsibility_set(package=wp, member=other, letter="R", user=None)
    assert sorted(wp.raci.values_list("letter", flat=True)) == ["A", "R"]


def test_project_dates_cannot_cut_off_its_packages(project):
    package(project, "Spät", 300, 30)
    with pytest.raises(ValidationError) as caught:
        projects.project_update(project=project, user=None, end=day(200))
    assert "end" in caught.value.message_dict and "Spät" in caught.value.messages[0]
    project.refresh_from_db()
    assert project.end == day(365)


def test_one_project_per_measure_and_the_lead_must_be_a_member(alpha, personas, project):
    with pytest.raises(ValidationError) as caught:
        projects.project_create(measure=project.measure, user=None, start=day(0), end=day(1))
    assert "measure" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_project(alpha, "Fremdleitung", lead=personas["other_editor"])
    assert "lead" in caught.value.message_dict


def test_reports_one_a_day_none_from_the_future(project):
    from django.utils import timezone

    today = timezone.localdate()
    projects.report_create(project=project, user=None, period_end=today, scope="green",
                           time="yellow", money="green", overall="yellow")  # fmt: skip
    for when in (today, today.replace(year=today.year + 1)):
        with pytest.raises(ValidationError) as caught:
            projects.report_create(project=project, user=None, period_end=when, scope="green",
                                   time="green", money="green", overall="green")  # fmt: skip
        assert "period_end" in caught.value.message_dict
