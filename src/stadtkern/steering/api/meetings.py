"""Jour fixe and steering meetings: series, meetings with the agenda that assembles
itself, minutes, decisions and action items, approval and corrections. Approved minutes
are fixed: a write to them is a conflict (409) that says to correct them as a new
version. For the municipality's team only."""

from datetime import date
from typing import Literal

from ninja import PatchDict, Router, Schema, Status
from pydantic import StrictBool

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, Slug, Title
from stadtkern.core.types import text as sized

from ..models import ActionItem, Meeting, MeetingSeries, Programme, Project
from ..services import meetings
from .common import Input, changes, internal, one, person, plain

router = Router()

SERIES_OUT = ("id", "title", "kind", "project", "programme", "cadence", "chair")


class SeriesOut(Schema):
    id: int
    title: str
    kind: str
    project: int | None
    programme: int | None
    cadence: str
    chair: int | None
    meetings: list[dict]


class SeriesIn(Input):
    title: Title
    kind: Literal["jour_fixe", "steering"] = "jour_fixe"
    project: Id | None = None
    programme: sized(50) = ""
    cadence: sized(100) = ""
    chair: Id | None = None


class SeriesChange(Input):
    title: Title
    cadence: sized(100)
    chair: Id | None = None


def _series(s: MeetingSeries) -> dict:
    return {**plain(s, SERIES_OUT), "meetings": [
        {"id": m.pk, "held_on": m.held_on, "status": m.status, "version": m.version} for m in s.meetings.all()]}  # fmt: skip


@router.get("/municipalities/{slug}/meetings", response=list[SeriesOut], auth=READ)
def series_list(request, slug: Slug):
    """Every series with its meetings (newest first, every version)."""
    municipality = internal(request, slug)
    return [
        _series(s)
        for s in MeetingSeries.objects.filter(municipality=municipality).prefetch_related(
            "meetings"
        )
    ]


@router.post("/municipalities/{slug}/meetings", response={201: SeriesOut}, auth=WRITE)
def series_create(request, slug: Slug, payload: SeriesIn):
    """A series for one project, one programme (by its short name), or all projects."""
    municipality = internal(request, slug, edit=True)
    fields = payload.dict()
    if fields["project"] is not None:
        fields["project"] = one(
            Project.objects.filter(municipality=municipality), fields["project"], "project"
        )
    if fields["programme"]:
        mine = Programme.objects.filter(municipality=municipality)
        fields["programme"] = one(mine, fields["programme"], "programme", field="slug")
    else:
        fields["programme"] = None
    fields["chair"] = person(municipality, fields["chair"], "chair")
    return Status(
        201, _series(meetings.series_create(municipality=municipality, user=request.auth, **fields))
    )


@router.patch("/municipalities/{slug}/meetings/{series}", response=SeriesOut, auth=WRITE)
def series_update(request, slug: Slug, series: Id, payload: PatchDict[SeriesChange]):
    """A new title, cadence or chair; what the series steers stays."""
    municipality = internal(request, slug, edit=True)
    target = one(MeetingSeries.objects.filter(municipality=municipality), series, "meeting series")
    fields = changes(payload, nullable=("chair",))
    if "chair" in fields:
        fields["chair"] = person(municipality, fields["chair"], "chair")
    return _series(meetings.series_update(series=target, user=request.auth, **fields))


# --- meetings ---


class AgendaOut(Schema):
    id: int
    section: str
    source: str
    project: int | None
    title: str
    note: str


class DecisionOut(Schema):
    id: int
    text: str
    project: int | None


class ActionOut(Schema):
    id: int
    title: str
    owner: int | None
    due_on: date | None
    done: bool
    project: int | None
    backlog_item: int | None
    package: int | None


class MeetingOut(Schema):
    id: int
    series: str
    held_on: date
    status: str
    version: int
    corrects: int | None
    minutes: str
    attendees: str
    agenda: list[AgendaOut]
    decisions: list[DecisionOut]
    actions: list[ActionOut]


ACTION_OUT = ("id", "title", "owner", "due_on", "done", "project", "backlog_item", "package")


def _meeting(request, slug, series_id, meeting_id, *, edit=False) -> Meeting:
    municipality = internal(request, slug, edit=edit)
    mine = Meeting.objects.filter(series__municipality=municipality, series_id=series_id)
    return one(mine.select_related("series"), meeting_id, "meeting")


def _meeting_out(m: Meeting) -> dict:
    return {**plain(m, ("id", "held_on", "status", "version", "corrects", "minutes", "attendees")),
            "series": m.series.title,
            "agenda": [plain(i, ("id", "section", "source", "project", "title", "note")) for i in m.agenda.all()],
            "decisions": [plain(d, ("id", "text", "project")) for d in m.decisions.all()],
            "actions": [plain(a, ACTION_OUT) for a in m.actions.all()]}  # fmt: skip


class MeetingIn(Input):
    held_on: date


@router.post("/municipalities/{slug}/meetings/{series}", response={201: MeetingOut}, auth=WRITE)
def meeting_create(request, slug: Slug, series: Id, payload: MeetingIn):
    """A meeting on ``held_on`` with its agenda assembled: open action items, risks due for
    review, red status reports and milestones due, strategic and operative."""
    municipality = internal(request, slug, edit=True)
    target = one(MeetingSeries.objects.filter(municipality=municipality), series, "meeting series")
    return Status(201, _meeting_out(meetings.meeting_create(series=target, user=request.auth,
                                                            held_on=payload.held_on)))  # fmt: skip


