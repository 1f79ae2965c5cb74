"""The backlog: items in one priority order, iterations, and moves on the board.

A move names the version of the item it saw: if someone else moved or changed the item
meanwhile, the move is refused (``code="conflict"``) and the board shows where the item
is now, instead of one editor silently undoing the other's move.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot

from ..models import BacklogItem, Column, Iteration, Project, TeamMember, WorkPackage
from .common import delete, pick, record, save, shown, store
from .plans import locked

ITEM_FIELDS = ("kind", "title", "description", "acceptance", "estimate", "assignee", "iteration",
               "package", "status")  # fmt: skip
COLUMNS = list(Column.values)


def _references(project: Project, fields: dict) -> None:
    checks = {"assignee": (TeamMember, _("Choose a member of this project's team.")),
              "iteration": (Iteration, _("Choose an iteration of this project.")),
              "package": (WorkPackage, _("Choose a work package of this project."))}  # fmt: skip
    for name, (_model, message) in checks.items():
        value = fields.get(name)
        if value is not None and value.project_id != project.pk:
            raise ValidationError({name: message})
    if "status" in fields and fields["status"] not in COLUMNS:
        raise ValidationError({"status": _("There is no column '%(c)s' on the board.") % {
            "c": str(fields["status"])[:40]}})  # fmt: skip


def _conflict(item: BacklogItem, version) -> None:
    if version is not None and int(version) != item.version:
        raise ValidationError({"version": ValidationError(_(
            "Someone else changed '%(t)s' meanwhile; the board now shows where it is."
        ) % {"t": item.title}, code="conflict")})  # fmt: skip


MAX_ITERATION_DAYS = 92  # a quarter; sprints are weeks
GAP = 1024  # between neighbours' ranks: a move takes the middle of a gap, touching one row


def _renumber(project: Project) -> None:
    """Spread the ranks again, in the same order (rare: when a gap is used up)."""
    items = list(BacklogItem.objects.filter(project=project).order_by("rank", "pk").only("rank"))
    for n, it in enumerate(items, start=1):
        it.rank = n * GAP
    BacklogItem.objects.bulk_update(items, ["rank"], batch_size=1000)


def _between(project: Project, item: BacklogItem, low: int | None, high: int | None) -> int | None:
    """A free rank strictly between ``low`` and ``high`` (None: open end), or None."""
    if high is None:
        return (low or 0) + GAP
    if low is None:
        low = high - 2 * GAP
    return (low + high) // 2 if high - low > 1 else None


def _place(project: Project, item: BacklogItem, status: str, before: BacklogItem | None) -> int:
    """The new rank of ``item``: just before ``before``, or after the last item of the
    column ``status`` on the item's board. Only the moved item's row changes."""
    for _attempt in range(2):
        others = BacklogItem.objects.filter(project=project).exclude(pk=item.pk)
        if before is not None:
            high = BacklogItem.objects.get(pk=before.pk).rank
            low = others.filter(rank__lt=high).aggregate(m=Max("rank"))["m"]
        else:
            low = others.filter(iteration_id=item.iteration_id, status=status).aggregate(
                m=Max("rank")
            )["m"]
            if low is None:
                return item.rank  # an empty column: the item keeps its place in the backlog
            high = others.filter(rank__gt=low).aggregate(m=Min("rank"))["m"]
        rank = _between(project, item, low, high)
        if rank is not None:
            return rank
        _renumber(project)
    raise RuntimeError("no rank free after renumbering")  # cannot happen: gaps are GAP wide


def _done_at(item: BacklogItem, status: str) -> None:
    if status == Column.DONE and item.status != Column.DONE:
        item.done_at = timezone.now()
    elif status != Column.DONE:
        item.done_at = None


@transaction.atomic
def item_create(*, project: Project, user, title: str, **fields) -> BacklogItem:
    """A new item at the end of the backlog (the lowest priority)."""
    pick(fields, ITEM_FIELDS)
    project = locked(project)
    _references(project, fields)
    last = BacklogItem.objects.filter(project=project).aggregate(m=Max("rank"))["m"]
    item = BacklogItem(project=project, title=title, rank=(last or 0) + GAP, **fields)
    if item.status == Column.DONE:
        item.done_at = timezone.now()
    return save(item, municipality=project.municipality, user=user, before=None,
                exclude=("assignee", "iteration", "package"))  # fmt: skip


@transaction.atomic
def item_update(*, item: BacklogItem, user, version=None, **changes) -> BacklogItem:
    pick(changes, ITEM_FIELDS)
    project = locked(item.project)
    item = BacklogItem.objects.select_for_update().get(pk=item.pk)
    _conflict(item, version)
    _references(project, changes)
    if all(getattr(item, name) == value for name, value in changes.items()):
        return item  # nothing changes: no new version that would turn others' moves stale
    before = snapshot(item)
    if "status" in changes:
        _done_at(item, changes["status"])
    for name, value in changes.items():
        setattr(item, name, value)
    item.version += 1
    return save(item, municipality=project.municipality, user=user, before=before,
                exclude=("assignee", "iteration", "package"))  # fmt: skip


@transaction.atomic
def item_delete(*, item: BacklogItem, user) -> None:
    delete(item, municipality=item.project.municipality, user=user)


@transaction.atomic
def item_move(*, item: BacklogItem, user, version, status: str | None = None,
              before: BacklogItem | None = None) -> BacklogItem:  # fmt: skip
    """Put ``item`` into the column ``status`` (its own when None), just before ``before``
    or, without it, at the end of that column on its board (its iteration)."""
    project = locked(item.project)
    item = BacklogItem.objects.select_for_update().get(pk=item.pk)
    _conflict(item, version)
    status = item.status if status is None else status
    _references(project, {"status": status})
    if before is not None and (before.project_id != project.pk or before.pk == item.pk):
        raise ValidationError({"before": _("Choose another item of this backlog.")})
    rank = _place(project, item, status, before)
    before_state = snapshot(item)
    _done_at(item, status)
    item.status, item.rank, item.version = status, rank, item.version + 1
    store(item, exclude=("assignee", "iteration", "package"))
    record(item, municipality=project.municipality, user=user, before=before_state)
    return item


@transaction.atomic
def item_step(*, item: BacklogItem, user, version, direction: str) -> BacklogItem:
    """The board's arrow buttons: one column left or right (to the end of it), or one
    place up or down within the column."""
    column = COLUMNS.index(item.status)
    if direction in ("left", "right"):
        target = column + (1 if direction == "right" else -1)
        if not 0 <= target < len(COLUMNS):
            raise ValidationError({"status": _("There is no column beyond this one.")})
        return item_move(item=item, user=user, version=version, status=COLUMNS[target])
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move left, right, up or down.")})
    same = list(BacklogItem.objects.filter(project_id=item.project_id, iteration_id=item.iteration_id,
                                           status=item.status).order_by("rank", "pk"))  # fmt: skip
    here = next(i for i, x in enumerate(same) if x.pk == item.pk)
    if direction == "up":
        if here == 0:
            raise ValidationError({"direction": _("The item is already at the top.")})
        return item_move(item=item, user=user, version=version, before=same[here - 1])
    if here == len(same) - 1:
        raise ValidationError({"direction": _("The item is already at the bottom.")})
    after_next = same[here + 2] if here + 2 < len(same) else None
    return item_move(item=item, user=user, version=version, before=after_next)


def _overlap(project: Project, iteration: Iteration) -> None:
    if iteration.start < project.start or iteration.end > project.end:
        raise ValidationError({"start" if iteration.start < project.start else "end": _(
            "An iteration lies within the project (%(a)s – %(b)s).") % {
            "a": shown(project.start), "b": shown(project.end)}})  # fmt: skip
    others = Iteration.objects.filter(
        project=project, start__lte=iteration.end, end__gte=iteration.start
    )
    clash = others.exclude(pk=iteration.pk).first()
    if clash is not None:
        raise ValidationError({"start": _(
            "This overlaps '%(n)s' (%(a)s – %(b)s): iterations follow each other."
        ) % {"n": clash.name, "a": shown(clash.start), "b": shown(clash.end)}})  # fmt: skip


@transaction.atomic
def iteration_create(*, project: Project, user, name: str, start: date, end: date,
                     goal: str = "") -> Iteration:  # fmt: skip
    project = locked(project)
    iteration = Iteration(project=project, name=name, start=start, end=end, goal=goal)
    return _iteration_write(project, iteration, user=user, before=None)


def _iteration_write(project: Project, iteration: Iteration, *, user, before) -> Iteration:
    if iteration.end < iteration.start:
        raise ValidationError({"end": _("The end lies before the start.")})
    if (iteration.end - iteration.start).days > MAX_ITERATION_DAYS:
        raise ValidationError(
            {"end": _("An iteration lasts at most %(n)s days.") % {"n": MAX_ITERATION_DAYS}}
        )
    _overlap(project, iteration)
    return save(iteration, municipality=project.municipality, user=user, before=before)


@transaction.atomic
def iteration_update(*, iteration: Iteration, user, **changes) -> Iteration:
    """New name, goal or dates; the dates are checked like a new iteration's."""
    pick(changes, ("name", "goal", "start", "end"))
    project = locked(iteration.project)
    iteration = Iteration.objects.get(pk=iteration.pk)
    before = snapshot(iteration)
    for name, value in changes.items():
        setattr(iteration, name, value)
    return _iteration_write(project, iteration, user=user, before=before)


@transaction.atomic
def iteration_delete(*, iteration: Iteration, user) -> None:
    delete(iteration, municipality=iteration.project.municipality, user=user)
