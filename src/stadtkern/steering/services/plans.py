"""The plan: phases, work packages and milestones, dependencies, baseline and RACI.

Every change to dates or dependencies reschedules the project (scheduling.py): successors
a change would overlap are pushed later, never earlier, and the moves are in the audit
log. A change that would push a package past the project's end, or close a circle of
dependencies, is refused as a whole, naming the packages concerned.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import AuditEntry

from .. import scheduling
from ..models import Dependency, Phase, Project, Responsibility, TeamMember, WorkPackage
from ..models.plans import MAX_DURATION, MAX_LAG
from .common import bounded, delete, pick, save, shown

PACKAGE_FIELDS = ("title", "description", "phase", "start", "duration", "done", "position")


def locked(project: Project) -> Project:
    """The project's row, locked until the transaction ends: two editors changing the
    same plan wait for each other instead of scheduling on stale dates."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _tasks(project: Project):
    packages = {p.pk: p for p in WorkPackage.objects.filter(project=project)}
    edges = list(Dependency.objects.filter(successor__project=project)
                 .values_list("predecessor_id", "successor_id", "lag"))  # fmt: skip
    return packages, edges


def reschedule(project: Project, user, *, extra_edge: tuple | None = None) -> list[WorkPackage]:
    """Push packages that their predecessors now overlap; return those moved."""
    packages, edges = _tasks(project)
    if extra_edge is not None:
        edges.append(extra_edge)
    tasks = {pk: scheduling.Task(p.start.toordinal(), p.duration) for pk, p in packages.items()}
    try:
        result = scheduling.schedule(tasks, edges)
    except scheduling.CycleError as exc:
        names = " → ".join(packages[pk].title for pk in [*exc.members, exc.members[0]])
        raise ValidationError({"predecessor": _(
            "This dependency would close a circle: %(path)s.") % {"path": names}}) from None  # fmt: skip
    moved = []
    for pk, r in result.items():
        package = packages[pk]
        if r.start != package.start.toordinal():
            before = snapshot(package)
            package.start = date.fromordinal(r.start)
            moved.append((package, before))
    late = [p.title for p, _b in moved if p.finish > project.end]
    if late:
        raise ValidationError({"start": _(
            "Its successors would be pushed past the project's end (%(end)s): %(list)s. "
            "Extend the project or shorten the plan first."
        ) % {"end": shown(project.end), "list": ", ".join(late[:5])}})  # fmt: skip
    if moved:
        WorkPackage.objects.bulk_update([p for p, _b in moved], ["start"])
        AuditEntry.objects.bulk_create([AuditEntry(
            municipality=project.municipality, object_type="workpackage", object_id=p.pk,
            object_label=p.title[:300], action=AuditEntry.Action.UPDATE,
            user=user if getattr(user, "is_authenticated", False) else None,
            before=before, after=snapshot(p)) for p, before in moved])  # fmt: skip
    return [p for p, _b in moved]


def _inside(project: Project, package: WorkPackage) -> None:
    bounded(package.start, "start")  # before its finish is computed from it
    if package.duration is not None and package.duration > MAX_DURATION:
        raise ValidationError({"duration": _("At most %(n)s days.") % {"n": MAX_DURATION}})
    if package.start < project.start:
        raise ValidationError({"start": _(
            "This lies before the project's start (%(d)s).") % {"d": shown(project.start)}})  # fmt: skip
    if package.finish > project.end:
        field = "start" if package.milestone else "duration"
        raise ValidationError({field: _(
            "This lies after the project's end (%(d)s).") % {"d": shown(project.end)}})  # fmt: skip
    if package.phase_id is not None and package.phase.project_id != project.pk:
        raise ValidationError({"phase": _("Choose a phase of this project.")})


@transaction.atomic
def package_create(*, project: Project, user, title: str, start: date, duration: int,
                   **fields) -> WorkPackage:  # fmt: skip
    """A work package, or a milestone with duration 0."""
    pick(fields, PACKAGE_FIELDS)
    project = locked(project)
    package = WorkPackage(project=project, title=title, start=start, duration=duration, **fields)
    _inside(project, package)
    save(package, municipality=project.municipality, user=user, before=None)
    return package


