"""The plan: phases, work packages and milestones, dependencies, the baseline and RACI.
Every change that moves dates answers with the packages it pushed."""

from datetime import date
from typing import Annotated, Literal

from django.http import Http404
from ninja import Field, PatchDict, Router, Schema, Status
from pydantic import StrictInt

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, LongText, Position, Slug, Title

from .. import selectors
from ..models import Dependency, Phase, Responsibility, TeamMember, WorkPackage
from ..models.plans import MAX_DURATION
from ..services import plans
from .common import Input, changes, one, plain, project

router = Router()

Duration = Annotated[int, Field(ge=0, le=MAX_DURATION)]
Percent = Annotated[int, Field(ge=0, le=100)]


class PackageOut(Schema):
    id: int
    title: str
    description: str
    phase: int | None
    phase_title: str | None
    start: date
    duration: int
    finish: date
    milestone: bool
    done: int
    position: int
    slack: int
    critical: bool
    baseline_finish: date | None
    slip: int | None
    raci: dict[str, str]


class DependencyOut(Schema):
    id: int
    predecessor: int
    successor: int
    lag: int


class PhaseOut(Schema):
    id: int
    title: str
    position: int


class PlanOut(Schema):
    phases: list[PhaseOut]
    packages: list[PackageOut]
    dependencies: list[DependencyOut]
    finish: date | None
    baseline_at: str | None
    pushed: list[int] = []


def _plan(found, pushed=()) -> dict:
    plan = selectors.plan(found)
    raci: dict[int, dict[str, str]] = {}
    letters = Responsibility.objects.filter(package__project=found).values_list(
        "package_id", "member_id", "letter"
    )
    for package_id, member_id, letter in letters:
        raci.setdefault(package_id, {})[str(member_id)] = letter
    return {
        "phases": [plain(ph, ("id", "title", "position")) for ph in plan.phases],
        "dependencies": [plain(d, ("id", "predecessor", "successor", "lag")) for d in plan.dependencies],
        "packages": [{**plain(p, ("id", "title", "description", "phase", "start", "duration", "done", "position")),
                      "phase_title": p.phase.title if p.phase else None, "finish": p.finish,
                      "milestone": p.milestone, "slack": plan.schedule[p.pk].slack,
                      "critical": plan.schedule[p.pk].critical, "baseline_finish": p.baseline_finish,
                      "slip": p.slip, "raci": raci.get(p.pk, {})} for p in plan.packages],
        "finish": plan.finish,
        "baseline_at": found.baseline_at.isoformat() if found.baseline_at else None,
        "pushed": [p.pk for p in pushed],
    }  # fmt: skip


@router.get("/municipalities/{slug}/projects/{pk}/plan", response=PlanOut, auth=READ)
def plan_detail(request, slug: Slug, pk: Id):
    """The plan with each package's slack, the critical path (slack 0), the slip against
    the baseline and the RACI letters by team member id."""
    return _plan(project(request, slug, pk))


# --- phases ---


class PhaseIn(Input):
    title: Title
    position: Position = 0


@router.post(
    "/municipalities/{slug}/projects/{pk}/plan/phases", response={201: PhaseOut}, auth=WRITE
)
def phase_add(request, slug: Slug, pk: Id, payload: PhaseIn):
    phase = plans.phase_create(
        project=project(request, slug, pk, edit=True), user=request.auth, **payload.dict()
    )
    return Status(201, plain(phase, ("id", "title", "position")))


@router.patch(
    "/municipalities/{slug}/projects/{pk}/plan/phases/{phase}", response=PhaseOut, auth=WRITE
)
def phase_update(request, slug: Slug, pk: Id, phase: Id, payload: PatchDict[PhaseIn]):
    found = one(Phase.objects.filter(project=project(request, slug, pk, edit=True)), phase, "phase")
    updated = plans.phase_update(phase=found, user=request.auth, **changes(payload))
    return plain(updated, ("id", "title", "position"))


@router.delete(
    "/municipalities/{slug}/projects/{pk}/plan/phases/{phase}", response={204: None}, auth=WRITE
)
def phase_delete(request, slug: Slug, pk: Id, phase: Id):
    """Remove a phase; its packages stay, without a phase."""
    found = one(Phase.objects.filter(project=project(request, slug, pk, edit=True)), phase, "phase")
    plans.phase_delete(phase=found, user=request.auth)
    return Status(204, None)


# --- work packages and milestones ---


