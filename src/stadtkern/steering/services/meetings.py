"""Meetings: series, a meeting with its assembled agenda, minutes, decisions and action
items, approval, and corrections as new versions. Approved minutes are fixed: every
write to them is refused (``code="fixed"``) and names what to do instead."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import Municipality
from stadtkern.core.text import without_controls

from .. import agenda
from ..models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries, Project, Section
from ..models.meetings import SeriesKind
from .common import bounded, delete, member, pick, save
from .plans import package_create


def _writable(meeting: Meeting) -> Meeting:
    """The meeting's row, locked; refused once its minutes are approved."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.fixed:
        raise ValidationError({"minutes": ValidationError(_(
            "These minutes are approved and fixed; a correction is made as a new version."), code="fixed")})  # fmt: skip
    return meeting


def _municipality(meeting: Meeting) -> Municipality:
    return meeting.series.municipality


@transaction.atomic
def series_create(*, municipality: Municipality, user, title: str, kind: str = SeriesKind.JOUR_FIXE,
                  project: Project | None = None, programme=None, cadence: str = "", chair=None) -> MeetingSeries:  # fmt: skip
    if project is not None and programme is not None:
        raise ValidationError(
            {"programme": _("A series steers one project or one programme, not both.")}
        )
    for obj, field in ((project, "project"), (programme, "programme")):
        if obj is not None and obj.municipality_id != municipality.pk:
            raise ValidationError({field: _("Only objects of this municipality can be chosen.")})
    if kind not in SeriesKind.values:
        raise ValidationError({"kind": _("Choose jour fixe or steering committee.")})
    member(chair, municipality, "chair")
    series = MeetingSeries(municipality=municipality, title=title, kind=kind, project=project, programme=programme,
                           cadence=cadence, chair=chair)  # fmt: skip
    return save(
        series, municipality=municipality, user=user, before=None, exclude=("chair", "programme")
    )


SERIES_FIELDS = ("title", "cadence", "chair")


@transaction.atomic
def series_update(*, series: MeetingSeries, user, **changes) -> MeetingSeries:
    """A new title, cadence or chair; what the series steers stays."""
    pick(changes, SERIES_FIELDS)
    member(changes.get("chair"), series.municipality, "chair")
    before = snapshot(series)
    for name, value in changes.items():
        setattr(series, name, value)
    return save(series, municipality=series.municipality, user=user, before=before,
                exclude=("chair", "programme"))  # fmt: skip


@transaction.atomic
def meeting_delete(*, meeting: Meeting, user) -> None:
    """A meeting that was planned but did not take place. Approved minutes, and drafts
    correcting them, stay: they are the record."""
    meeting = _writable(meeting)
    if meeting.corrects_id is not None:
        raise ValidationError({"minutes": ValidationError(_(
            "This draft corrects approved minutes; it is approved, not deleted."), code="fixed")})  # fmt: skip
    if meeting.actions.exclude(backlog_item=None, package=None).exists():
        raise ValidationError({"minutes": _(
            "Action items of this meeting are already in a backlog or plan; it stays.")})  # fmt: skip
    delete(meeting, municipality=_municipality(meeting), user=user)


@transaction.atomic
def meeting_create(*, series: MeetingSeries, user, held_on: date) -> Meeting:
    """A meeting with the agenda assembled for its day."""
    if not date(2000, 1, 1) <= held_on <= timezone.localdate() + timedelta(days=3650):
        raise ValidationError({"held_on": _("Choose a date between 2000 and ten years from now.")})
    MeetingSeries.objects.select_for_update().filter(
        pk=series.pk
    ).first()  # one at a time per series
    if Meeting.objects.filter(series=series, held_on=held_on, corrects__isnull=True).exists():
        raise ValidationError({"held_on": _("This series already meets on this day.")})
    meeting = save(
        Meeting(series=series, held_on=held_on),
        municipality=series.municipality,
        user=user,
        before=None,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, section=t.section, source=t.source, source_id=t.source_id,
                   project_id=t.project_id, title=t.title[:300], position=i)
        for i, t in enumerate(agenda.assemble(series, held_on))
    )  # fmt: skip
    return meeting


@transaction.atomic
def agenda_add(
    *, meeting: Meeting, user, title: str, section: str = Section.OPERATIVE
) -> AgendaItem:
    meeting = _writable(meeting)
    if section not in Section.values:
        raise ValidationError({"section": _("Choose strategic or operative.")})
    position = meeting.agenda.count()
    return save(AgendaItem(meeting=meeting, title=title, section=section, position=position),
                municipality=_municipality(meeting), user=user, before=None, exclude=("meeting", "project"))  # fmt: skip


@transaction.atomic
def minutes_save(*, meeting: Meeting, user, minutes: str = "", attendees: str = "",
                 notes: dict[int, str] | None = None) -> Meeting:  # fmt: skip
    meeting = _writable(meeting)
    before = snapshot(meeting)
    meeting.minutes, meeting.attendees = without_controls(minutes), without_controls(attendees)
    items = {i.pk: i for i in meeting.agenda.all()}
    for pk, note in (notes or {}).items():
        if pk not in items:
            raise ValidationError({"notes": _("This topic is not on the agenda.")})
        items[pk].note = without_controls(note)[:5000]
    AgendaItem.objects.bulk_update(list(items.values()), ["note"])
    return save(
        meeting, municipality=_municipality(meeting), user=user, before=before, exclude=("series",)
    )


