"""Jour fixe and steering meetings: the series, a meeting with its agenda split into
strategic and operative topics, the minutes with decisions and action items, approval,
and corrections as new versions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable

from . import agenda
from .forms import ActionForm, AgendaForm, DecisionForm, MeetingForm, SeriesForm
from .models import ActionItem, Meeting, MeetingSeries, Section
from .people_views import _team
from .services import meetings
from .views import _context, _status


def series_list(request, slug: str):
    municipality = _team(request, slug)
    series = list(MeetingSeries.objects.filter(municipality=municipality)
                  .select_related("project__measure", "programme", "chair"))  # fmt: skip
    context = _context(request, municipality, series=series)
    form = (
        SeriesForm(request.POST or None, municipality=municipality) if context["can_edit"] else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                created = meetings.series_create(
                    municipality=municipality, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The series was saved."))
                return redirect("steering:series", slug=slug, series_id=created.pk)
    context["form"] = form
    return render(request, "steering/meetings.html", context, status=_status(request))


def _series(request, slug, series_id, *, edit=False):
    municipality = _team(request, slug, edit=edit)
    series = MeetingSeries.objects.filter(municipality=municipality, pk=series_id).first()
    if series is None:
        raise Http404
    return series


def series_page(request, slug: str, series_id: int):
    series = _series(request, slug, series_id)
    context = _context(request, series.municipality, series=series,
                       meetings=list(series.meetings.all()), form=MeetingForm())  # fmt: skip
    if request.method == "POST":
        if not context["can_edit"]:
            raise PermissionDenied
        form = MeetingForm(request.POST)
        context["form"] = form
        if form.is_valid():
            try:
                meeting = meetings.meeting_create(
                    series=series, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting was prepared with its agenda."))
                return redirect(
                    "steering:meeting", slug=slug, series_id=series_id, meeting_id=meeting.pk
                )
    return render(request, "steering/series.html", context, status=_status(request))


def _meeting(request, slug, series_id, meeting_id, *, edit=False):
    series = _series(request, slug, series_id, edit=edit)
    meeting = Meeting.objects.filter(series=series, pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_page(request, slug: str, series_id: int, meeting_id: int):
    meeting = _meeting(request, slug, series_id, meeting_id)
    series = meeting.series
    items = list(meeting.agenda.select_related("project__measure"))
    versions = meetings.chain(meeting)
    context = _context(
        request, series.municipality, series=series, meeting=meeting, versions=versions,
        strategic=[i for i in items if i.section == Section.STRATEGIC],
        operative=[i for i in items if i.section == Section.OPERATIVE],
        decisions=list(meeting.decisions.select_related("project__measure")),
        actions=list(ActionItem.objects.filter(meeting__in=versions).select_related("owner", "project__measure")),
        later=getattr(meeting, "correction", None) if meeting.status == Meeting.Status.SUPERSEDED else None,
        audit=audit_readable(municipality=series.municipality, object_type="meeting", object_id=meeting.pk),
    )  # fmt: skip
    if context["can_edit"] and not meeting.fixed:
        projects = agenda.scope(series)
        context.update(agenda_form=AgendaForm(), decision_form=DecisionForm(projects=projects),
                       action_form=ActionForm(projects=projects, municipality=series.municipality))  # fmt: skip
    return render(request, "steering/meeting.html", context)


def _act(request, slug, series_id, meeting_id, run, success):
    meeting = _meeting(request, slug, series_id, meeting_id, edit=True)
    try:
        result = run(meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("steering:meeting", slug=slug, series_id=series_id, meeting_id=meeting_id)
    messages.success(request, success)
    target = result.pk if isinstance(result, Meeting) else meeting_id
    return redirect("steering:meeting", slug=slug, series_id=series_id, meeting_id=target)


def _form(request, form_class, **kwargs):
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        raise ValidationError(error_text(form))
    return form.cleaned_data


@require_POST
def minutes_save(request, slug: str, series_id: int, meeting_id: int):
    def run(meeting):
        notes = {
            int(k[5:]): v
            for k, v in request.POST.items()
            if k.startswith("note-") and k[5:].isdigit()
        }
        return meetings.minutes_save(meeting=meeting, user=request.user, minutes=request.POST.get("minutes", "")[:20000],
                                     attendees=request.POST.get("attendees", "")[:2000], notes=notes)  # fmt: skip

    return _act(request, slug, series_id, meeting_id, run, _("The minutes were saved."))


@require_POST
def agenda_add(request, slug: str, series_id: int, meeting_id: int):
    return _act(request, slug, series_id, meeting_id, lambda m: meetings.agenda_add(
        meeting=m, user=request.user, **_form(request, AgendaForm)), _("The topic was added."))  # fmt: skip


@require_POST
def decision_add(request, slug: str, series_id: int, meeting_id: int):
    return _act(request, slug, series_id, meeting_id, lambda m: meetings.decision_add(
        meeting=m, user=request.user, **_form(request, DecisionForm, projects=agenda.scope(m.series))),
        _("The decision was recorded."))  # fmt: skip


@require_POST
def action_add(request, slug: str, series_id: int, meeting_id: int):
    return _act(request, slug, series_id, meeting_id, lambda m: meetings.action_add(
        meeting=m, user=request.user, **_form(request, ActionForm, projects=agenda.scope(m.series),
                                              municipality=m.series.municipality)),
        _("The action item was recorded."))  # fmt: skip


@require_POST
def approve(request, slug: str, series_id: int, meeting_id: int):
    return _act(request, slug, series_id, meeting_id, lambda m: meetings.meeting_approve(meeting=m, user=request.user),
                _("The minutes are approved and now fixed."))  # fmt: skip


@require_POST
def correct(request, slug: str, series_id: int, meeting_id: int):
    return _act(request, slug, series_id, meeting_id, lambda m: meetings.meeting_correct(meeting=m, user=request.user),
                _("A new version of the minutes was opened for the correction."))  # fmt: skip


def _action(request, slug, series_id, meeting_id, action_id):
    meeting = _meeting(request, slug, series_id, meeting_id, edit=True)
    action = ActionItem.objects.filter(meeting__in=meetings.chain(meeting), pk=action_id).first()
    if action is None:
        raise Http404
    return action


@require_POST
def action_done(request, slug: str, series_id: int, meeting_id: int, action_id: int):
    action = _action(request, slug, series_id, meeting_id, action_id)
    meetings.action_done(action=action, user=request.user, done=request.POST.get("done") == "1")
    return redirect("steering:meeting", slug=slug, series_id=series_id, meeting_id=meeting_id)


@require_POST
def action_transfer(request, slug: str, series_id: int, meeting_id: int, action_id: int):
    action = _action(request, slug, series_id, meeting_id, action_id)
    try:
        meetings.action_transfer(action=action, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The action is now in the project's backlog or plan."))
    return redirect("steering:meeting", slug=slug, series_id=series_id, meeting_id=meeting_id)
