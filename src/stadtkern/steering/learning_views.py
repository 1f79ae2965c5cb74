"""Quality and learning: the shared template library, lessons learned searchable across
the instance, the continuous-improvement log, and a project's lessons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text

from . import selectors
from .forms import ImprovementForm, LessonForm, TemplateForm
from .models import DocumentTemplate, Improvement, ImprovementStatus
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
    return render(
        request, "steering/template.html", _context(request, municipality, template=template)
    )


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


def lesson_new(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = LessonForm(request.POST or None, municipality=project.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            learning.lesson_save(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The lesson was saved."))
            return redirect("steering:project", slug=slug, pk=pk)
    if not request.user.is_authenticated:
        raise PermissionDenied
    return render(request, "steering/lesson_form.html", _context(
        request, project.municipality, project=project, form=form), status=_status(request))  # fmt: skip
