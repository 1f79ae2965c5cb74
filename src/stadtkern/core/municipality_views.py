"""Pages that run a municipality without Django's admin: its members and roles,
invitations by e-mail, its base map and the trail of these changes; site staff create
municipalities; invited people accept with the link from their mail."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import rules, selectors, services
from .forms import (
    AccountForm,
    BaseMapForm,
    InviteForm,
    MunicipalityForm,
    PopulationForm,
    apply_service_errors,
)
from .models import Invitation, Membership, Role, User

AUDITED = ("membership", "invitation", "municipality")


def _managed(request, slug: str):
    municipality = selectors.municipality_get(slug)
    if not rules.can_manage_municipality(request.user, municipality):
        raise PermissionDenied(_("Only the municipality's administrators manage its members."))
    return municipality


@login_required
def settings_page(request, slug: str):
    municipality = _managed(request, slug)
    return _render(request, municipality)


def _render(request, municipality, *, invite=None, base=None, population=None, status=200):
    members = (
        Membership.objects.filter(municipality=municipality)
        .select_related("user").order_by("user__username")
    )  # fmt: skip
    return render(request, "core/municipality_settings.html", {
        "municipality": municipality,
        "members": members,
        "roles": Role.choices,
        "invitations": selectors.open_invitations(municipality),
        "invite_form": invite or InviteForm(),
        "base_form": base or BaseMapForm(initial={
            "map_tile_url": municipality.map_tile_url,
            "map_tile_attribution": municipality.map_tile_attribution,
        }),
        "population_form": population or PopulationForm(initial={
            f: getattr(municipality, f) for f in ("population", "population_year", "population_source")
        }),
        "trail": selectors.audit_of_types(municipality=municipality, object_types=AUDITED),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def member_role(request, slug: str, user_id: int):
    municipality = _managed(request, slug)
    user = get_object_or_404(User, pk=user_id, memberships__municipality=municipality)
    role = request.POST.get("role", "")
    try:
        services.membership_set(user=user, municipality=municipality, role=role, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is now %(role)s.") % {
            "name": user.username, "role": dict(Role.choices).get(role, role)})  # fmt: skip
    return redirect("core:municipality_settings", slug=slug)


@login_required
@require_POST
def member_remove(request, slug: str, user_id: int):
    municipality = _managed(request, slug)
    user = get_object_or_404(User, pk=user_id, memberships__municipality=municipality)
    try:
        services.membership_remove(user=user, municipality=municipality, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is no longer a member.") % {"name": user.username})
    return redirect("core:municipality_settings", slug=slug)


@login_required
@require_POST
def invite(request, slug: str):
    municipality = _managed(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():

        def accept_url(secret: str) -> str:
            return request.build_absolute_uri(reverse("core:invitation", kwargs={"secret": secret}))

        try:
            services.invitation_create(
                municipality=municipality, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], by=request.user, accept_url=accept_url,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.") % {
                "email": form.cleaned_data["email"]})  # fmt: skip
            return redirect("core:municipality_settings", slug=slug)
    return _render(request, municipality, invite=form, status=422)


@login_required
@require_POST
def invitation_withdraw(request, slug: str, pk: int):
    municipality = _managed(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, municipality=municipality)
    services.invitation_withdraw(invitation=invitation, by=request.user)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("core:municipality_settings", slug=slug)


@login_required
@require_POST
def base_map(request, slug: str):
    municipality = _managed(request, slug)
    form = BaseMapForm(request.POST)
    if form.is_valid():
        try:
            services.municipality_update(
                municipality=municipality, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The base map was saved."))
            return redirect("core:municipality_settings", slug=slug)
    municipality.refresh_from_db()
    return _render(request, municipality, base=form, status=422)


@login_required
@require_POST
def population(request, slug: str):
    municipality = _managed(request, slug)
    form = PopulationForm(request.POST)
    if form.is_valid():
        try:
            services.municipality_update(
                municipality=municipality, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The population was saved."))
            return redirect("core:municipality_settings", slug=slug)
    municipality.refresh_from_db()
    return _render(request, municipality, population=form, status=422)


@login_required
def municipality_new(request):
    if not rules.can_create_municipality(request.user):
        raise PermissionDenied(_("Only site staff create municipalities."))
    form = MunicipalityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            municipality = services.municipality_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": municipality.name})
            return redirect("core:municipality_settings", slug=municipality.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "core/municipality_new.html", {"form": form}, status=status)


def invitation(request, secret: str):
    """Accept an invitation: as the logged-in account, or with a new one."""
    found = services.invitation_find(secret)
    if found is None:
        return render(request, "core/invitation.html", {"invalid": True}, status=404)
    form = AccountForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        try:
            with transaction.atomic():
                user = request.user
                if form is not None:
                    if not form.is_valid():
                        raise ValidationError({})
                    user = services.user_create(
                        username=form.cleaned_data["username"],
                        password=form.cleaned_data["password"], email=found.email,
                    )  # fmt: skip
                services.invitation_accept(secret=secret, user=user)
        except ValidationError as exc:
            if form is not None and exc.messages:
                apply_service_errors(form, exc)
            elif exc.messages:
                messages.error(request, " ".join(exc.messages))
        else:
            if form is not None:
                login(request, user, backend="stadtkern.core.throttle.ThrottledModelBackend")
            messages.success(request, _("Welcome to %(name)s.") % {"name": found.municipality.name})
            return redirect("strategy:house", slug=found.municipality.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "core/invitation.html", {"found": found, "form": form}, status=status)
