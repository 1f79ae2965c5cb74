"""JSON API of steering: programmes, the portfolio, a project with its plan (schedule and
critical path), backlog, reports, risks and money, the funding catalogue, stakeholders and
meetings; writes for the board move, status reports, dependencies, risks and approval.

Every read is the JSON twin of a page and uses the same selector. Internal parts (reports,
plans, money, risks, people, minutes) are for the municipality's members; visitors see
published projects and their milestones. A stale board move or a change to approved
minutes is a conflict (409), a broken rule a 422 naming the field.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import StrictInt

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, LongText, Slug, Title, text

from . import rules, selectors
from .models import BacklogItem, FundingProgramme, Meeting, MeetingSeries, WorkPackage
from .services import backlog, meetings, money, plans, projects, risks

router = Router(tags=["steering"])

Light = Literal["green", "yellow", "red"]


def _internal(request, slug: str, *, edit: bool = False):
    municipality = municipality_get(slug)
    allowed = rules.can_edit_steering if edit else rules.can_view_internals
    if not allowed(request.auth, municipality):
        raise PermissionDenied("Only the municipality's team may see this." if not edit
                               else "Only editors and administrators of this municipality may do this.")  # fmt: skip
    return municipality


def _project(request, slug: str, pk: int, *, edit: bool = False, internal: bool = True):
    municipality = (
        _internal(request, slug, edit=edit) if internal or edit else municipality_get(slug)
    )
    return selectors.project_get(request.auth, municipality, pk)


class ProgrammeOut(Schema):
    slug: str
    title: str
    title_en: str
    kind: str
    status: str
    start: date | None
    end: date | None
    published: bool
    goals: list[int]
    measures: list[int]


@router.get("/municipalities/{slug}/programmes", response=list[ProgrammeOut], auth=READ)
def programme_list(request, slug: Slug):
    municipality = municipality_get(slug)
    items = selectors.programme_list(request.auth, municipality).prefetch_related(
        "goals", "measures"
    )
    return [{**{f: getattr(p, f) for f in ("slug", "title", "title_en", "kind", "status", "start", "end",
                                           "published")},
             "goals": [g.pk for g in p.goals.all()], "measures": [m.pk for m in p.measures.all()]} for p in items]  # fmt: skip


class ReportOut(Schema):
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
    latest_report: ReportOut | None = None


def _report(report, trend) -> dict | None:
    if report is None:
        return None
    return {"period_end": report.period_end, "scope": report.scope, "time": report.time, "money": report.money,
            "overall": report.overall, "text": report.text, "trend": trend}  # fmt: skip


def _project_out(p, report=None, trend=None, internal=False) -> dict:
    out = {"id": p.pk, "measure": p.measure_id, "title": p.title, "design": p.design, "department": p.department,
           "start": p.start, "end": p.end, "published": p.published}  # fmt: skip
    if internal:
        out["latest_report"] = _report(report, trend or {})
    return out


@router.get("/municipalities/{slug}/projects", response=list[ProjectOut], auth=READ)
def project_list(request, slug: Slug, programme: text(50) = "", field: Id | None = None, goal: Id | None = None,
                 department: text(200) = "", status: Literal["green", "yellow", "red", "none", ""] = ""):  # fmt: skip
    """The portfolio: every project the caller may see, with its latest report for members."""
    municipality = municipality_get(slug)
    filters = selectors.Filters(
        programme=programme, field=field, goal=goal, department=department, status=status
    )
    internal = rules.can_view_internals(request.auth, municipality)
    return [_project_out(r.project, r.report, r.trend, internal)
            for r in selectors.portfolio(request.auth, municipality, filters)]  # fmt: skip


class PackageOut(Schema):
    id: int
    title: str
    phase: str | None
    start: date
    finish: date
    milestone: bool
    done: int
    slack: int
    critical: bool
    baseline_finish: date | None
    slip: int | None


class DependencyOut(Schema):
    id: int
    predecessor: int
    successor: int
    lag: int


class PlanOut(Schema):
    packages: list[PackageOut]
    dependencies: list[DependencyOut]
    finish: date | None


@router.get("/municipalities/{slug}/projects/{pk}/plan", response=PlanOut, auth=READ)
def plan_detail(request, slug: Slug, pk: Id):
    """The plan with each package's slack and the critical path (slack 0)."""
    project = _project(request, slug, pk)
    plan = selectors.plan(project)
    return {"finish": plan.finish, "dependencies": [
        {"id": d.pk, "predecessor": d.predecessor_id, "successor": d.successor_id, "lag": d.lag}
        for d in plan.dependencies], "packages": [
        {"id": p.pk, "title": p.title, "phase": p.phase.title if p.phase else None, "start": p.start,
         "finish": p.finish, "milestone": p.milestone, "done": p.done, "slack": plan.schedule[p.pk].slack,
         "critical": plan.schedule[p.pk].critical, "baseline_finish": p.baseline_finish, "slip": p.slip}
        for p in plan.packages]}  # fmt: skip


