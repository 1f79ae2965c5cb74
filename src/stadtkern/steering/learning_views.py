"""Quality and learning: the shared template library, lessons learned searchable across
the instance, the continuous-improvement log, and a project's lessons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text

from . import rules, selectors
from .forms import ImprovementForm, LessonForm, TemplateForm
from .models import DocumentTemplate, Improvement, ImprovementStatus, Lesson
from .people_views import _team
from .services import learning
from .views import _context, _project, _status


def learning_page(request, slug: str):
    municipality = _team(request, slug)
    q, field = request.GET.get("q", ""), request.GET.get("field", "")
    context = _context(request, municipality, templates=list(DocumentTemplate.objects.all()),
                       lessons=selectors.lessons(request.user, municipality, q=q, field=field), q=q[:100],
                       field=field[:200], improvements=list(Improvement.objects.filter(municipality=municipality)
                                                            .select_related("owner", "project__measure")),
                       statuses=ImprovementStatus.choices)  # fmt: skip
    if context["can_edit"]:
        context.update(
            template_form=TemplateForm(),
            improvement_form=ImprovementForm(municipality=municipality),
        )
    return render(request, "steering/learning.html", context)


def template_page(request, slug: str, template_id: int):
    municipality = _team(request, slug)
    template = DocumentTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise Http404
    return render(request, "steering/template.html", _context(
        request, municipality, template=template, removable=rules.can_change_shared(request.user, template.added_by)))  # fmt: skip


@require_POST
def template_add(request, slug: str):
    municipality = _team(request, slug, edit=True)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            learning.template_create(
                municipality=municipality, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The template was added for every municipality on the instance.")
            )
    else:
        messages.error(request, error_text(form))
    return redirect("steering:learning", slug=slug)


@require_POST
def improvement_add(request, slug: str):
    municipality = _team(request, slug, edit=True)
    form = ImprovementForm(request.POST, municipality=municipality)
    if form.is_valid():
        try:
            learning.improvement_save(
                municipality=municipality, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The improvement was logged."))
    else:
        messages.error(request, error_text(form))
    return redirect("steering:learning", slug=slug)


@require_POST
def improvement_status(request, slug: str, improvement_id: int):
    municipality = _team(request, slug, edit=True)
    improvement = Improvement.objects.filter(municipality=municipality, pk=improvement_id).first()
    if improvement is None:
        raise Http404
    try:
        learning.improvement_save(municipality=municipality, user=request.user, improvement=improvement,
                                  status=request.POST.get("status", ""), result=request.POST.get("result", "")[:3000])  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("steering:learning", slug=slug)


def lesson_new(request, slug: str, pk: int, lesson_id: int | None = None):
    """A new lesson of the project, or (``lesson_id``) changes to one, or its removal."""
    project = _project(request, slug, pk, edit=True)
    lesson, initial = None, {}
    if lesson_id is not None:
        lesson = Lesson.objects.filter(project=project, pk=lesson_id).first()
        if lesson is None:
            raise Http404
        initial = {
            f: getattr(lesson, f)
            for f in ("title", "worked", "did_not", "recommendation", "tags", "shared")
        }
        initial["fields_of_action"] = list(lesson.fields_of_action.all())
    if lesson is not None and request.method == "POST" and "delete" in request.POST:
        learning.lesson_delete(lesson=lesson, user=request.user)
        messages.success(request, _("The lesson was removed."))
        return redirect("steering:project", slug=slug, pk=pk)
    form = LessonForm(request.POST or None, municipality=project.municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            learning.lesson_save(
                project=project, user=request.user, lesson=lesson, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The lesson was saved."))
            return redirect("steering:project", slug=slug, pk=pk)
    if not request.user.is_authenticated:
        raise PermissionDenied
    return render(request, "steering/lesson_form.html", _context(
        request, project.municipality, project=project, form=form, lesson=lesson), status=_status(request))  # fmt: skip


@require_POST
def template_delete(request, slug: str, template_id: int):
    """Remove a shared template: for the municipality that added it, or the instance's staff."""
    _team(request, slug, edit=True)
    template = DocumentTemplate.objects.filter(pk=template_id).select_related("added_by").first()
    if template is None:
        raise Http404
    if not rules.can_change_shared(request.user, template.added_by):
        raise PermissionDenied
    learning.template_delete(template=template, user=request.user)
    messages.success(request, _("The template was removed."))
    return redirect("steering:learning", slug=slug)
