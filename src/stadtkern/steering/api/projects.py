"""Programmes, the portfolio, projects, their teams and status reports."""

from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import PatchDict, Router, Schema, Status
from pydantic import StrictBool

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, LongText, OptionalTitle, Position, Slug, Title, text
from stadtkern.strategy.models import Measure

from .. import rules, selectors
from ..models import Programme, TeamMember
from ..services import programmes, projects
from .common import Input, changes, internal, one, person, plain, project

router = Router()

Light = Literal["green", "yellow", "red"]
ProgrammeKind = Literal["smart_city", "isek", "climate", "digital", "funding", "other"]
ProgrammeStatus = Literal["planned", "active", "paused", "closed"]
Design = Literal["waterfall", "hybrid", "agile"]

# --- programmes ---


class ProgrammeOut(Schema):
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    kind: str
    status: str
    owner: int | None
    start: date | None
    end: date | None
    published: bool
    position: int
    goals: list[int]
    measures: list[int]


class ProgrammeIn(Input):
    title: Title
    slug: text(50) = ""
    title_en: OptionalTitle = ""
    description: text(5000) = ""
    description_en: text(5000) = ""
    kind: ProgrammeKind = "smart_city"
    status: ProgrammeStatus = "active"
    owner: Id | None = None
    start: date | None = None
    end: date | None = None
    published: StrictBool = False
    position: Position = 0
    goals: list[Id] = []
    measures: list[Id] = []


PROGRAMME_OUT = ("slug", "title", "title_en", "description", "description_en", "kind", "status",
                 "owner", "start", "end", "published", "position")  # fmt: skip


def _programme(p: Programme, *, team: bool = True) -> dict:
    """Visitors see the published goals and measures a programme names, and not its owner."""
    out = {**plain(p, PROGRAMME_OUT), "goals": [g.pk for g in p.goals.all() if team or g.published],
           "measures": [m.pk for m in p.measures.all() if team or m.published]}  # fmt: skip
    if not team:
        out["owner"] = None
    return out


@router.get("/municipalities/{slug}/programmes", response=list[ProgrammeOut], auth=READ)
def programme_list(request, slug: Slug):
    """The programmes the caller may see (visitors: the published ones)."""
    municipality = municipality_get(slug)
    team = rules.can_view_internals(request.auth, municipality)
    items = selectors.programme_list(request.auth, municipality)
    return [_programme(p, team=team) for p in items.prefetch_related("goals", "measures")]


@router.post("/municipalities/{slug}/programmes", response={201: ProgrammeOut}, auth=WRITE)
def programme_create(request, slug: Slug, payload: ProgrammeIn):
    municipality = internal(request, slug, edit=True)
    fields = payload.dict()
    fields["owner"] = person(municipality, fields["owner"], "owner")
    return Status(201, _programme(programmes.programme_create(municipality=municipality, user=request.auth,
                                                              **fields)))  # fmt: skip


def _programme_of(request, slug, programme):
    municipality = internal(request, slug, edit=True)
    return municipality, get_object_or_404(Programme, municipality=municipality, slug=programme)


@router.patch("/municipalities/{slug}/programmes/{programme}", response=ProgrammeOut, auth=WRITE)
def programme_update(request, slug: Slug, programme: Slug, payload: PatchDict[ProgrammeIn]):
    """Change a programme; ``goals`` and ``measures`` replace the lists they name."""
    municipality, found = _programme_of(request, slug, programme)
    fields = changes(payload, nullable=("owner", "start", "end"))
    if "owner" in fields:
        fields["owner"] = person(municipality, fields["owner"], "owner")
    return _programme(programmes.programme_update(programme=found, user=request.auth, **fields))


@router.delete("/municipalities/{slug}/programmes/{programme}", response={204: None}, auth=WRITE)
def programme_delete(request, slug: Slug, programme: Slug):
    """Remove a programme; its goals, measures and projects stay."""
    _municipality, found = _programme_of(request, slug, programme)
    programmes.programme_delete(programme=found, user=request.auth)
    return Status(204, None)


# --- projects ---


class ReportOut(Schema):
    id: int
    period_end: date
    scope: str
    time: str
    money: str
    overall: str
    text: str
    trend: dict[str, str]


class ProjectOut(Schema):
    id: int
    measure: int
    title: str
    design: str
    department: str
    start: date
    end: date
    published: bool
    lead: int | None = None
    risk_threshold: int | None = None
    pulse_series: str | None = None
    own_funds: str | None = None
    latest_report: ReportOut | None = None


def _report(report, trend) -> dict | None:
    if report is None:
        return None
    return {**plain(report, ("id", "period_end", "scope", "time", "money", "overall", "text")),
            "trend": trend or {}}  # fmt: skip


def _project(p, *, team: bool, report=None, trend=None) -> dict:
    out = {
        **plain(p, ("id", "measure", "design", "department", "start", "end", "published")),
        "title": p.title,
    }
    if team:  # who leads it, its money and reports: for the team
        out.update(plain(p, ("lead", "risk_threshold", "pulse_series")), latest_report=_report(report, trend),
                   own_funds=None if p.own_funds is None else str(p.own_funds))  # fmt: skip
    return out


