"""Money pages: a project's budget, actual costs (entered or imported), funding
applications and financing plan; the funding programmes shared on the instance."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.charts import Series, lines
from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable, municipality_get
from stadtkern.data import importing

from . import rules
from .forms import (
    ActualForm,
    ActualsFileForm,
    ApplicationForm,
    BudgetForm,
    FinancingForm,
    FundingProgrammeForm,
)
from .models import Actual, Application, ApplicationStatus, BudgetLine, CostType, FundingProgramme
from .services import money
from .views import _context, _project


def _internal(request, slug, pk, *, edit=False):
    project = _project(request, slug, pk, edit=edit)
    if not rules.can_view_internals(request.user, project.municipality):
        raise PermissionDenied
    return project


def _table(project):
    """Years × cost types: planned (forecast) and actual, with totals."""
    lines_ = list(BudgetLine.objects.filter(project=project))
    actual = defaultdict(Decimal)
    for a in Actual.objects.filter(project=project).only("booked_on", "cost_type", "amount"):
        actual[(a.booked_on.year, a.cost_type)] += a.amount
    years = sorted({line.year for line in lines_} | {y for y, _t in actual})
    planned = {(line.year, line.cost_type): line for line in lines_}
    rows = []
    for year in years:
        cells = [
            (planned.get((year, t)), actual.get((year, t), Decimal(0))) for t in CostType.values
        ]
        rows.append({"year": year, "cells": cells,
                     "planned": sum((c[0].planned for c in cells if c[0]), Decimal(0)),
                     "forecast": sum(((c[0].forecast if c[0] and c[0].forecast is not None else
                                       (c[0].planned if c[0] else Decimal(0))) for c in cells), Decimal(0)),
                     "actual": sum((c[1] for c in cells), Decimal(0))})  # fmt: skip
    return rows


def _chart(rows):
    """Cumulative planned, forecast and actual money by the end of each year."""
    if not rows:
        return None
    series = {"planned": [], "forecast": [], "actual": []}
    totals = dict.fromkeys(series, Decimal(0))
    this_year = timezone.localdate().year
    for row in rows:
        for name in series:
            totals[name] += row[name]
            if name != "actual" or row["year"] <= this_year:
                series[name].append((date(row["year"], 12, 31), float(totals[name])))
    return lines([Series(_("planned"), series["planned"], style="target"),
                  Series(_("forecast"), series["forecast"], style="planned"),
                  Series(_("actual"), series["actual"], style="actual", marks=True)],
                 title=_("Money spent against the plan, added up"), x_label=_("Year"), y_label=_("EUR"),
                 x_labels={date(r["year"], 12, 31): str(r["year"]) for r in rows})  # fmt: skip


def money_page(request, slug: str, pk: int):
    project = _internal(request, slug, pk)
    rows = _table(project)
    context = _context(
        request, project.municipality, project=project, rows=rows, chart=_chart(rows),
        cost_types=CostType.choices, problems=money.financing_problems(project),
        applications=list(Application.objects.filter(project=project).select_related("programme")),
        actuals=list(Actual.objects.filter(project=project).order_by("-booked_on", "-id")[:20]),
        total=sum((r["planned"] for r in rows), Decimal(0)), statuses=ApplicationStatus.choices,
    )  # fmt: skip
    if context["can_edit"]:
        context.update(budget_form=BudgetForm(), actual_form=ActualForm(), file_form=ActualsFileForm(),
                       application_form=ApplicationForm(),
                       financing_form=FinancingForm(initial={"own_funds": project.own_funds}))  # fmt: skip
    return render(request, "steering/money.html", context)


def _posted(request, slug, pk, form_class, action, success: str):
    project = _internal(request, slug, pk, edit=True)
    form = (
        form_class(request.POST, request.FILES)
        if form_class is ActualsFileForm
        else form_class(request.POST)
    )
    if form.is_valid():
        try:
            action(project, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success)
    else:
        messages.error(request, " ".join(f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}"
                                         for k, v in form.errors.items()))  # fmt: skip
    return redirect("steering:money", slug=slug, pk=pk)


@require_POST
def budget_set(request, slug: str, pk: int):
    return _posted(request, slug, pk, BudgetForm,
                   lambda p, d: money.budget_set(project=p, user=request.user, **d), _("The budget was saved."))  # fmt: skip


@require_POST
def actual_add(request, slug: str, pk: int):
    return _posted(request, slug, pk, ActualForm,
                   lambda p, d: money.actual_add(project=p, user=request.user, **d), _("The cost was booked."))  # fmt: skip


@require_POST
def actuals_import(request, slug: str, pk: int):
    def run(project, data):
        with importing.uploaded(data["file"]) as path:
            n = money.actuals_import(
                project=project, user=request.user, path=path, name=data["file"].name
            )
        return n

    project = _internal(request, slug, pk, edit=True)
    form = ActualsFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, error_text(form))
    else:
        try:
            n = run(project, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s bookings were imported.") % {"n": n})
    return redirect("steering:money", slug=slug, pk=pk)


@require_POST
def application_add(request, slug: str, pk: int):
    def run(project, data):
        data = dict(data)
        if data["deadline"] is None:
            data.pop("deadline")
        money.application_save(project=project, user=request.user, **data)

    return _posted(request, slug, pk, ApplicationForm, run, _("The application was saved."))


@require_POST
def application_update(request, slug: str, pk: int, application_id: int):
    """An application's progress: its status, the amount granted, the day of the decision."""
    from .forms import ApplicationStatusForm

    def run(project, data):
        application = Application.objects.filter(project=project, pk=application_id).first()
        if application is None:
            raise ValidationError(_("There is no such application."))
        if data["granted"] is None:
            data.pop("granted")
        if data["decided_on"] is None:
            data.pop("decided_on")
        money.application_save(project=project, user=request.user, application=application, **data)

    return _posted(request, slug, pk, ApplicationStatusForm, run, _("The application was saved."))


