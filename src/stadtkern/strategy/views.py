"""Pages of the strategy house: public reading, filters (htmx), editor forms, analysis."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from stadtkern.core import rules
from stadtkern.core.forms import apply_service_errors
from stadtkern.core.selectors import audit_readable, municipality_get

from . import attachments, panels, selectors, services
from .forms import GoalForm, MeasureForm, SimpleForm, VisionForm
from .models import Attachment, FieldOfAction, Goal, MeasureStatus, SdgGoal, UserGroup, Value

MEASURES_PER_PAGE = 20

# The simple objects share one form and one set of views; the kind is the URL segment.
SIMPLE_KINDS = {
    "values": (Value, services.value_create, "value", _("value")),
    "fields": (FieldOfAction, services.field_create, "field", _("field of action")),
    "user-groups": (UserGroup, services.user_group_create, "user_group", _("user group")),
    "goals": (Goal, services.goal_create, "goal", _("strategic goal")),
}


def _context(request, municipality, **extra) -> dict:
    return {
        "municipality": municipality,
        "can_edit": rules.can_edit_strategy(request.user, municipality),
        "can_view_drafts": rules.can_view_drafts(request.user, municipality),
        **extra,
    }


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not rules.can_edit_strategy(request.user, municipality):
        raise PermissionDenied
    return municipality


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _filters(request) -> selectors.MeasureFilter:
    get = request.GET
    status = get.get("status") or None
    text = (get.get("q") or "").replace("\x00", "").strip()[:200] or None
    tag = (get.get("tag") or "").replace("\x00", "").strip()[:50] or None
    return selectors.MeasureFilter(
        field=_int(get.get("field")),
        goal=_int(get.get("goal")),
        sdg=_int(get.get("sdg")) if _int(get.get("sdg")) in range(1, 18) else None,
        status=status if status in MeasureStatus.values else None,
        user_group=_int(get.get("user_group")),
        tag=tag,
        q=text,
    )


def _measure_page(request, municipality):
    filters = _filters(request)
    measures = selectors.measure_list(municipality=municipality, user=request.user, filters=filters)
    measures, scopes = panels.scoped(request, municipality, measures)
    page = Paginator(measures, MEASURES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "filters": filters, "query": query.urlencode(), "scopes": scopes}


@vary_on_headers("HX-Request")  # the list alone for the page's script, else the page
def house(request, slug: str):
    """Show the strategy house: vision on top, values, goals, fields, then the measures."""
    municipality = municipality_get(slug)
    user = request.user
    context = _context(
        request,
        municipality,
        vision=selectors.vision_current(municipality=municipality, user=user),
        values=selectors.value_list(municipality=municipality, user=user),
        goals=selectors.goal_list(municipality=municipality, user=user),
        fields=selectors.field_list(municipality=municipality, user=user),
        user_groups=selectors.user_group_list(municipality=municipality, user=user),
        sdgs=SdgGoal.objects.all(),
        statuses=MeasureStatus.choices,
        **_measure_page(request, municipality),
    )
    if request.headers.get("HX-Request"):
        return render(request, "strategy/_measures.html", context)
    context["panels"] = panels.house_panels(request, municipality)
    return render(request, "strategy/house.html", context)


@vary_on_headers("HX-Request")
def measure_list(request, slug: str):
    """Return the filtered measures: the fragment for htmx, else the house page."""
    if not request.headers.get("HX-Request"):
        return house(request, slug)
    municipality = municipality_get(slug)
    context = _context(request, municipality, **_measure_page(request, municipality))
    return render(request, "strategy/_measures.html", context)


def _audit(request, municipality, obj):
    if not rules.can_view_audit(request.user, municipality):
        return None
    return audit_readable(
        municipality=municipality, object_type=obj._meta.model_name, object_id=obj.pk
    )


def measure_detail(request, slug: str, pk: int):
    municipality = municipality_get(slug)
    measure = selectors.measure_get(municipality=municipality, user=request.user, pk=pk)
    return render(
        request,
        "strategy/measure_detail.html",
        _context(
            request,
            municipality,
            measure=measure,
            audit=_audit(request, municipality, measure),
            attachments=attachments.attachments_of(measure),
            attach_to="measure",
            panels=panels.measure_panels(request, measure),
        ),  # fmt: skip
    )


def _owner(request, municipality, object_type: str, pk: int):
    """The goal or measure a document belongs to, as far as the visitor may see it."""
    if object_type == "measure":
        return selectors.measure_get(municipality=municipality, user=request.user, pk=pk)
    if object_type == "goal":
        return selectors.goal_get(municipality=municipality, user=request.user, pk=pk)
    raise Http404


@require_POST
def attachment_add(request, slug: str, object_type: str, pk: int):
    municipality = municipality_get(slug)
    obj = _owner(request, municipality, object_type, pk)
    if not rules.can_edit_strategy(request.user, municipality):
        raise PermissionDenied
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": _("Choose a file to attach.")})
        attachments.attachment_add(obj=obj, user=request.user, title=request.POST.get("title", ""),
                                   upload=upload)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The document was attached."))
    return redirect(f"strategy:{object_type}_detail", slug=slug, pk=pk)


@require_POST
def attachment_remove(request, slug: str, object_type: str, pk: int, attachment_id: int):
    municipality = municipality_get(slug)
    obj = _owner(request, municipality, object_type, pk)
    found = attachments.attachments_of(obj).filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    try:
        attachments.attachment_remove(attachment=found, obj=obj, user=request.user)
    except ValidationError as exc:
        raise PermissionDenied(" ".join(exc.messages)) from None
    messages.success(request, _("The document was removed."))
    return redirect(f"strategy:{object_type}_detail", slug=slug, pk=pk)


def attachment_file(request, slug: str, object_type: str, pk: int, attachment_id: int):
    """The document, served as what it is: a picture inline, a PDF as a download; never
    sniffed, never run as a page."""
    municipality = municipality_get(slug)
    obj = _owner(request, municipality, object_type, pk)
    found = attachments.attachments_of(obj).filter(pk=attachment_id).defer(None).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    extension = Attachment.KINDS.get(found.content_type, "bin")
    name = slugify(found.title)[:80] or "dokument"
    disposition = "inline" if found.is_image else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _detail_with_measures(request, municipality, template: str, name: str, obj, filters, **extra):
    """Render a goal or field of action with its visible measures and, for members, its history."""
    measures = selectors.measure_list(municipality=municipality, user=request.user, filters=filters)
    context = _context(
        request,
        municipality,
        measures=measures,
        audit=_audit(request, municipality, obj),
        **{name: obj},
        **extra,
    )
    return render(request, template, context)


def goal_detail(request, slug: str, pk: int):
    municipality = municipality_get(slug)
    goal = selectors.goal_get(municipality=municipality, user=request.user, pk=pk)
    return _detail_with_measures(
        request,
        municipality,
        "strategy/goal_detail.html",
        "goal",
        goal,
        selectors.MeasureFilter(goal=pk),
        attachments=attachments.attachments_of(goal),
        attach_to="goal",
    )


def field_detail(request, slug: str, pk: int):
    municipality = municipality_get(slug)
    field = selectors.object_get(FieldOfAction, pk=pk, user=request.user, municipality=municipality)
    return _detail_with_measures(
        request,
        municipality,
        "strategy/field_detail.html",
        "field",
        field,
        selectors.MeasureFilter(field=pk),
    )


def measure_edit(request, slug: str, pk: int | None = None):
    """Create or change a measure; errors appear next to the fields they concern."""
    municipality = _editable(request, slug)
    measure = None
    initial = {"status": MeasureStatus.IDEA}
    if pk is not None:
        measure = selectors.measure_get(municipality=municipality, user=request.user, pk=pk)
        initial = MeasureForm.initial_for(measure)
    form = MeasureForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if measure is None:
                measure = services.measure_create(
                    municipality=municipality, user=request.user, **form.service_data()
                )
            else:
                services.measure_update(measure=measure, user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The measure was saved."))
            return redirect("strategy:measure_detail", slug=slug, pk=measure.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "strategy/measure_form.html",
        _context(request, municipality, form=form, measure=measure),
        status=status,
    )


def measure_delete(request, slug: str, pk: int):
    municipality = _editable(request, slug)
    measure = selectors.measure_get(municipality=municipality, user=request.user, pk=pk)
    if request.method == "POST":
        services.measure_delete(measure=measure, user=request.user)
        messages.success(request, _("The measure was deleted."))
        return redirect("strategy:house", slug=slug)
    return render(
        request, "strategy/confirm_delete.html", _context(request, municipality, obj=measure)
    )


def _kind(kind: str):
    if kind not in SIMPLE_KINDS:
        raise Http404
    return SIMPLE_KINDS[kind]


def simple_edit(request, slug: str, kind: str, pk: int | None = None):
    """Create or change a value, field of action or user group."""
    model, create, arg, noun = _kind(kind)
    if model is Goal:
        return goal_edit(request, slug, pk)
    municipality = _editable(request, slug)
    obj = None
    initial = {"position": 0}
    if pk is not None:
        obj = selectors.object_get(model, pk=pk, user=request.user, municipality=municipality)
        initial = {f: getattr(obj, f) for f in SimpleForm.base_fields}
    form = SimpleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if obj is None:
                create(municipality=municipality, user=request.user, **form.cleaned_data)
            else:
                update = getattr(services, f"{arg}_update")
                update(**{arg: obj}, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("strategy:house", slug=slug)
    return render(
        request,
        "strategy/simple_form.html",
        _context(
            request,
            municipality,
            form=form,
            obj=obj,
            noun=noun,
            kind=kind,
            audit=_audit(request, municipality, obj) if obj else None,
        ),
        status=422 if request.method == "POST" else 200,
    )


def simple_delete(request, slug: str, kind: str, pk: int):
    model, _create, arg, _noun = _kind(kind)
    municipality = _editable(request, slug)
    obj = selectors.object_get(model, pk=pk, user=request.user, municipality=municipality)
    if request.method == "POST":
        getattr(services, f"{arg}_delete")(**{arg: obj}, user=request.user)
        messages.success(request, _("Deleted."))
        return redirect("strategy:house", slug=slug)
    return render(request, "strategy/confirm_delete.html", _context(request, municipality, obj=obj))


def goal_edit(request, slug: str, pk: int | None = None):
    """Create or change a strategic goal with its SDG targets."""
    municipality = _editable(request, slug)
    goal = None
    initial = {"position": 0, "priority": 2}
    if pk is not None:
        goal = selectors.goal_get(municipality=municipality, user=request.user, pk=pk)
        initial = {f: getattr(goal, f) for f in SimpleForm.base_fields}
        initial.update(priority=goal.priority, sdg_targets=[t.pk for t in goal.sdg_targets.all()])
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if goal is None:
                goal = services.goal_create(
                    municipality=municipality, user=request.user, **form.service_data()
                )
            else:
                services.goal_update(goal=goal, user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The goal was saved."))
            return redirect("strategy:goal_detail", slug=slug, pk=goal.pk)
    return render(
        request,
        "strategy/simple_form.html",
        _context(
            request,
            municipality,
            form=form,
            obj=goal,
            noun=_("strategic goal"),
            kind="goals",
            audit=_audit(request, municipality, goal) if goal else None,
        ),
        status=422 if request.method == "POST" else 200,
    )


def vision(request, slug: str):
    """Show every version of the vision the user may read."""
    municipality = municipality_get(slug)
    history = selectors.vision_history(municipality=municipality, user=request.user)
    return render(request, "strategy/vision.html", _context(request, municipality, history=history))


def vision_edit(request, slug: str):
    municipality = _editable(request, slug)
    current = selectors.vision_current(municipality=municipality, user=request.user)
    initial = (
        {"text": current.text, "text_en": current.text_en, "published": current.published}
        if current
        else {}
    )
    form = VisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.vision_update(
                municipality=municipality, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("A new version of the vision was saved."))
            return redirect("strategy:house", slug=slug)
    return render(
        request,
        "strategy/vision_form.html",
        _context(request, municipality, form=form),
        status=422 if request.method == "POST" else 200,
    )


def analysis(request, slug: str):
    """Show the coverage matrix, the SDG heat map and the gaps of the strategy."""
    municipality = municipality_get(slug)
    result = selectors.analysis(municipality=municipality, user=request.user)
    return render(
        request, "strategy/analysis.html", _context(request, municipality, analysis=result)
    )
