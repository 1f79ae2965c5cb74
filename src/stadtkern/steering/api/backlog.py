"""The backlog: items in priority order, moves on the board (a stale version is a 409),
and iterations with their burndown."""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, PatchDict, Router, Schema, Status

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, LongText, Slug, Title, text

from .. import selectors
from ..models import BacklogItem, Iteration, TeamMember, WorkPackage
from ..services import backlog
from .common import Input, changes, one, plain, project

router = Router()

Kind = Literal["story", "task", "bug", "spike"]
ColumnName = Literal["todo", "doing", "review", "done"]
Points = Annotated[int, Field(ge=0, le=1000)]

ITEM_OUT = ("id", "kind", "title", "description", "acceptance", "estimate", "assignee", "iteration", "package",
            "status", "rank", "version")  # fmt: skip


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    acceptance: str
    estimate: int | None
    assignee: int | None
    iteration: int | None
    package: int | None
    status: str
    rank: int
    version: int


@router.get("/municipalities/{slug}/projects/{pk}/backlog", response=list[ItemOut], auth=READ)
def backlog_list(request, slug: Slug, pk: Id):
    """The backlog in priority order (highest first)."""
    return [plain(i, ITEM_OUT) for i in selectors.backlog(project(request, slug, pk))]


class ItemIn(Input):
    title: Title
    kind: Kind = "story"
    description: LongText = ""
    acceptance: LongText = ""
    estimate: Points | None = None
    assignee: Id | None = None
    iteration: Id | None = None
    package: Id | None = None
    status: ColumnName = "todo"


class ItemChange(ItemIn):
    version: Id | None = None


def _references(found, fields: dict) -> dict:
    """Team member, iteration and package ids, each of this project or a 404."""
    for name, model, what in (("assignee", TeamMember, "team member"), ("iteration", Iteration, "iteration"),
                              ("package", WorkPackage, "work package")):  # fmt: skip
        if fields.get(name) is not None:
            fields[name] = one(model.objects.filter(project=found), fields[name], what)
    return fields


@router.post("/municipalities/{slug}/projects/{pk}/backlog", response={201: ItemOut}, auth=WRITE)
def item_add(request, slug: Slug, pk: Id, payload: ItemIn):
    """A new item at the end of the backlog (the lowest priority)."""
    found = project(request, slug, pk, edit=True)
    fields = _references(found, payload.dict())
    return Status(
        201, plain(backlog.item_create(project=found, user=request.auth, **fields), ITEM_OUT)
    )


def _item(request, slug, pk, item):
    found = project(request, slug, pk, edit=True)
    return found, one(BacklogItem.objects.filter(project=found), item, "item in this backlog")


@router.patch("/municipalities/{slug}/projects/{pk}/backlog/{item}", response=ItemOut, auth=WRITE)
def item_update(request, slug: Slug, pk: Id, item: Id, payload: PatchDict[ItemChange]):
    """Change an item; with ``version`` a change someone else overtook is a conflict (409)."""
    found, target = _item(request, slug, pk, item)
    fields = changes(payload, nullable=("estimate", "assignee", "iteration", "package", "version"))
    version = fields.pop("version", None)
    updated = backlog.item_update(item=target, user=request.auth, version=version,
                                  **_references(found, fields))  # fmt: skip
    return plain(updated, ITEM_OUT)


@router.delete(
    "/municipalities/{slug}/projects/{pk}/backlog/{item}", response={204: None}, auth=WRITE
)
def item_delete(request, slug: Slug, pk: Id, item: Id):
    _found, target = _item(request, slug, pk, item)
    backlog.item_delete(item=target, user=request.auth)
    return Status(204, None)


class MoveIn(Input):
    version: Id
    status: ColumnName | None = None
    before: Id | None = None


@router.post(
    "/municipalities/{slug}/projects/{pk}/backlog/{item}/move", response=ItemOut, auth=WRITE
)
def backlog_move(request, slug: Slug, pk: Id, item: Id, payload: MoveIn):
    """Move an item to a column and before another item (or to the end of the column).
    ``version`` is the version the caller saw: a stale one is a conflict (409)."""
    found, target = _item(request, slug, pk, item)
    before = (
        one(BacklogItem.objects.filter(project=found), payload.before, "item in this backlog")
        if payload.before
        else None
    )
    moved = backlog.item_move(item=target, user=request.auth, version=payload.version, status=payload.status,
                              before=before)  # fmt: skip
    return plain(moved, ITEM_OUT)


# --- iterations ---


class IterationOut(Schema):
    id: int
    name: str
    goal: str
    start: date
    end: date
    points: int
    points_done: int


class IterationIn(Input):
    name: text(100, 1)
    start: date
    end: date
    goal: text(1000) = ""


def _iteration_out(iteration, items=None) -> dict:
    items = items if items is not None else list(iteration.items.values_list("estimate", "status"))
    return {**plain(iteration, ("id", "name", "goal", "start", "end")),
            "points": sum(e or 0 for e, _s in items),
            "points_done": sum(e or 0 for e, s in items if s == "done")}  # fmt: skip


@router.get(
    "/municipalities/{slug}/projects/{pk}/iterations", response=list[IterationOut], auth=READ
)
def iteration_list(request, slug: Slug, pk: Id):
    """The iterations in order, each with its points planned and done."""
    found = project(request, slug, pk)
    items: dict[int, list] = {}
    for iteration_id, estimate, status in (
        BacklogItem.objects.filter(project=found)
        .exclude(iteration=None)
        .values_list("iteration_id", "estimate", "status")
    ):
        items.setdefault(iteration_id, []).append((estimate, status))
    return [_iteration_out(i, items.get(i.pk, [])) for i in Iteration.objects.filter(project=found)]


@router.post(
    "/municipalities/{slug}/projects/{pk}/iterations", response={201: IterationOut}, auth=WRITE
)
def iteration_add(request, slug: Slug, pk: Id, payload: IterationIn):
    """A new iteration inside the project; it may not overlap another."""
    found = project(request, slug, pk, edit=True)
    return Status(201, _iteration_out(backlog.iteration_create(project=found, user=request.auth,
                                                               **payload.dict())))  # fmt: skip


def _iteration(request, slug, pk, iteration):
    found = project(request, slug, pk, edit=True)
    return one(Iteration.objects.filter(project=found), iteration, "iteration")


@router.patch(
    "/municipalities/{slug}/projects/{pk}/iterations/{iteration}", response=IterationOut, auth=WRITE
)
def iteration_update(request, slug: Slug, pk: Id, iteration: Id, payload: PatchDict[IterationIn]):
    target = _iteration(request, slug, pk, iteration)
    return _iteration_out(
        backlog.iteration_update(iteration=target, user=request.auth, **changes(payload))
    )


@router.delete(
    "/municipalities/{slug}/projects/{pk}/iterations/{iteration}", response={204: None}, auth=WRITE
)
def iteration_delete(request, slug: Slug, pk: Id, iteration: Id):
    """Remove an iteration; its items go back to the backlog."""
    backlog.iteration_delete(iteration=_iteration(request, slug, pk, iteration), user=request.auth)
    return Status(204, None)