@require_POST
def financing_set(request, slug: str, pk: int):
    return _posted(request, slug, pk, FinancingForm,
                   lambda p, d: money.financing_set(project=p, user=request.user, **d),
                   _("The financing plan was saved."))  # fmt: skip


def funding(request, slug: str):
    """The funding programmes every municipality on the instance shares."""
    municipality = municipality_get(slug)
    if not rules.can_view_internals(request.user, municipality):
        raise PermissionDenied
    can_edit = rules.can_edit_steering(request.user, municipality)
    form = FundingProgrammeForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                money.programme_create(user=request.user, municipality=municipality, collected_on=timezone.localdate(),
                                       **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The funding programme was added for every municipality on the instance."),
                )
                return redirect("steering:funding", slug=slug)
    programmes = list(FundingProgramme.objects.select_related("added_by"))
    for p in programmes:
        p.removable = rules.can_change_shared(request.user, p.added_by)
    return render(request, "steering/funding.html", _context(
        request, municipality, programmes=programmes, form=form,
        names=dict(CostType.choices),
    ), status=422 if request.method == "POST" else 200)  # fmt: skip


def actual_edit(request, slug: str, pk: int, actual_id: int):
    """Correct a booking, or remove one made in error; the audit log keeps what it said."""
    project = _internal(request, slug, pk, edit=True)
    actual = Actual.objects.filter(project=project, pk=actual_id).first()
    if actual is None:
        raise Http404
    fields = ("booked_on", "cost_type", "amount", "text", "reference")
    form = ActualForm(request.POST or None, initial={f: getattr(actual, f) for f in fields})
    if request.method == "POST" and "delete" in request.POST:
        money.actual_delete(actual=actual, user=request.user)
        messages.success(request, _("The booking was removed."))
        return redirect("steering:money", slug=slug, pk=pk)
    if request.method == "POST" and form.is_valid():
        try:
            money.actual_update(actual=actual, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The booking was corrected."))
            return redirect("steering:money", slug=slug, pk=pk)
    audit = audit_readable(
        municipality=project.municipality, object_type="actual", object_id=actual.pk
    )
    return render(request, "steering/actual_form.html", _context(
        request, project.municipality, project=project, actual=actual, form=form, audit=audit),
        status=422 if request.method == "POST" else 200)  # fmt: skip


@require_POST
def funding_delete(request, slug: str, key: str):
    """Remove a programme from the shared catalogue: for the municipality that added it, or
    the instance's staff; one that applications name stays."""
    municipality = municipality_get(slug)
    programme = FundingProgramme.objects.filter(key=key).select_related("added_by").first()
    if programme is None:
        raise Http404
    if not rules.can_view_internals(request.user, municipality) or not rules.can_change_shared(
        request.user, programme.added_by
    ):
        raise PermissionDenied
    try:
        money.programme_delete(programme=programme, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The funding programme was removed."))
    return redirect("steering:funding", slug=slug)
