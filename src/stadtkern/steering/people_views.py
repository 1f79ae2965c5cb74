"""People and change: the municipality's stakeholder register with its grid of interest
and influence, the actor network, and the communication and participation plan."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable, municipality_get

from . import rules, selectors
from .forms import CommunicationForm, StakeholderForm, TieForm
from .models import Communication, Stakeholder, Tie
from .services import people
from .views import _context, _status


def _team(request, slug: str, *, edit: bool = False):
    municipality = municipality_get(slug)
    allowed = rules.can_edit_steering if edit else rules.can_view_internals
    if not allowed(request.user, municipality):
        raise PermissionDenied
    return municipality


def register(request, slug: str):
    municipality = _team(request, slug)
    items = selectors.stakeholders(municipality)
    context = _context(request, municipality, stakeholders=items, grid=selectors.stakeholder_grid(items),
                       network=selectors.actor_network(municipality, items),
                       communications=selectors.communications(municipality),
                       quadrants={s.pk: selectors.quadrant(s.influence, s.interest) for s in items})  # fmt: skip
    if context["can_edit"]:
        context.update(tie_form=TieForm(municipality=municipality),
                       ties=list(Tie.objects.filter(a__municipality=municipality).select_related("a", "b")),
                       communication_form=CommunicationForm(municipality=municipality))  # fmt: skip
    return render(request, "steering/stakeholders.html", context)


def stakeholder_form(request, slug: str, stakeholder_id: int | None = None):
    municipality = _team(request, slug, edit=True)
    stakeholder = None
    if stakeholder_id is not None:
        stakeholder = Stakeholder.objects.filter(
            municipality=municipality, pk=stakeholder_id
        ).first()
        if stakeholder is None:
            raise Http404
    initial = {}
    if stakeholder is not None:
        initial = {f: getattr(stakeholder, f) for f in ("name", "kind", "group", "influence", "interest",
                                                        "attitude", "contact_owner", "note")}  # fmt: skip
        initial["projects"] = list(stakeholder.projects.all())
    if stakeholder is not None and request.method == "POST" and "delete" in request.POST:
        people.stakeholder_delete(stakeholder=stakeholder, user=request.user)
        messages.success(request, _("The stakeholder was removed."))
        return redirect("steering:stakeholders", slug=slug)
    form = StakeholderForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.stakeholder_save(municipality=municipality, user=request.user, stakeholder=stakeholder,
                                    **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The stakeholder was saved."))
            return redirect("steering:stakeholders", slug=slug)
    audit = (
        audit_readable(
            municipality=municipality, object_type="stakeholder", object_id=stakeholder.pk
        )
        if stakeholder
        else None
    )
    return render(request, "steering/stakeholder_form.html", _context(
        request, municipality, form=form, stakeholder=stakeholder, audit=audit), status=_status(request))  # fmt: skip


def _posted(request, slug, form_class, action, success):
    municipality = _team(request, slug, edit=True)
    form = form_class(request.POST, municipality=municipality)
    if form.is_valid():
        try:
            action(municipality, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success)
    else:
        messages.error(request, error_text(form))
    return redirect("steering:stakeholders", slug=slug)


@require_POST
def tie_add(request, slug: str):
    return _posted(request, slug, TieForm, lambda m, d: people.tie_add(user=request.user, **d),
                   _("The tie was saved."))  # fmt: skip


@require_POST
def communication_add(request, slug: str):
    return _posted(request, slug, CommunicationForm,
                   lambda m, d: people.communication_save(municipality=m, user=request.user, **d),
                   _("The plan was saved."))  # fmt: skip


@require_POST
def tie_remove(request, slug: str):
    municipality = _team(request, slug, edit=True)
    raw = request.POST.get("tie", "")
    tie = (
        Tie.objects.filter(a__municipality=municipality, pk=raw).first()
        if raw.isascii() and raw.isdigit()
        else None
    )
    if tie is None:
        messages.error(request, _("Choose a tie to remove."))
    else:
        people.tie_remove(tie=tie, user=request.user)
        messages.success(request, _("The tie was removed."))
    return redirect("steering:stakeholders", slug=slug)


@require_POST
def communication_remove(request, slug: str, entry_id: int):
    municipality = _team(request, slug, edit=True)
    entry = Communication.objects.filter(municipality=municipality, pk=entry_id).first()
    if entry is None:
        raise Http404
    people.communication_delete(entry=entry, user=request.user)
    messages.success(request, _("The line was removed from the plan."))
    return redirect("steering:stakeholders", slug=slug)
