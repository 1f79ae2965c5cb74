"""Editors' pages for setting up participation: processes with phases, budgets and projects;
surveys with their questions; the next wave of a pulse check; citizens' assemblies.

The same services stand behind these pages and the set-up API; the forms only parse.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from stadtkern.core.forms import apply_service_errors
from stadtkern.core.selectors import municipality_get

from . import assemblies, rules, services, surveys
from .forms import (
    AssemblyEditForm,
    AssemblyForm,
    BudgetForm,
    PhaseForm,
    ProcessEditForm,
    ProcessForm,
    ProjectForm,
    QuestionFormSet,
    SeriesForm,
    SurveyEditForm,
    SurveyForm,
    WaveForm,
)
from .models import Ballot, Project
from .selectors import assembly_get, process_get, survey_get


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_edit_participation(request.user, municipality):
        raise PermissionDenied(_("Only the municipality's editors set up participation."))
    return municipality


def _saved(form, call) -> object | None:
    """Run the service if the form is valid; put its errors on the form. Return its result."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


def process_new(request, slug: str):
    municipality = _editable(request, slug)
    form = ProcessForm(request.POST or None)
    if request.method == "POST":
        process = _saved(
            form, lambda data: services.process_create(municipality=municipality, **data)
        )
        if process is not None:
            messages.success(request, _("The process was created. Now add its phases and budgets."))
            return redirect("participation:process_setup", slug=slug, process_slug=process.slug)
    return render(request, "participation/setup_new.html", {
        "municipality": municipality, "form": form, "heading": _("New participation process"),
    }, status=422 if form.errors else 200)  # fmt: skip


def process_setup(request, slug: str, process_slug: str):
    """One page for the whole set-up; each form says which part it changes (``part``)."""
    municipality = _editable(request, slug)
    process = process_get(request.user, slug, process_slug)
    budgets = list(
        process.budgets.annotate(
            locked=Exists(Ballot.objects.filter(budget=OuterRef("pk")))
        ).prefetch_related("projects")
    )
    part = request.POST.get("part") if request.method == "POST" else None
    data = request.POST if part else None
    details = ProcessEditForm(data if part == "details" else None, initial={
        "title": process.title, "title_en": process.title_en, "description": process.description,
        "description_en": process.description_en, "published": process.published,
    })  # fmt: skip
    phase = PhaseForm(data if part == "phase" else None, prefix="phase")
    budget = BudgetForm(data if part == "budget" else None, prefix="budget")
    project_forms = {
        b.pk: ProjectForm(
            data if part == "project" and request.POST.get("budget") == str(b.pk) else None,
            request.FILES
            if part == "project" and request.POST.get("budget") == str(b.pk)
            else None,
            prefix=f"project-{b.pk}",
        )
        for b in budgets
    }
    done = None
    if part == "details":
        done = _saved(
            details, lambda d: services.process_update(process=process, user=request.user, **d)
        )
    elif part == "phase":
        done = _saved(phase, lambda d: services.phase_create(process=process, **d))
    elif part == "budget":
        done = _saved(budget, lambda d: services.budget_create(process=process, **d))
    elif part == "project":
        target = next((b for b in budgets if str(b.pk) == request.POST.get("budget")), None)
        if target is None:
            raise Http404(_("No such budget."))
        done = _saved(
            project_forms[target.pk], lambda d: services.project_create(budget=target, **d)
        )
    elif part is not None:
        raise Http404(_("No such part of the set-up."))
    if done is not None:
        messages.success(request, _("Saved."))
        return redirect("participation:process_setup", slug=slug, process_slug=process.slug)
    for b in budgets:
        b.form = project_forms[b.pk]
    failed = any(f.errors for f in (details, phase, budget, *project_forms.values()))
    return render(request, "participation/setup_process.html", {
        "municipality": municipality, "process": process, "details": details, "phase_form": phase,
        "budget_form": budget, "phases": process.phases.all(), "budgets": budgets,
    }, status=422 if failed else 200)  # fmt: skip


# What the set-up page links to for editing: the form, how to find the object in the
# process, and the services that change and remove it.
EDITABLE = {
    "phases": ("phase", PhaseForm, lambda process: process.phases.all(),
               services.phase_update, services.phase_delete),
    "budgets": ("budget", BudgetForm, lambda process: process.budgets.all(),
                services.budget_update, services.budget_delete),
    "projects": ("project", ProjectForm,
                 lambda process: Project.objects.filter(budget__process=process).select_related("budget"),
                 services.project_update, services.project_delete),
}  # fmt: skip