class DependencyIn(Schema):
    predecessor: Id
    successor: Id
    lag: StrictInt = 0


@router.post(
    "/municipalities/{slug}/projects/{pk}/plan/dependencies", response={201: PlanOut}, auth=WRITE
)
def dependency_add(request, slug: Slug, pk: Id, payload: DependencyIn):
    """Add a finish-to-start dependency; successors are pushed, a cycle is refused (422)."""
    project = _project(request, slug, pk, edit=True)
    found = {p.pk: p for p in WorkPackage.objects.filter(project=project, pk__in=[payload.predecessor,
                                                                                  payload.successor])}  # fmt: skip
    if payload.predecessor not in found or payload.successor not in found:
        raise Http404("No such work package in this project.")
    plans.dependency_add(predecessor=found[payload.predecessor], successor=found[payload.successor],
                         user=request.auth, lag=payload.lag)  # fmt: skip
    return Status(201, plan_detail(request, slug, pk))


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    estimate: int | None
    iteration: int | None
    assignee: int | None
    rank: int
    version: int


def _item(i) -> dict:
    return {"id": i.pk, "kind": i.kind, "title": i.title, "status": i.status, "estimate": i.estimate,
            "iteration": i.iteration_id, "assignee": i.assignee_id, "rank": i.rank, "version": i.version}  # fmt: skip


@router.get("/municipalities/{slug}/projects/{pk}/backlog", response=list[ItemOut], auth=READ)
def backlog_list(request, slug: Slug, pk: Id):
    """The backlog in priority order."""
    return [_item(i) for i in selectors.backlog(_project(request, slug, pk))]


class MoveIn(Schema):
    version: Id
    status: Literal["todo", "doing", "review", "done"] | None = None
    before: Id | None = None


@router.post(
    "/municipalities/{slug}/projects/{pk}/backlog/{item}/move", response=ItemOut, auth=WRITE
)
def backlog_move(request, slug: Slug, pk: Id, item: Id, payload: MoveIn):
    """Move an item to a column and before another item (or to the end of the column).
    ``version`` is the version the caller saw: a stale one is a conflict (409)."""
    project = _project(request, slug, pk, edit=True)
    found = BacklogItem.objects.filter(project=project, pk=item).first()
    before = (
        BacklogItem.objects.filter(project=project, pk=payload.before).first()
        if payload.before
        else None
    )
    if found is None or (payload.before and before is None):
        raise Http404("No such item in this backlog.")
    return _item(backlog.item_move(item=found, user=request.auth, version=payload.version, status=payload.status,
                                   before=before))  # fmt: skip


class ReportIn(Schema):
    period_end: date
    scope: Light
    time: Light
    money: Light
    overall: Light
    text: LongText = ""


@router.get("/municipalities/{slug}/projects/{pk}/reports", response=list[ReportOut], auth=READ)
def report_list(request, slug: Slug, pk: Id):
    return [_report(r, r.trend) for r in selectors.reports(_project(request, slug, pk))]


@router.post("/municipalities/{slug}/projects/{pk}/reports", response={201: ReportOut}, auth=WRITE)
def report_create(request, slug: Slug, pk: Id, payload: ReportIn):
    report = projects.report_create(project=_project(request, slug, pk, edit=True), user=request.auth,
                                    **payload.dict())  # fmt: skip
    return Status(201, _report(report, {}))


class RiskOut(Schema):
    id: int
    kind: str
    title: str
    probability: int
    impact: int
    score: int
    response: str
    review_on: date | None
    closed: bool
    high: bool


class RiskIn(Schema):
    kind: Literal["risk", "opportunity"] = "risk"
    title: Title
    probability: StrictInt
    impact: StrictInt
    response: Literal["avoid", "reduce", "transfer", "accept", "exploit", "enhance"]
    measures: LongText = ""
    review_on: date | None = None


