"""Steering pages: the portfolio, programmes, a project with its team and status reports,
and its plan with the Gantt chart. Thin: forms in, services and selectors out."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable, municipality_get

from . import rules, selectors
from .forms import (
    DependencyForm,
    PackageForm,
    PhaseForm,
    ProgrammeForm,
    ProjectForm,
    RaciForm,
    ReportForm,
    TeamMemberForm,
)
from .models import Dependency, Phase, TeamMember, WorkPackage
from .services import plans, programmes, projects


def _context(request, municipality, **extra) -> dict:
    return {"municipality": municipality,
            "can_edit": rules.can_edit_steering(request.user, municipality),
            "internal": rules.can_view_internals(request.user, municipality), **extra}  # fmt: skip


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_edit_steering(request.user, municipality):
        raise PermissionDenied
    return municipality


def _project(request, slug: str, pk: int, *, edit: bool = False):
    municipality = _editable(request, slug) if edit else municipality_get(slug)
    return selectors.project_get(request.user, municipality, pk)


def _status(request) -> int:
    return 422 if request.method == "POST" else 200


def portfolio(request, slug: str):
    municipality = municipality_get(slug)
    filters = selectors.Filters.of(request.GET)
    rows = selectors.portfolio(request.user, municipality, filters)
    return render(request, "steering/portfolio.html", _context(
        request, municipality, rows=rows, filters=filters,
        choices=selectors.filter_choices(request.user, municipality),
    ))  # fmt: skip


# --- programmes ---


def programme_new(request, slug: str):
    municipality = _editable(request, slug)
    form = ProgrammeForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            programmes.programme_create(
                municipality=municipality, user=request.user, **form.service_data()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("steering:portfolio", slug=slug)
    return render(request, "steering/programme_form.html", _context(request, municipality, form=form),
                  status=_status(request))  # fmt: skip


def programme_edit(request, slug: str, programme: str):
    municipality = _editable(request, slug)
    item = selectors.programme_get(request.user, municipality, programme)
    initial = {f: getattr(item, f) for f in ("title", "title_en", "slug", "kind", "status", "owner",
                                             "start", "end", "description", "published")}  # fmt: skip
    initial.update(goals=list(item.goals.all()), measures=list(item.measures.all()))
    form = ProgrammeForm(request.POST or None, initial=initial, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            programmes.programme_update(programme=item, user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("steering:portfolio", slug=slug)
    audit = audit_readable(municipality=municipality, object_type="programme", object_id=item.pk)
    return render(request, "steering/programme_form.html", _context(
        request, municipality, form=form, programme=item, audit=audit), status=_status(request))  # fmt: skip


# --- projects ---


def project_new(request, slug: str):
    municipality = _editable(request, slug)
    initial = (
        {"measure": request.GET.get("measure")} if request.GET.get("measure", "").isdigit() else {}
    )
    form = ProjectForm(request.POST or None, initial=initial, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        measure = data.pop("measure")
        if not data["department"]:
            data.pop("department")
        try:
            project = projects.project_create(measure=measure, user=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The measure is now a project."))
            return redirect("steering:project", slug=slug, pk=project.pk)
    return render(request, "steering/project_form.html", _context(request, municipality, form=form),
                  status=_status(request))  # fmt: skip


def project_edit(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    municipality = project.municipality
    initial = {
        f: getattr(project, f)
        for f in ("design", "lead", "department", "start", "end", "published", "pulse_series")
    }
    form = ProjectForm(
        request.POST or None, initial=initial, municipality=municipality, project=project
    )
    if request.method == "POST" and form.is_valid():
        try:
            projects.project_update(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The project was saved."))
            return redirect("steering:project", slug=slug, pk=pk)
    audit = audit_readable(municipality=municipality, object_type="project", object_id=project.pk)
    return render(request, "steering/project_form.html", _context(
        request, municipality, form=form, project=project, audit=audit), status=_status(request))  # fmt: skip


def project_detail(request, slug: str, pk: int):
    project = _project(request, slug, pk)
    municipality = project.municipality
    internal = rules.can_view_internals(request.user, municipality)
    plan = selectors.plan(project) if project.has_plan else None
    context = _context(
        request, municipality, project=project, plan=plan,
        milestones=[p for p in plan.packages if p.milestone] if plan else [],
        reports=selectors.reports(project) if internal else [],
        team=list(project.team.select_related("user")) if internal else [],
        high_risks=selectors.high_risks([project]) if internal else [],
        lessons=list(project.lessons.prefetch_related("fields_of_action")) if internal else [],
        pulse=selectors.pulse_chart(project, request.user) if internal else None,
        programmes=list(selectors.programme_list(request.user, municipality).filter(measures=project.measure)),
    )  # fmt: skip
    if context["can_edit"]:
        context.update(
            report_form=ReportForm(), team_form=TeamMemberForm(municipality=municipality)
        )
    return render(request, "steering/project.html", context)


@require_POST
def team_add(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = TeamMemberForm(request.POST, municipality=project.municipality)
    if form.is_valid():
        try:
            projects.team_member_add(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The team member was added."))
    else:
        messages.error(request, error_text(form))
    return redirect("steering:project", slug=slug, pk=pk)


@require_POST
def team_remove(request, slug: str, pk: int, member_id: int):
    project = _project(request, slug, pk, edit=True)
    member = TeamMember.objects.filter(project=project, pk=member_id).first()
    if member is not None:
        projects.team_member_remove(team_member=member, user=request.user)
    return redirect("steering:project", slug=slug, pk=pk)


def report_new(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            projects.report_create(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The status report was saved."))
            return redirect("steering:project", slug=slug, pk=pk)
    return render(request, "steering/report_form.html", _context(
        request, project.municipality, form=form, project=project,
        high_risks=selectors.high_risks([project])), status=_status(request))  # fmt: skip


# --- the plan ---


def plan_page(request, slug: str, pk: int):
    project = _project(request, slug, pk)
    if not rules.can_view_internals(request.user, project.municipality):
        raise PermissionDenied
    context = _context(request, project.municipality, project=project, plan=selectors.plan(project))
    if context["can_edit"]:
        context.update(phase_form=PhaseForm(), package_form=PackageForm(project=project),
                       dependency_form=DependencyForm(project=project))  # fmt: skip
    return render(request, "steering/plan.html", context)


def plan_svg(request, slug: str, pk: int):
    project = _project(request, slug, pk)
    if not rules.can_view_internals(request.user, project.municipality):
        raise PermissionDenied
    chart = selectors.plan(project).chart
    if chart is None:
        return HttpResponse(status=204)
    svg = render(request, "steering/plan.svg", {"chart": chart}).content
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{project.pk}.svg"'
    return response


def _moved(request, moved: list) -> None:
    if moved:
        messages.info(request, _("Pushed later by their predecessors: %(list)s.") % {
            "list": ", ".join(p.title for p in moved[:10])})  # fmt: skip


@require_POST
def phase_add(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = PhaseForm(request.POST)
    if form.is_valid():
        position = project.phases.count()
        plans.phase_create(
            project=project, user=request.user, title=form.cleaned_data["title"], position=position
        )
    else:
        messages.error(request, error_text(form))
    return redirect("steering:plan", slug=slug, pk=pk)


@require_POST
def phase_remove(request, slug: str, pk: int, phase_id: int):
    project = _project(request, slug, pk, edit=True)
    phase = Phase.objects.filter(project=project, pk=phase_id).first()
    if phase is not None:
        plans.phase_delete(phase=phase, user=request.user)
    return redirect("steering:plan", slug=slug, pk=pk)


def package_new(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = PackageForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            plans.package_create(project=project, user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The work package was saved."))
            return redirect("steering:plan", slug=slug, pk=pk)
    return render(request, "steering/package_form.html", _context(
        request, project.municipality, form=form, project=project), status=_status(request))  # fmt: skip


def package_edit(request, slug: str, pk: int, package_id: int):
    project = _project(request, slug, pk, edit=True)
    package = WorkPackage.objects.filter(project=project, pk=package_id).first()
    if package is None:
        raise Http404
    form = PackageForm(
        request.POST or None, project=project, initial=PackageForm.initial_of(package)
    )
    if request.method == "POST" and form.is_valid():
        try:
            _package, moved = plans.package_update(
                package=package, user=request.user, **form.service_data()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The work package was saved."))
            _moved(request, moved)
            return redirect("steering:plan", slug=slug, pk=pk)
    raci = {r.member_id: r.letter for r in package.raci.all()}
    team = [(m, raci.get(m.pk, "")) for m in project.team.all()]
    audit = audit_readable(
        municipality=project.municipality, object_type="workpackage", object_id=package.pk
    )
    return render(request, "steering/package_form.html", _context(
        request, project.municipality, form=form, project=project, package=package, team=team,
        raci_form=RaciForm(project=project), audit=audit), status=_status(request))  # fmt: skip


@require_POST
def package_delete(request, slug: str, pk: int, package_id: int):
    project = _project(request, slug, pk, edit=True)
    package = WorkPackage.objects.filter(project=project, pk=package_id).first()
    if package is not None:
        plans.package_delete(package=package, user=request.user)
        messages.success(request, _("The work package was deleted."))
    return redirect("steering:plan", slug=slug, pk=pk)


@require_POST
def raci_set(request, slug: str, pk: int, package_id: int):
    project = _project(request, slug, pk, edit=True)
    package = WorkPackage.objects.filter(project=project, pk=package_id).first()
    form = RaciForm(request.POST, project=project)
    if package is not None and form.is_valid():
        try:
            plans.responsibility_set(package=package, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    elif package is not None:
        messages.error(request, error_text(form))
    return redirect("steering:package_edit", slug=slug, pk=pk, package_id=package_id)


@require_POST
def dependency_add(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    form = DependencyForm(request.POST, project=project)
    if form.is_valid():
        try:
            _dep, moved = plans.dependency_add(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The dependency was saved."))
            _moved(request, moved)
    else:
        messages.error(request, error_text(form))
    return redirect("steering:plan", slug=slug, pk=pk)


@require_POST
def dependency_remove(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    chosen = request.POST.get("dependency", "")
    dependency = Dependency.objects.filter(successor__project=project, pk=int(chosen)).first() \
        if chosen.isdigit() and len(chosen) < 12 else None  # fmt: skip
    if dependency is None:
        messages.error(request, _("Choose a dependency of this plan."))
    else:
        plans.dependency_remove(dependency=dependency, user=request.user)
        messages.success(request, _("The dependency was removed."))
    return redirect("steering:plan", slug=slug, pk=pk)


@require_POST
def baseline(request, slug: str, pk: int):
    project = _project(request, slug, pk, edit=True)
    plans.baseline_take(project=project, user=request.user)
    messages.success(request, _("The current plan is now the baseline."))
    return redirect("steering:plan", slug=slug, pk=pk)


# --- a plan or backlog as a table ---


def _table_response(request, project, kind: str, fmt: str):
    from django.http import FileResponse

    from . import exchange

    if not rules.can_view_internals(request.user, project.municipality):
        raise PermissionDenied
    if kind == "plan":
        header, rows = exchange.PLAN_COLUMNS, exchange.plan_rows(project)
    else:
        header, rows = exchange.BACKLOG_COLUMNS, exchange.backlog_rows(project)
    name = f"{kind}-{project.pk}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            exchange.as_csv(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return FileResponse(exchange.as_xlsx(header, rows, kind), as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


def table_export(request, slug: str, pk: int, kind: str, fmt: str):
    return _table_response(request, _project(request, slug, pk), kind, fmt)


@require_POST
def table_import(request, slug: str, pk: int, kind: str):
    from stadtkern.data import importing

    from . import exchange

    project = _project(request, slug, pk, edit=True)
    upload = request.FILES.get("file")
    target = "steering:plan" if kind == "plan" else "steering:backlog"
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect(target, slug=slug, pk=pk)
    try:
        with importing.uploaded(upload) as path:
            run = exchange.plan_import if kind == "plan" else exchange.backlog_import
            n = run(project=project, user=request.user, path=path)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s lines were added.") % {"n": n})
    return redirect(target, slug=slug, pk=pk)