def setup_edit(request, slug: str, process_slug: str, kind: str, pk: int):
    """Change or remove a phase, budget or project of a process."""
    municipality = _editable(request, slug)
    process = process_get(request.user, slug, process_slug)
    if kind not in EDITABLE:
        raise Http404(_("No such part of the set-up."))
    name, form_class, objects, update, delete = EDITABLE[kind]
    obj = objects(process).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such part of the set-up."))
    blank = form_class()
    initial = {field: getattr(obj, field) for field in blank.fields if field != "image"}
    saving = request.method == "POST" and request.POST.get("action") != "delete"
    form = form_class(
        request.POST if saving else None, request.FILES if saving else None, initial=initial
    )
    removal_error = None
    if request.method == "POST":
        try:
            if saving:
                done = _saved(form, lambda data: update(**{name: obj}, user=request.user, **data))
            else:
                delete(**{name: obj}, user=request.user)
                done = True
        except ValidationError as exc:
            removal_error, done = " ".join(exc.messages), None
        if done is not None:
            messages.success(request, _("Saved.") if saving else _("Removed."))
            return redirect("participation:process_setup", slug=slug, process_slug=process.slug)
    return render(request, "participation/setup_edit.html", {
        "municipality": municipality, "process": process, "form": form, "obj": obj, "kind": kind,
        "removal_error": removal_error,
    }, status=422 if form.errors or removal_error else 200)  # fmt: skip


def survey_new(request, slug: str):
    municipality = _editable(request, slug)
    form = SurveyForm(request.POST or None)
    questions = QuestionFormSet(request.POST or None, prefix="q")
    if request.method == "POST":
        if questions.is_valid():
            rows = [q for q in (f.question() for f in questions) if q is not None]
            survey = _saved(form, lambda data: surveys.survey_create(
                municipality=municipality, questions=rows, **data))  # fmt: skip
            if survey is not None:
                messages.success(request, _("The survey was created."))
                return redirect("participation:survey", slug=slug, survey_slug=survey.slug)
        elif form.is_valid():
            form.add_error(None, _("Please correct the marked questions."))
    return render(request, "participation/setup_survey.html", {
        "municipality": municipality, "form": form, "questions": questions,
    }, status=422 if form.errors or questions.total_error_count() else 200)  # fmt: skip


def wave_new(request, slug: str, series: str | None = None):
    """Start the next wave of a pulse check series (the trend page links here), or the first
    wave of a new series."""
    municipality = _editable(request, slug)
    form = (WaveForm if series else SeriesForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {"series": series, **form.cleaned_data}
        wave = _saved(form, lambda _data: surveys.pulse_create(municipality=municipality, **data))
        if wave is not None:
            messages.success(request, _("The new wave was started."))
            return redirect("participation:pulse_trend", slug=slug, series=wave.series)
    heading = (
        _("New wave of the pulse check %(series)s") % {"series": series}
        if series
        else _("New pulse check")
    )
    return render(request, "participation/setup_new.html", {
        "municipality": municipality, "form": form, "heading": heading,
    }, status=422 if form.errors else 200)  # fmt: skip


def assembly_new(request, slug: str):
    municipality = _editable(request, slug)
    form = AssemblyForm(request.POST or None)
    if request.method == "POST":
        assembly = _saved(form, lambda data: assemblies.assembly_create(
            municipality=municipality, **data))  # fmt: skip
        if assembly is not None:
            messages.success(
                request, _("The citizens' assembly was created; volunteers can register now.")
            )
            return redirect("participation:assembly", slug=slug, assembly_slug=assembly.slug)
    return render(request, "participation/setup_new.html", {
        "municipality": municipality, "form": form, "heading": _("New citizens' assembly"),
    }, status=422 if form.errors else 200)  # fmt: skip


def _edit_page(request, municipality, obj, form, update, back):
    """Show and save the edit form of a survey or an assembly."""
    if request.method == "POST" and _saved(form, lambda data: update(obj, data)) is not None:
        messages.success(request, _("Saved."))
        return back
    return render(request, "participation/setup_new.html", {
        "municipality": municipality, "form": form, "button": _("Save"),
        "heading": _("Edit: %(title)s") % {"title": obj.title},
    }, status=422 if form.errors else 200)  # fmt: skip


def survey_edit(request, slug: str, survey_slug: str):
    municipality = _editable(request, slug)
    survey = survey_get(request.user, slug, survey_slug)
    initial = {f: getattr(survey, f) for f in SurveyEditForm.base_fields if f != "slug"}
    form = SurveyEditForm(request.POST or None, initial=initial)
    return _edit_page(
        request, municipality, survey, form,
        lambda s, data: surveys.survey_update(survey=s, user=request.user, **data),
        redirect("participation:survey", slug=slug, survey_slug=survey.slug),
    )  # fmt: skip


def assembly_edit(request, slug: str, assembly_slug: str):
    municipality = _editable(request, slug)
    assembly = assembly_get(request.user, slug, assembly_slug)
    initial = {f: getattr(assembly, f) for f in AssemblyEditForm.base_fields if f != "slug"}
    initial["shares"] = assemblies.shares_text(assembly.shares)
    form = AssemblyEditForm(request.POST or None, initial=initial)
    return _edit_page(
        request, municipality, assembly, form,
        lambda a, data: assemblies.assembly_update(assembly=a, user=request.user, **data),
        redirect("participation:assembly", slug=slug, assembly_slug=assembly.slug),
    )  # fmt: skip