def _risk(project, r) -> dict:
    return {"id": r.pk, "kind": r.kind, "title": r.title, "probability": r.probability, "impact": r.impact,
            "score": r.score, "response": r.response, "review_on": r.review_on, "closed": r.closed,
            "high": r.kind == "risk" and not r.closed and r.score >= project.risk_threshold}  # fmt: skip


@router.get("/municipalities/{slug}/projects/{pk}/risks", response=list[RiskOut], auth=READ)
def risk_list(request, slug: Slug, pk: Id):
    project = _project(request, slug, pk)
    return [_risk(project, r) for r in selectors.risks(project)]


@router.post("/municipalities/{slug}/projects/{pk}/risks", response={201: RiskOut}, auth=WRITE)
def risk_create(request, slug: Slug, pk: Id, payload: RiskIn):
    project = _project(request, slug, pk, edit=True)
    return Status(
        201, _risk(project, risks.risk_save(project=project, user=request.auth, **payload.dict()))
    )


class MoneyOut(Schema):
    budget: list[dict]
    applications: list[dict]
    own_funds: Decimal | None
    problems: list[dict]


@router.get("/municipalities/{slug}/projects/{pk}/money", response=MoneyOut, auth=READ)
def money_detail(request, slug: Slug, pk: Id):
    """Budget lines, applications and the rules the financing plan breaks."""
    project = _project(request, slug, pk)
    return {
        "budget": [{"year": b.year, "cost_type": b.cost_type, "planned": str(b.planned),
                    "forecast": None if b.forecast is None else str(b.forecast)} for b in project.budget.all()],
        "applications": [{"programme": a.programme.key, "status": a.status, "requested": str(a.requested),
                          "granted": None if a.granted is None else str(a.granted), "deadline": a.deadline}
                         for a in project.applications.select_related("programme")],
        "own_funds": project.own_funds,
        "problems": [{"field": p.field, "rule": p.rule, "message": p.message}
                     for p in money.financing_problems(project)],
    }  # fmt: skip


class FundingOut(Schema):
    key: str
    level: str
    funder: str
    title: str
    rate: Decimal
    min_own_share: Decimal
    eligible: list[str]
    deadline: date | None
    url: str
    collected_on: date


@router.get("/funding-programmes", response=list[FundingOut], auth=READ)
def funding_list(request):
    """The funding programmes shared by every municipality on the instance."""
    return list(FundingProgramme.objects.all())


class StakeholderOut(Schema):
    id: int
    name: str
    kind: str
    group: str
    influence: int
    interest: int
    attitude: str


@router.get("/municipalities/{slug}/stakeholders", response=list[StakeholderOut], auth=READ)
def stakeholder_list(request, slug: Slug):
    return selectors.stakeholders(_internal(request, slug))


class MeetingOut(Schema):
    id: int
    series: str
    held_on: date
    status: str
    version: int
    minutes: str
    agenda: list[dict]
    decisions: list[str]


def _meeting(request, slug, series_id, meeting_id, *, edit=False) -> Meeting:
    municipality = _internal(request, slug, edit=edit)
    meeting = Meeting.objects.filter(
        series__municipality=municipality, series_id=series_id, pk=meeting_id
    ).first()
    if (
        meeting is None
        or not MeetingSeries.objects.filter(pk=series_id, municipality=municipality).exists()
    ):
        raise Http404("No such meeting.")
    return meeting


def _meeting_out(m: Meeting) -> dict:
    return {"id": m.pk, "series": m.series.title, "held_on": m.held_on, "status": m.status, "version": m.version,
            "minutes": m.minutes, "decisions": [d.text for d in m.decisions.all()],
            "agenda": [{"section": i.section, "source": i.source, "title": i.title, "note": i.note}
                       for i in m.agenda.all()]}  # fmt: skip


@router.get("/municipalities/{slug}/meetings/{series}/{meeting}", response=MeetingOut, auth=READ)
def meeting_detail(request, slug: Slug, series: Id, meeting: Id):
    """A meeting with its agenda (strategic and operative), minutes and decisions."""
    return _meeting_out(_meeting(request, slug, series, meeting))


@router.post(
    "/municipalities/{slug}/meetings/{series}/{meeting}/approve", response=MeetingOut, auth=WRITE
)
def meeting_approve(request, slug: Slug, series: Id, meeting: Id):
    """Approve the minutes; approved minutes are fixed (a second approval is a conflict)."""
    return _meeting_out(meetings.meeting_approve(meeting=_meeting(request, slug, series, meeting, edit=True),
                                                 user=request.auth))  # fmt: skip
