"""Calendar feeds (text/calendar) and the page where members find their addresses and
create or revoke their personal token."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core import rules as core_rules
from stadtkern.core.problems import problem
from stadtkern.core.selectors import municipality_get

from . import calendar, rules
from .models import CalendarToken
from .views import _context


def _feed(request, items, name: str) -> HttpResponse:
    body = calendar.ics(items, name, request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def municipality_feed(request, slug: str):
    """Published projects' milestones; with the token of a member, everything."""
    municipality = municipality_get(slug)
    secret = request.GET.get("token", "")
    internal = False
    if secret:
        user = calendar.token_user(secret)
        if user is None or core_rules.role_of(user, municipality) is None:
            return problem(403, _("Forbidden"), _("This calendar token is unknown, revoked, or not of a member here."),
                           errors=[{"field": "token", "reason": "invalid"}])  # fmt: skip
        internal = True
    name = _("Deadlines of %(m)s") % {"m": municipality.name}
    return _feed(request, calendar.for_municipality(municipality, internal=internal), name)


def personal_feed(request, secret: str):
    user = calendar.token_user(secret)
    if user is None:
        return problem(404, _("Not found"), _("This calendar token is unknown or revoked."),
                       errors=[{"field": "token", "reason": "invalid"}])  # fmt: skip
    return _feed(request, calendar.for_person(user), _("My deadlines"))


def calendar_page(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_view_internals(request.user, municipality):
        raise PermissionDenied
    tokens = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(request, "steering/calendar.html", _context(
        request, municipality, tokens=tokens, secret=request.session.pop("calendar_secret", None)))  # fmt: skip


@require_POST
def token_new(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_view_internals(request.user, municipality):
        raise PermissionDenied
    _token, secret = calendar.token_create(request.user)
    request.session["calendar_secret"] = secret  # shown once, on the next page
    messages.success(
        request, _("Your calendar address was created; copy it now, it is shown only once.")
    )
    return redirect("steering:calendar", slug=slug)


@require_POST
def token_revoke(request, slug: str, token_id: int):
    municipality = municipality_get(slug)
    if not rules.can_view_internals(request.user, municipality):
        raise PermissionDenied
    CalendarToken.objects.filter(user=request.user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now())  # fmt: skip
    messages.success(
        request, _("The calendar address was revoked; calendars that use it get nothing more.")
    )
    return redirect("steering:calendar", slug=slug)
