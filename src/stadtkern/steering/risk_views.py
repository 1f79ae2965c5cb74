"""The opportunity and risk register of a project: the matrix, the list with each risk's
history, and the form that adds or reassesses one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from stadtkern.core.forms import apply_service_errors
from stadtkern.core.selectors import audit_readable

from . import selectors
from .forms import RiskForm
from .models import Risk
from .money_views import _internal
from .services import risks
from .views import _context, _status


def register(request, slug: str, pk: int):
    project = _internal(request, slug, pk)
    items = selectors.risks(project)
    context = _context(request, project.municipality, project=project, risks=items,
                       matrix=selectors.risk_matrix(project, items))  # fmt: skip
    return render(request, "steering/risks.html", context)


def risk_form(request, slug: str, pk: int, risk_id: int | None = None):
    project = _internal(request, slug, pk, edit=True)
    risk = None
    if risk_id is not None:
        risk = Risk.objects.filter(project=project, pk=risk_id).first()
        if risk is None:
            raise Http404
    initial = {f: getattr(risk, f) for f in ("kind", "title", "probability", "impact", "response", "measures",
                                             "owner", "review_on", "closed", "description")} if risk else {}  # fmt: skip
    form = RiskForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risks.risk_save(project=project, user=request.user, risk=risk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The register was saved."))
            return redirect("steering:risks", slug=slug, pk=pk)
    audit = (
        audit_readable(municipality=project.municipality, object_type="risk", object_id=risk.pk)
        if risk
        else None
    )
    return render(request, "steering/risk_form.html", _context(
        request, project.municipality, project=project, form=form, risk=risk, audit=audit), status=_status(request))  # fmt: skip


def cockpit_panel(request, municipality) -> str:
    """The cockpit's section on the high risks of the municipality's projects; for the
    team only, like the register."""
    from django.template.loader import render_to_string

    from . import rules

    if not rules.can_view_internals(request.user, municipality):
        return ""
    items = selectors.high_risks(selectors.projects(request.user, municipality))
    return render_to_string("steering/_cockpit_risks.html", {"risks": items, "municipality": municipality},
                            request=request)  # fmt: skip