class PackageIn(Input):
    title: Title
    start: date
    duration: Duration
    description: LongText = ""
    phase: Id | None = None
    done: Percent = 0
    position: Position = 0


def _phase(found, fields: dict) -> dict:
    if fields.get("phase") is not None:
        fields["phase"] = one(Phase.objects.filter(project=found), fields["phase"], "phase")
    return fields


@router.post(
    "/municipalities/{slug}/projects/{pk}/plan/packages", response={201: PlanOut}, auth=WRITE
)
def package_add(request, slug: Slug, pk: Id, payload: PackageIn):
    """A work package, or a milestone with duration 0; answers with the whole plan."""
    found = project(request, slug, pk, edit=True)
    plans.package_create(project=found, user=request.auth, **_phase(found, payload.dict()))
    return Status(201, _plan(found))


@router.patch(
    "/municipalities/{slug}/projects/{pk}/plan/packages/{package}", response=PlanOut, auth=WRITE
)
def package_update(request, slug: Slug, pk: Id, package: Id, payload: PatchDict[PackageIn]):
    """Change a package; successors it now overlaps are pushed (``pushed`` names them), and
    a push past the project's end is refused as a whole."""
    found = project(request, slug, pk, edit=True)
    target = one(WorkPackage.objects.filter(project=found), package, "work package")
    _package, pushed = plans.package_update(package=target, user=request.auth,
                                            **_phase(found, changes(payload, nullable=("phase",))))  # fmt: skip
    return _plan(found, pushed)


@router.delete(
    "/municipalities/{slug}/projects/{pk}/plan/packages/{package}", response={204: None}, auth=WRITE
)
def package_delete(request, slug: Slug, pk: Id, package: Id):
    found = project(request, slug, pk, edit=True)
    plans.package_delete(package=one(WorkPackage.objects.filter(project=found), package, "work package"),
                         user=request.auth)  # fmt: skip
    return Status(204, None)


# --- dependencies, baseline, RACI ---


class DependencyIn(Input):
    predecessor: Id
    successor: Id
    lag: StrictInt = 0


@router.post(
    "/municipalities/{slug}/projects/{pk}/plan/dependencies", response={201: PlanOut}, auth=WRITE
)
def dependency_add(request, slug: Slug, pk: Id, payload: DependencyIn):
    """Add a finish-to-start dependency; successors are pushed, a cycle is refused (422)."""
    found = project(request, slug, pk, edit=True)
    packages = {p.pk: p for p in WorkPackage.objects.filter(project=found, pk__in=[payload.predecessor,
                                                                                    payload.successor])}  # fmt: skip
    if payload.predecessor not in packages or payload.successor not in packages:
        raise Http404("No such work package in this project.")
    _dependency, pushed = plans.dependency_add(predecessor=packages[payload.predecessor],
                                               successor=packages[payload.successor], user=request.auth,
                                               lag=payload.lag)  # fmt: skip
    return Status(201, _plan(found, pushed))


@router.delete("/municipalities/{slug}/projects/{pk}/plan/dependencies/{dependency}", response={204: None},
               auth=WRITE)  # fmt: skip
def dependency_remove(request, slug: Slug, pk: Id, dependency: Id):
    found = project(request, slug, pk, edit=True)
    target = one(Dependency.objects.filter(successor__project=found), dependency, "dependency")
    plans.dependency_remove(dependency=target, user=request.auth)
    return Status(204, None)


@router.post("/municipalities/{slug}/projects/{pk}/plan/baseline", response=PlanOut, auth=WRITE)
def baseline_take(request, slug: Slug, pk: Id):
    """Freeze today's plan as the baseline; later slips are measured against it."""
    found = plans.baseline_take(project=project(request, slug, pk, edit=True), user=request.auth)
    return _plan(found)


class RaciIn(Input):
    member: Id
    letter: Literal["R", "A", "C", "I", ""]


@router.put(
    "/municipalities/{slug}/projects/{pk}/plan/packages/{package}/raci",
    response=PlanOut,
    auth=WRITE,
)
def raci_set(request, slug: Slug, pk: Id, package: Id, payload: RaciIn):
    """A team member's letter on a package (an empty letter clears it); one person is
    accountable (A) for a package, no more."""
    found = project(request, slug, pk, edit=True)
    target = one(WorkPackage.objects.filter(project=found), package, "work package")
    member = one(TeamMember.objects.filter(project=found), payload.member, "team member")
    plans.responsibility_set(
        package=target, member=member, letter=payload.letter, user=request.auth
    )
    return _plan(found)
