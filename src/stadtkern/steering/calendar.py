"""Deadlines as calendar events: milestones, application deadlines, meetings and action
items due. The municipality's feed shows published projects' milestones to everyone and
everything to a member who brings a token; a person's feed shows what concerns them (the
projects they lead or sit on, the series they chair or whose project they sit on, the
actions they own). Written with the icalendar library (RFC 5545: folding, escaping)."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.services import secret_digest

from .models import ActionItem, Application, CalendarToken, Meeting, Project, WorkPackage

TOKEN_PREFIX = "cal_"  # noqa: S105 (a prefix, not a secret)
HORIZON_PAST = timedelta(days=90)  # what a calendar still shows behind today
HORIZON_AHEAD = timedelta(days=3 * 366)


@dataclass
class Event:
    uid: str
    summary: str
    day: date
    description: str = ""
    url: str = ""
    category: str = ""


def _window(qs, field: str):
    today = timezone.localdate()
    return qs.filter(
        **{f"{field}__gte": today - HORIZON_PAST, f"{field}__lte": today + HORIZON_AHEAD}
    )


def _uid(kind: str, pk: int) -> str:
    return f"{kind}-{pk}@stadtkern.steering"


def events(
    projects, *, meetings=None, actions=None, applications: bool = True, details: bool = True
) -> list[Event]:
    """The events of ``projects`` (a queryset), and of ``meetings`` and ``actions`` when given."""
    out = []
    for m in _window(
        WorkPackage.objects.filter(project__in=projects, duration=0), "start"
    ).select_related("project__measure", "project__municipality"):
        url = reverse(
            "steering:project", kwargs={"slug": m.project.municipality.slug, "pk": m.project_id}
        )
        out.append(Event(_uid("milestone", m.pk), _("Milestone: %(t)s (%(p)s)") % {"t": m.title, "p": m.project.title},
                         m.start, m.description if details else "", url, _("Milestone")))  # fmt: skip
    if applications:
        for a in _window(Application.objects.filter(project__in=projects, deadline__isnull=False,
                                                    status__in=["idea", "draft"]), "deadline").select_related(
            "programme", "project__measure"
        ):  # fmt: skip
            out.append(Event(_uid("application", a.pk), _("Application deadline: %(f)s (%(p)s)") % {
                "f": a.programme.title, "p": a.project.title}, a.deadline, a.note, category=_("Funding")))  # fmt: skip
    if meetings is not None:
        for m in _window(
            meetings.exclude(status=Meeting.Status.SUPERSEDED), "held_on"
        ).select_related("series"):
            out.append(
                Event(_uid("meeting", m.pk), m.series.title, m.held_on, category=_("Meeting"))
            )
    if actions is not None:
        for a in _window(actions.filter(done=False, due_on__isnull=False), "due_on").select_related(
            "project__measure"
        ):
            what = f"{a.title} ({a.project.title})" if a.project else a.title
            out.append(
                Event(
                    _uid("action", a.pk),
                    _("Due: %(t)s") % {"t": what},
                    a.due_on,
                    category=_("Action item"),
                )
            )
    return sorted(out, key=lambda e: (e.day, e.uid))


def for_municipality(municipality, *, internal: bool) -> list[Event]:
    projects = Project.objects.filter(municipality=municipality)
    if not internal:
        # The public sees a published project's milestones as on its page: no descriptions.
        return events(
            projects.filter(published=True, measure__published=True),
            applications=False,
            details=False,
        )
    return events(projects, meetings=Meeting.objects.filter(series__municipality=municipality),
                  actions=ActionItem.objects.filter(meeting__series__municipality=municipality))  # fmt: skip


def for_person(user) -> list[Event]:
    """What concerns ``user``, in the municipalities they still belong to."""
    mine = Project.objects.filter(municipality__memberships__user=user).filter(
        Q(lead=user) | Q(team__user=user)).distinct()  # fmt: skip
    meetings = Meeting.objects.filter(series__municipality__memberships__user=user).filter(
        Q(series__chair=user) | Q(series__project__in=mine)).distinct()  # fmt: skip
    actions = ActionItem.objects.filter(
        owner=user, meeting__series__municipality__memberships__user=user
    )
    return events(mine, meetings=meetings, actions=actions)


def ics(items: list[Event], name: str, base_url: str) -> bytes:
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", "-//Stadtkern//Steuerung//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for e in items:
        ev = IcsEvent()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", e.summary)
        ev.add("dtstart", e.day)  # a whole day: VALUE=DATE
        ev.add("dtend", e.day + timedelta(days=1))
        if e.description:
            ev.add("description", e.description)
        if e.url:
            ev.add("url", base_url.rstrip("/") + e.url)
        if e.category:
            ev.add("categories", [e.category])
        cal.add_component(ev)
    return cal.to_ical()


def token_create(user) -> tuple[CalendarToken, str]:
    """A new personal feed token; the secret is shown once, only its digest is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    token = CalendarToken.objects.create(
        user=user, prefix=secret[:10], digest=secret_digest(secret)
    )
    return token, secret


def token_user(secret: str):
    """The user a live token belongs to, or None; the comparison is on digests, by an
    indexed lookup, so its time does not depend on how much of a guess was right."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = CalendarToken.objects.filter(digest=secret_digest(secret), revoked_at__isnull=True).select_related(
        "user").first()  # fmt: skip
    return token.user if token is not None and token.user.is_active else None