@transaction.atomic
def decision_add(*, meeting: Meeting, user, text: str, project: Project | None = None) -> Decision:
    meeting = _writable(meeting)
    _in_scope(meeting, project)
    return save(Decision(meeting=meeting, text=text, project=project), municipality=_municipality(meeting),
                user=user, before=None, exclude=("meeting", "project"))  # fmt: skip


def _in_scope(meeting: Meeting, project: Project | None) -> None:
    if project is not None and not agenda.scope(meeting.series).filter(pk=project.pk).exists():
        raise ValidationError({"project": _("Choose a project this series steers.")})


@transaction.atomic
def action_add(*, meeting: Meeting, user, title: str, owner=None, due_on: date | None = None,
               project: Project | None = None) -> ActionItem:  # fmt: skip
    meeting = _writable(meeting)
    _in_scope(meeting, project)
    member(owner, _municipality(meeting), "owner")
    bounded(due_on, "due_on")
    action = ActionItem(meeting=meeting, title=title, owner=owner, due_on=due_on, project=project)
    return save(action, municipality=_municipality(meeting), user=user, before=None,
                exclude=("meeting", "project", "owner", "backlog_item", "package"))  # fmt: skip


@transaction.atomic
def action_done(*, action: ActionItem, user, done: bool = True) -> ActionItem:
    """Progress on an action, allowed after approval: it changes the task, not the minutes."""
    before = snapshot(action)
    action.done = done
    return save(action, municipality=action.meeting.series.municipality, user=user, before=before,
                exclude=("meeting", "project", "owner", "backlog_item", "package"))  # fmt: skip


@transaction.atomic
def action_transfer(*, action: ActionItem, user) -> ActionItem:
    """Into the project's backlog (agile or hybrid) or its plan as a milestone on the due
    date (waterfall); the action keeps the link."""
    from .backlog import item_create

    action = ActionItem.objects.select_for_update().get(pk=action.pk)
    project = action.project
    if project is None:
        raise ValidationError({"project": _("Name the project first: the action has none.")})
    if action.backlog_item_id or action.package_id:
        raise ValidationError({"project": _("This action is already in the backlog or plan.")})
    before = snapshot(action)
    if project.has_backlog:
        action.backlog_item = item_create(project=project, user=user, title=action.title[:200], kind="task",
                                          description=_("From the meeting of %(d)s.") % {"d": action.meeting.held_on})  # fmt: skip
    else:
        on = action.due_on or timezone.localdate()
        action.package = package_create(
            project=project, user=user, title=action.title[:200], start=on, duration=0
        )
    return save(action, municipality=project.municipality, user=user, before=before,
                exclude=("meeting", "project", "owner", "backlog_item", "package"))  # fmt: skip


@transaction.atomic
def meeting_approve(*, meeting: Meeting, user) -> Meeting:
    meeting = _writable(meeting)
    before = snapshot(meeting)
    meeting.status, meeting.approved_at = Meeting.Status.APPROVED, timezone.now()
    meeting.approved_by = user if getattr(user, "is_authenticated", False) else None
    return save(
        meeting, municipality=_municipality(meeting), user=user, before=before, exclude=("series",)
    )


@transaction.atomic
def meeting_correct(*, meeting: Meeting, user) -> Meeting:
    """A new draft version of approved minutes, with their text, agenda and decisions; the
    approved version stays as it was, marked as corrected."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.APPROVED:
        raise ValidationError(
            {"minutes": _("Only approved minutes are corrected; a draft is simply edited.")}
        )
    before = snapshot(meeting)
    meeting.status = Meeting.Status.SUPERSEDED
    save(
        meeting, municipality=_municipality(meeting), user=user, before=before, exclude=("series",)
    )
    new = save(Meeting(series=meeting.series, held_on=meeting.held_on, version=meeting.version + 1, corrects=meeting,
                       minutes=meeting.minutes, attendees=meeting.attendees),
               municipality=_municipality(meeting), user=user, before=None, exclude=("series", "corrects"))  # fmt: skip
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=new, section=i.section, source=i.source, source_id=i.source_id, project_id=i.project_id,
                   title=i.title, note=i.note, position=i.position) for i in meeting.agenda.all()
    )  # fmt: skip
    Decision.objects.bulk_create(Decision(meeting=new, text=d.text, project_id=d.project_id)
                                 for d in meeting.decisions.all())  # fmt: skip
    return new  # the action items stay with the version that gave them: they are tasks, not text


def chain(meeting: Meeting) -> list[Meeting]:
    """This version and every version it corrects, newest first."""
    out = [meeting]
    while out[-1].corrects_id is not None:
        out.append(Meeting.objects.get(pk=out[-1].corrects_id))
    return out
