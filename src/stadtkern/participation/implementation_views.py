"""Pages of the implementation records: the public page per process, and the editors'
page of one selected project."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from stadtkern.core.forms import apply_service_errors
from stadtkern.core.images import picture_response

from . import implementation, rules
from .forms import ImplementationForm, NoteForm
from .models import ImplementationUpdate, Project
from .selectors import process_get


def implementation_page(request, slug: str, process_slug: str):
    process = process_get(request.user, slug, process_slug)
    projects = implementation.selected_projects(process)
    return render(request, "participation/implementation.html", {
        "municipality": process.municipality, "process": process, "projects": projects,
        "can_edit": rules.can_edit_participation(request.user, process.municipality),
    })  # fmt: skip


def implementation_edit(request, slug: str, process_slug: str, pk: int):
    process = process_get(request.user, slug, process_slug)
    rules.require_editor(request.user, process.municipality)
    project = Project.objects.filter(pk=pk, budget__process=process, selected=True).select_related(
        "budget__process__municipality").defer("image").first()  # fmt: skip
    if project is None:
        raise Http404(_("No such selected project."))
    record = getattr(project, "implementation", None)
    part = request.POST.get("part") if request.method == "POST" else None
    form = ImplementationForm(
        request.POST if part == "record" else None, municipality=process.municipality,
        initial={"status": getattr(record, "status", "planned"), "progress": getattr(record, "progress", 0),
                 "measure": getattr(record, "measure_id", None)},
    )  # fmt: skip
    note = NoteForm(
        request.POST if part == "note" else None, request.FILES if part == "note" else None
    )
    if part in ("record", "note"):
        target = form if part == "record" else note
        if target.is_valid():
            try:
                if part == "record":
                    implementation.implementation_set(
                        project=project, user=request.user, **form.cleaned_data
                    )
                else:
                    implementation.implementation_note(
                        project=project, user=request.user, **note.cleaned_data
                    )
            except ValidationError as exc:
                apply_service_errors(target, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "participation:implementation", slug=slug, process_slug=process_slug
                )
    return render(request, "participation/implementation_edit.html", {
        "municipality": process.municipality, "process": process, "project": project,
        "form": form, "note": note,
    }, status=422 if (form.errors or note.errors) else 200)  # fmt: skip


def update_image(request, slug: str, process_slug: str, pk: int):
    process = process_get(request.user, slug, process_slug)
    found = (
        ImplementationUpdate.objects.filter(pk=pk, implementation__project__budget__process=process)
        .exclude(image=None)
        .first()
    )
    return picture_response(found, public=process.published)
