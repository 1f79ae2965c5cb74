"""The backlog and the board of an agile or hybrid project. The board works three ways:
drag and drop (board.js posts the move with htmx), arrow buttons that the keyboard
reaches like any button, and a plain form per card; all three post the same move."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stadtkern.core.forms import apply_service_errors, error_text
from stadtkern.core.selectors import audit_readable

from . import rules, selectors
from .forms import ItemForm, IterationForm, MoveForm
from .models import BacklogItem
from .services import backlog
from .views import _context, _project, _status


def _agile(request, slug, pk, *, edit=False):
    project = _project(request, slug, pk, edit=edit)
    if not rules.can_view_internals(request.user, project.municipality):
        raise PermissionDenied
    if not project.has_backlog:
        raise Http404
    return project


def backlog_page(request, slug: str, pk: int):
    project = _agile(request, slug, pk)
    context = _context(request, project.municipality, project=project, items=selectors.backlog(project),
                       iterations=list(project.iterations.all()))  # fmt: skip
    if context["can_edit"]:
        context["iteration_form"] = IterationForm()
    return render(request, "steering/backlog.html", context)


def board_page(request, slug: str, pk: int):
    project = _agile(request, slug, pk)
    board = selectors.board(project, request.GET.get("iteration"))
    burndown = selectors.burndown(board.iteration) if board.iteration else None
    return render(request, "steering/board.html", _context(
        request, project.municipality, project=project, board=board, burndown=burndown))  # fmt: skip


@require_POST
def board_move(request, slug: str, pk: int):
    """One move; answers htmx with the board (409 on a conflict, 422 on a bad move, the
    message inside it), and a plain form with a redirect back to the board."""
    project = _agile(request, slug, pk, edit=True)
    form = MoveForm(request.POST)
    status, message, moved = 200, "", None
    if not form.is_valid():
        status, message = 422, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    else:
        data = form.cleaned_data
        item = BacklogItem.objects.filter(project=project, pk=data["item"]).first()
        if item is None:
            status, message = 422, _("There is no such item on this board.")
        else:
            try:
                if data["go"]:
                    moved = backlog.item_step(item=item, user=request.user, version=data["version"],
                                              direction=data["go"])  # fmt: skip
                else:
                    before = BacklogItem.objects.filter(project=project, pk=data["before"]).first() \
                        if data["before"] else None  # fmt: skip
                    if data["before"] and before is None:
                        raise ValidationError({"before": _("Choose another item of this backlog.")})
                    moved = backlog.item_move(item=item, user=request.user, version=data["version"],
                                              status=data["status"] or None, before=before)  # fmt: skip
            except ValidationError as exc:
                conflict = any(e.code == "conflict" for e in exc.error_list) if not hasattr(exc, "error_dict") \
                    else any(e.code == "conflict" for errors in exc.error_dict.values() for e in errors)  # fmt: skip
                status, message = (409 if conflict else 422), " ".join(exc.messages)
    iteration = request.POST.get("iteration") or ""
    if not request.headers.get("HX-Request"):
        if message:
            messages.error(request, message)
        url = reverse("steering:board", kwargs={"slug": slug, "pk": pk})
        return redirect(f"{url}?iteration={iteration}" if iteration.isdigit() else url)
    board = selectors.board(project, iteration)
    return render(request, "steering/_board.html", _context(
        request, project.municipality, project=project, board=board, message=message,
        focus=moved.pk if moved else (form.cleaned_data.get("item") if form.is_valid() else None),
    ), status=status)  # fmt: skip


def item_new(request, slug: str, pk: int):
    project = _agile(request, slug, pk, edit=True)
    form = ItemForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            backlog.item_create(project=project, user=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The item was added to the end of the backlog."))
            return redirect("steering:backlog", slug=slug, pk=pk)
    return render(request, "steering/item_form.html", _context(
        request, project.municipality, project=project, form=form), status=_status(request))  # fmt: skip


def item_edit(request, slug: str, pk: int, item_id: int):
    project = _agile(request, slug, pk, edit=True)
    item = BacklogItem.objects.filter(project=project, pk=item_id).first()
    if item is None:
        raise Http404
    form = ItemForm(request.POST or None, project=project, initial=ItemForm.initial_of(item))
    status = _status(request)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["version"] = (
            data["version"] or 0
        )  # no version seen: a conflict, never a blind overwrite
        try:
            backlog.item_update(item=item, user=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            if "version" in getattr(exc, "error_dict", {}):
                status = 409
        else:
            messages.success(request, _("The item was saved."))
            return redirect("steering:backlog", slug=slug, pk=pk)
    audit = audit_readable(
        municipality=project.municipality, object_type="backlogitem", object_id=item.pk
    )
    return render(request, "steering/item_form.html", _context(
        request, project.municipality, project=project, form=form, item=item, audit=audit), status=status)  # fmt: skip


@require_POST
def item_delete(request, slug: str, pk: int, item_id: int):
    project = _agile(request, slug, pk, edit=True)
    item = BacklogItem.objects.filter(project=project, pk=item_id).first()
    if item is not None:
        backlog.item_delete(item=item, user=request.user)
        messages.success(request, _("The item was deleted."))
    return redirect("steering:backlog", slug=slug, pk=pk)


@require_POST
def iteration_add(request, slug: str, pk: int):
    project = _agile(request, slug, pk, edit=True)
    form = IterationForm(request.POST)
    if form.is_valid():
        try:
            backlog.iteration_create(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The iteration was saved."))
    else:
        messages.error(request, error_text(form))
    return redirect("steering:backlog", slug=slug, pk=pk)