@transaction.atomic
def package_update(*, package: WorkPackage, user, **changes) -> tuple[WorkPackage, list]:
    """Change a package; returns it and the successors its new dates pushed."""
    pick(changes, PACKAGE_FIELDS)
    project = locked(package.project)
    package = WorkPackage.objects.get(pk=package.pk)
    before = snapshot(package)
    for name, value in changes.items():
        setattr(package, name, value)
    _inside(project, package)
    save(package, municipality=project.municipality, user=user, before=before)
    return package, reschedule(project, user)


@transaction.atomic
def package_delete(*, package: WorkPackage, user) -> None:
    project = locked(package.project)
    delete(package, municipality=project.municipality, user=user)


@transaction.atomic
def dependency_add(*, predecessor: WorkPackage, successor: WorkPackage, user,
                   lag: int = 0) -> tuple[Dependency, list]:  # fmt: skip
    """``successor`` starts ``lag`` days after ``predecessor`` ends; returns the
    dependency and the packages it pushed."""
    if predecessor.project_id != successor.project_id:
        raise ValidationError({"predecessor": _("Both packages must belong to this project.")})
    if predecessor.pk == successor.pk:
        raise ValidationError({"predecessor": _("A package cannot wait for itself.")})
    if not -MAX_LAG <= lag <= MAX_LAG:
        raise ValidationError({"lag": _("Between -%(n)s and %(n)s days.") % {"n": MAX_LAG}})
    project = locked(successor.project)
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationError({"predecessor": _("This dependency exists already.")})
    # Checked before anything is written: a cycle names its packages, a push past the
    # end names the packages that would move; either way nothing changes.
    moved = reschedule(project, user, extra_edge=(predecessor.pk, successor.pk, lag))
    dependency = Dependency(predecessor=predecessor, successor=successor, lag=lag)
    save(dependency, municipality=project.municipality, user=user, before=None)
    return dependency, moved


@transaction.atomic
def dependency_remove(*, dependency: Dependency, user) -> None:
    project = locked(dependency.successor.project)
    delete(dependency, municipality=project.municipality, user=user)


@transaction.atomic
def baseline_take(*, project: Project, user) -> Project:
    """Freeze the current dates as the baseline, so later slips show against it."""
    project = locked(project)
    packages = list(WorkPackage.objects.filter(project=project))
    for p in packages:
        p.baseline_start, p.baseline_duration = p.start, p.duration
    WorkPackage.objects.bulk_update(packages, ["baseline_start", "baseline_duration"])
    before = snapshot(project)
    project.baseline_at = timezone.now()
    return save(project, municipality=project.municipality, user=user, before=before,
                exclude=("measure",))  # fmt: skip


@transaction.atomic
def phase_create(*, project: Project, user, title: str, position: int = 0) -> Phase:
    phase = Phase(project=project, title=title, position=position)
    return save(phase, municipality=project.municipality, user=user, before=None)


@transaction.atomic
def phase_update(*, phase: Phase, user, **changes) -> Phase:
    pick(changes, ("title", "position"))
    before = snapshot(phase)
    for name, value in changes.items():
        setattr(phase, name, value)
    return save(phase, municipality=phase.project.municipality, user=user, before=before)


@transaction.atomic
def phase_delete(*, phase: Phase, user) -> None:
    delete(phase, municipality=phase.project.municipality, user=user)


@transaction.atomic
def responsibility_set(*, package: WorkPackage, member: TeamMember, letter: str,
                       user) -> Responsibility | None:  # fmt: skip
    """Set (or with ``letter`` empty, clear) a team member's RACI role on a package."""
    if member.project_id != package.project_id:
        raise ValidationError({"member": _("Choose a member of this project's team.")})
    project = locked(package.project)
    current = Responsibility.objects.filter(package=package, member=member).first()
    if not letter:
        if current is not None:
            delete(current, municipality=project.municipality, user=user)
        return None
    if letter not in Responsibility.Letter.values:
        raise ValidationError({"letter": _("Choose R, A, C or I.")})
    other = Responsibility.objects.filter(package=package, letter="A").exclude(member=member)
    if letter == "A" and other.exists():
        raise ValidationError({"letter": _(
            "%(n)s is already accountable for this package: one person is, no more."
        ) % {"n": other.first().member.name}})  # fmt: skip
    before = snapshot(current) if current is not None else None
    responsibility = current or Responsibility(package=package, member=member)
    responsibility.letter = letter
    return save(responsibility, municipality=project.municipality, user=user, before=before,
                exclude=("package", "member"))  # fmt: skip