@router.get("/municipalities/{slug}/meetings/{series}/{meeting}", response=MeetingOut, auth=READ)
def meeting_detail(request, slug: Slug, series: Id, meeting: Id):
    """A meeting with its agenda (strategic and operative), minutes, decisions and actions."""
    return _meeting_out(_meeting(request, slug, series, meeting))


@router.delete(
    "/municipalities/{slug}/meetings/{series}/{meeting}", response={204: None}, auth=WRITE
)
def meeting_delete(request, slug: Slug, series: Id, meeting: Id):
    """A meeting that did not take place; approved minutes and their corrections stay."""
    meetings.meeting_delete(
        meeting=_meeting(request, slug, series, meeting, edit=True), user=request.auth
    )
    return Status(204, None)


class MinutesIn(Input):
    minutes: sized(20000) = ""
    attendees: sized(2000) = ""
    notes: dict[int, sized(5000)] = {}


@router.put(
    "/municipalities/{slug}/meetings/{series}/{meeting}/minutes", response=MeetingOut, auth=WRITE
)
def minutes_save(request, slug: Slug, series: Id, meeting: Id, payload: MinutesIn):
    """The minutes, the attendees and a note per agenda item (by its id)."""
    target = _meeting(request, slug, series, meeting, edit=True)
    return _meeting_out(meetings.minutes_save(meeting=target, user=request.auth, **payload.dict()))


class AgendaIn(Input):
    title: sized(300, 1)
    section: Literal["strategic", "operative"] = "operative"


@router.post("/municipalities/{slug}/meetings/{series}/{meeting}/agenda", response={201: MeetingOut},
             auth=WRITE)  # fmt: skip
def agenda_add(request, slug: Slug, series: Id, meeting: Id, payload: AgendaIn):
    target = _meeting(request, slug, series, meeting, edit=True)
    meetings.agenda_add(meeting=target, user=request.auth, **payload.dict())
    return Status(201, _meeting_out(target))


def _scoped_project(target: Meeting, project_id):
    if project_id is None:
        return None
    return one(
        Project.objects.filter(municipality=target.series.municipality), project_id, "project"
    )


class DecisionIn(Input):
    text: sized(2000, 1)
    project: Id | None = None


@router.post("/municipalities/{slug}/meetings/{series}/{meeting}/decisions", response={201: MeetingOut},
             auth=WRITE)  # fmt: skip
def decision_add(request, slug: Slug, series: Id, meeting: Id, payload: DecisionIn):
    target = _meeting(request, slug, series, meeting, edit=True)
    meetings.decision_add(meeting=target, user=request.auth, text=payload.text,
                          project=_scoped_project(target, payload.project))  # fmt: skip
    return Status(201, _meeting_out(target))


class ActionIn(Input):
    title: sized(300, 1)
    owner: Id | None = None
    due_on: date | None = None
    project: Id | None = None


@router.post("/municipalities/{slug}/meetings/{series}/{meeting}/actions", response={201: MeetingOut},
             auth=WRITE)  # fmt: skip
def action_add(request, slug: Slug, series: Id, meeting: Id, payload: ActionIn):
    """An action item: owner (a member), due date and the project it belongs to."""
    target = _meeting(request, slug, series, meeting, edit=True)
    meetings.action_add(meeting=target, user=request.auth, title=payload.title, due_on=payload.due_on,
                        owner=person(target.series.municipality, payload.owner, "owner"),
                        project=_scoped_project(target, payload.project))  # fmt: skip
    return Status(201, _meeting_out(target))


def _action(request, slug, series, meeting, action) -> ActionItem:
    target = _meeting(request, slug, series, meeting, edit=True)
    return one(ActionItem.objects.filter(meeting=target), action, "action item")


class ActionChange(Input):
    done: StrictBool


@router.patch("/municipalities/{slug}/meetings/{series}/{meeting}/actions/{action}", response=ActionOut,
              auth=WRITE)  # fmt: skip
def action_done(request, slug: Slug, series: Id, meeting: Id, action: Id, payload: ActionChange):
    """Mark an action done (or open again); allowed after approval: the task changes, not
    the minutes."""
    target = _action(request, slug, series, meeting, action)
    return plain(
        meetings.action_done(action=target, user=request.auth, done=payload.done), ACTION_OUT
    )


@router.post("/municipalities/{slug}/meetings/{series}/{meeting}/actions/{action}/transfer",
             response=ActionOut, auth=WRITE)  # fmt: skip
def action_transfer(request, slug: Slug, series: Id, meeting: Id, action: Id):
    """Into the project's backlog (agile, hybrid) or its plan as a milestone (waterfall)."""
    target = _action(request, slug, series, meeting, action)
    return plain(meetings.action_transfer(action=target, user=request.auth), ACTION_OUT)


@router.post(
    "/municipalities/{slug}/meetings/{series}/{meeting}/approve", response=MeetingOut, auth=WRITE
)
def meeting_approve(request, slug: Slug, series: Id, meeting: Id):
    """Approve the minutes; approved minutes are fixed (a second approval is a conflict)."""
    target = _meeting(request, slug, series, meeting, edit=True)
    return _meeting_out(meetings.meeting_approve(meeting=target, user=request.auth))


@router.post("/municipalities/{slug}/meetings/{series}/{meeting}/correct", response={201: MeetingOut},
             auth=WRITE)  # fmt: skip
def meeting_correct(request, slug: Slug, series: Id, meeting: Id):
    """A new draft version of approved minutes; the approved one stays, marked corrected."""
    target = _meeting(request, slug, series, meeting, edit=True)
    return Status(201, _meeting_out(meetings.meeting_correct(meeting=target, user=request.auth)))
