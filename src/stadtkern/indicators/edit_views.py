"""Editor pages of the cockpit: adopt templates, define an indicator (source and target),
milestones, enter or import values, effects of measures, official statistics files."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable, municipality_get
from stadtkern.data import importing

from . import catalogue, imports, jobs, rules, selectors, services
from .forms import (
    DEFINITION,
    SOURCE,
    TARGET,
    EffectForm,
    IndicatorForm,
    MilestoneForm,
    StatisticsFileForm,
    ValueForm,
    ValuesFileForm,
)
from .models import Effect, Indicator, Milestone


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_edit_indicators(request.user, municipality):
        raise PermissionDenied
    return municipality


def _indicator(request, slug: str, key: str) -> Indicator:
    return selectors.indicator_get(request.user, _editable(request, slug), key)


def adopt(request, slug: str):
    """The template catalogue: adopt an indicator in one step (as a draft)."""
    municipality = _editable(request, slug)
    if request.method == "POST":
        key = request.POST.get("key", "")[:63]
        try:
            indicator = services.indicator_adopt(
                municipality=municipality, key=key, user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The indicator was adopted as a draft; set its source and target.")
            )
            return redirect("indicators:edit", slug=slug, key=indicator.key)
    have = set(Indicator.objects.filter(municipality=municipality).values_list("key", flat=True))
    return render(request, "indicators/adopt.html", {
        "municipality": municipality, "templates": catalogue.templates().values(), "have": have,
    })  # fmt: skip


def edit(request, slug: str, key: str):
    """Definition, source and target of one indicator."""
    indicator = _indicator(request, slug, key)
    municipality = indicator.municipality
    initial = {f: getattr(indicator, f) for f in (*DEFINITION, *SOURCE, *TARGET)}
    initial.update(goals=list(indicator.goals.all()), sdg_targets=list(indicator.sdg_targets.all()))
    form = IndicatorForm(request.POST or None, initial=initial, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(indicator=indicator, user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if indicator.computed:
                jobs.enqueue_compute(municipality, [indicator], user=request.user)
            messages.success(request, _("The indicator was saved."))
            return redirect("indicators:detail", slug=slug, key=key)
    audit = audit_readable(
        municipality=municipality, object_type="indicator", object_id=indicator.pk
    )
    return render(request, "indicators/edit.html", {
        "municipality": municipality, "indicator": indicator, "form": form, "audit": audit,
        "milestones": indicator.milestones.all(), "milestone_form": MilestoneForm(),
    }, status=422 if request.method == "POST" else 200)  # fmt: skip


@require_POST
def delete(request, slug: str, key: str):
    indicator = _indicator(request, slug, key)
    services.indicator_delete(indicator=indicator, user=request.user)
    messages.success(request, _("The indicator was deleted."))
    return redirect("indicators:cockpit", slug=slug)


@require_POST
def milestone_add(request, slug: str, key: str):
    indicator = _indicator(request, slug, key)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_set(indicator=indicator, user=request.user, when=form.cleaned_data["date"],
                                   value=form.cleaned_data["value"], label=form.cleaned_data["label"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The milestone was saved."))
    else:
        messages.error(request, error_text(form))
    return redirect("indicators:edit", slug=slug, key=key)


@require_POST
def milestone_remove(request, slug: str, key: str, milestone_id: int):
    indicator = _indicator(request, slug, key)
    milestone = Milestone.objects.filter(indicator=indicator, pk=milestone_id).first()
    if milestone is not None:
        services.milestone_remove(milestone=milestone, user=request.user)
    return redirect("indicators:edit", slug=slug, key=key)


def values(request, slug: str, key: str):
    """Enter one value, or read a file of values, into an indicator whose values are entered."""
    indicator = _indicator(request, slug, key)
    form = ValueForm(request.POST if "value" in request.POST else None)
    upload = ValuesFileForm(
        request.POST if "file" in request.FILES else None, request.FILES or None
    )
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.value_enter(indicator=indicator, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The value was saved."))
            return redirect("indicators:values", slug=slug, key=key)
    if request.method == "POST" and upload.is_bound and upload.is_valid():
        uploaded = upload.cleaned_data["file"]
        with importing.uploaded(uploaded) as path:
            try:
                report = imports.values_import(indicator=indicator, user=request.user, path=path,
                                               name=uploaded.name, source=upload.cleaned_data["source"])  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(upload, exc)
            else:
                messages.success(
                    request, _("%(n)s values were read from the file.") % {"n": report.written}
                )
                return redirect("indicators:values", slug=slug, key=key)
    status = 422 if request.method == "POST" else 200
    return render(request, "indicators/values.html", {
        "municipality": indicator.municipality, "indicator": indicator, "form": form, "upload": upload,
        "values": selectors.values_table(indicator)[:40],
    }, status=status)  # fmt: skip


def effects(request, slug: str, key: str):
    """What measures should contribute to the indicator, year by year, and what they did."""
    indicator = _indicator(request, slug, key)
    form = EffectForm(request.POST or None, municipality=indicator.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            services.effect_set(indicator=indicator, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The effect was saved."))
            return redirect("indicators:effects", slug=slug, key=key)
    rows = (
        Effect.objects.filter(indicator=indicator)
        .select_related("measure")
        .order_by("measure__title", "year")
    )
    return render(request, "indicators/effects.html", {
        "municipality": indicator.municipality, "indicator": indicator, "form": form, "effects": rows,
    }, status=422 if request.method == "POST" else 200)  # fmt: skip


@require_POST
def effect_remove(request, slug: str, key: str, effect_id: int):
    indicator = _indicator(request, slug, key)
    effect = Effect.objects.filter(indicator=indicator, pk=effect_id).first()
    if effect is not None:
        services.effect_remove(effect=effect, user=request.user)
    return redirect("indicators:effects", slug=slug, key=key)


def statistics(request, slug: str):
    """A flat CSV of GENESIS or the Regionaldatenbank, for the indicators of this
    municipality (and of the others the user edits) that name its table."""
    municipality = _editable(request, slug)
    form = StatisticsFileForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        with importing.uploaded(uploaded) as path:
            try:
                outcome = imports.statistics_import(
                    user=request.user, path=path, name=uploaded.name
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
    waiting = Indicator.objects.filter(municipality=municipality, source="statistics")
    return render(request, "indicators/statistics.html", {
        "municipality": municipality, "form": form, "outcome": outcome, "waiting": waiting,
    }, status=422 if form.errors else 200)  # fmt: skip