@router.get("/municipalities/{slug}/projects", response=list[ProjectOut], auth=READ)
def project_list(request, slug: Slug, programme: text(50) = "", field: Id | None = None, goal: Id | None = None,
                 department: text(200) = "", status: Literal["green", "yellow", "red", "none", ""] = ""):  # fmt: skip
    """The portfolio: every project the caller may see, with its latest report for members."""
    municipality = municipality_get(slug)
    filters = selectors.Filters(
        programme=programme, field=field, goal=goal, department=department, status=status
    )
    team = rules.can_view_internals(request.auth, municipality)
    return [_project(r.project, team=team, report=r.report, trend=r.trend)
            for r in selectors.portfolio(request.auth, municipality, filters)]  # fmt: skip


@router.get("/municipalities/{slug}/projects/{pk}", response=ProjectOut, auth=READ)
def project_detail(request, slug: Slug, pk: Id):
    found = project(request, slug, pk, team=False)
    team = rules.can_view_internals(request.auth, found.municipality)
    latest = selectors.reports(found)[:1] if team else []
    return _project(found, team=team, report=latest[0] if latest else None,
                    trend=latest[0].trend if latest else None)  # fmt: skip


class ProjectIn(Input):
    measure: Id
    start: date
    end: date
    design: Design = "hybrid"
    lead: Id | None = None
    department: text(200) = ""
    published: StrictBool = False
    pulse_series: text(80) = ""


class ProjectChange(Input):
    start: date
    end: date
    design: Design
    lead: Id | None = None
    department: text(200)
    published: StrictBool
    pulse_series: text(80)


@router.post("/municipalities/{slug}/projects", response={201: ProjectOut}, auth=WRITE)
def project_create(request, slug: Slug, payload: ProjectIn):
    """Make a measure of this municipality a project (one per measure)."""
    municipality = internal(request, slug, edit=True)
    fields = payload.dict(exclude_unset=True)
    measure = one(
        Measure.objects.filter(municipality=municipality), fields.pop("measure"), "measure"
    )
    if "lead" in fields:
        fields["lead"] = person(municipality, fields["lead"], "lead")
    if not fields.get("department"):
        fields.pop("department", None)  # the measure's responsible unit
    created = projects.project_create(measure=measure, user=request.auth, **fields)
    return Status(201, _project(created, team=True))


@router.patch("/municipalities/{slug}/projects/{pk}", response=ProjectOut, auth=WRITE)
def project_update(request, slug: Slug, pk: Id, payload: PatchDict[ProjectChange]):
    found = project(request, slug, pk, edit=True)
    fields = changes(payload, nullable=("lead",))
    if "lead" in fields:
        fields["lead"] = person(found.municipality, fields["lead"], "lead")
    projects.project_update(project=found, user=request.auth, **fields)
    return project_detail(request, slug, pk)


@router.delete("/municipalities/{slug}/projects/{pk}", response={204: None}, auth=WRITE)
def project_delete(request, slug: Slug, pk: Id):
    """Remove the project with its plan, backlog, money and risks; the measure stays."""
    projects.project_delete(project=project(request, slug, pk, edit=True), user=request.auth)
    return Status(204, None)


# --- the team ---


class TeamMemberOut(Schema):
    id: int
    user: int | None
    name: str
    role: str


class TeamMemberIn(Input):
    user: Id | None = None
    name: OptionalTitle = ""
    role: OptionalTitle = ""


@router.get("/municipalities/{slug}/projects/{pk}/team", response=list[TeamMemberOut], auth=READ)
def team_list(request, slug: Slug, pk: Id):
    return [plain(m, ("id", "user", "name", "role")) for m in project(request, slug, pk).team.all()]


@router.post("/municipalities/{slug}/projects/{pk}/team", response={201: TeamMemberOut}, auth=WRITE)
def team_add(request, slug: Slug, pk: Id, payload: TeamMemberIn):
    """Someone on the team: a member of the municipality by ``user``, or an outsider by
    ``name``."""
    found = project(request, slug, pk, edit=True)
    added = projects.team_member_add(project=found, user=request.auth, name=payload.name, role=payload.role,
                                     person=person(found.municipality, payload.user, "user"))  # fmt: skip
    return Status(201, plain(added, ("id", "user", "name", "role")))


@router.delete(
    "/municipalities/{slug}/projects/{pk}/team/{member}", response={204: None}, auth=WRITE
)
def team_remove(request, slug: Slug, pk: Id, member: Id):
    found = project(request, slug, pk, edit=True)
    team_member = one(TeamMember.objects.filter(project=found), member, "team member")
    projects.team_member_remove(team_member=team_member, user=request.auth)
    return Status(204, None)


# --- status reports ---


class ReportIn(Input):
    period_end: date
    scope: Light
    time: Light
    money: Light
    overall: Light
    text: LongText = ""


@router.get("/municipalities/{slug}/projects/{pk}/reports", response=list[ReportOut], auth=READ)
def report_list(request, slug: Slug, pk: Id):
    """The reports, newest first, each with its trend against the one before."""
    return [_report(r, r.trend) for r in selectors.reports(project(request, slug, pk))]


@router.post("/municipalities/{slug}/projects/{pk}/reports", response={201: ReportOut}, auth=WRITE)
def report_create(request, slug: Slug, pk: Id, payload: ReportIn):
    found = project(request, slug, pk, edit=True)
    projects.report_create(project=found, user=request.auth, **payload.dict())
    created = next(r for r in selectors.reports(found) if r.period_end == payload.period_end)
    return Status(201, _report(created, created.trend))
