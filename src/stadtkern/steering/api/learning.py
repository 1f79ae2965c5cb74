"""Quality and learning: the template library every municipality on the instance shares
(changed only by the municipality that added a template), lessons learned (searchable
across the instance where shared) and the continuous-improvement log."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import PatchDict, Router, Schema, Status
from pydantic import StrictBool

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, SearchText, Slug, Title, text

from .. import rules, selectors
from ..models import DocumentTemplate, Improvement, Lesson
from ..services import learning
from .common import Input, changes, internal, one, plain, project, project_and_owner

router = Router()

TemplateKind = Literal["charter", "status_report", "lessons", "other"]


class TemplateOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    shipped: bool
    added_by: str | None


class TemplateIn(Input):
    kind: TemplateKind
    title: Title
    body: text(20000, 1)


def _template(t: DocumentTemplate) -> dict:
    return {**plain(t, ("id", "kind", "title", "body")), "shipped": t.key is not None,
            "added_by": t.added_by.slug if t.added_by else None}  # fmt: skip


@router.get("/municipalities/{slug}/templates", response=list[TemplateOut], auth=READ)
def template_list(request, slug: Slug):
    """The library: the templates shipped with the instance and those municipalities added."""
    internal(request, slug)
    return [_template(t) for t in DocumentTemplate.objects.select_related("added_by")]


@router.post("/municipalities/{slug}/templates", response={201: TemplateOut}, auth=WRITE)
def template_add(request, slug: Slug, payload: TemplateIn):
    """Add a template for every municipality on the instance."""
    municipality = internal(request, slug, edit=True)
    return Status(201, _template(learning.template_create(municipality=municipality, user=request.auth,
                                                          **payload.dict())))  # fmt: skip


def _shared(request, slug, template) -> DocumentTemplate:
    internal(request, slug, edit=True)
    target = one(DocumentTemplate.objects.select_related("added_by"), template, "template")
    if not rules.can_change_shared(request.auth, target.added_by):
        raise PermissionDenied("Only editors of the municipality that added this template, or the instance's "
                               "staff, may change it.")  # fmt: skip
    return target


@router.patch("/municipalities/{slug}/templates/{template}", response=TemplateOut, auth=WRITE)
def template_update(request, slug: Slug, template: Id, payload: PatchDict[TemplateIn]):
    target = _shared(request, slug, template)
    return _template(
        learning.template_update(template=target, user=request.auth, **changes(payload))
    )


@router.delete("/municipalities/{slug}/templates/{template}", response={204: None}, auth=WRITE)
def template_delete(request, slug: Slug, template: Id):
    learning.template_delete(template=_shared(request, slug, template), user=request.auth)
    return Status(204, None)


# --- lessons learned ---


class LessonOut(Schema):
    id: int
    project: int | None
    source: str
    municipality: str
    title: str
    worked: str
    did_not: str
    recommendation: str
    tags: list[str]
    fields_of_action: list[str]
    shared: bool


class LessonIn(Input):
    title: Title
    worked: text(5000) = ""
    did_not: text(5000) = ""
    recommendation: text(5000, 1)
    tags: text(300) = ""
    shared: StrictBool = False
    fields_of_action: list[Id] = []


def _lesson(lesson: Lesson, municipality) -> dict:
    own = lesson.project.municipality_id == municipality.pk
    source = getattr(lesson, "source", lesson.project.title)
    shown = getattr(lesson, "fields_shown", None)
    shown = list(lesson.fields_of_action.all()) if shown is None else shown
    return {**plain(lesson, ("id", "title", "worked", "did_not", "recommendation", "shared")),
            # another municipality's project is named (and its id given) only when published there
            "project": lesson.project_id if own or source else None, "source": source,
            "municipality": lesson.project.municipality.slug,
            "tags": [t for t in lesson.tags.split(", ") if t],
            "fields_of_action": [f.title for f in shown]}  # fmt: skip


@router.get("/municipalities/{slug}/lessons", response=list[LessonOut], auth=READ)
def lesson_list(request, slug: Slug, q: SearchText = "", field: SearchText = ""):
    """Lessons the team may read: its own and those other municipalities share, searched in
    their text and tags (``q``) and by field of action (``field``, its title)."""
    municipality = internal(request, slug)
    return [
        _lesson(x, municipality)
        for x in selectors.lessons(request.auth, municipality, q=q, field=field)
    ]


@router.post("/municipalities/{slug}/projects/{pk}/lessons", response={201: LessonOut}, auth=WRITE)
def lesson_add(request, slug: Slug, pk: Id, payload: LessonIn):
    found = project(request, slug, pk, edit=True)
    created = learning.lesson_save(project=found, user=request.auth, **payload.dict())
    return Status(201, _lesson(created, found.municipality))


def _own_lesson(request, slug, lesson) -> Lesson:
    municipality = internal(request, slug, edit=True)
    mine = Lesson.objects.filter(project__municipality=municipality).select_related(
        "project__municipality"
    )
    return one(mine, lesson, "lesson of this municipality")


@router.patch("/municipalities/{slug}/lessons/{lesson}", response=LessonOut, auth=WRITE)
def lesson_update(request, slug: Slug, lesson: Id, payload: PatchDict[LessonIn]):
    """Change a lesson of this municipality (sharing it, or no longer)."""
    target = _own_lesson(request, slug, lesson)
    fields = changes(payload)
    if "fields_of_action" not in fields:
        fields["fields_of_action"] = [f.pk for f in target.fields_of_action.all()]
    updated = learning.lesson_save(
        project=target.project, user=request.auth, lesson=target, **fields
    )
    return _lesson(updated, target.project.municipality)


@router.delete("/municipalities/{slug}/lessons/{lesson}", response={204: None}, auth=WRITE)
def lesson_delete(request, slug: Slug, lesson: Id):
    learning.lesson_delete(lesson=_own_lesson(request, slug, lesson), user=request.auth)
    return Status(204, None)


# --- the continuous-improvement log ---


class ImprovementOut(Schema):
    id: int
    project: int | None
    observed: str
    action: str
    owner: int | None
    status: str
    result: str
    created_at: str


class ImprovementIn(Input):
    observed: text(3000, 1)
    action: text(3000, 1)
    project: Id | None = None
    owner: Id | None = None
    status: Literal["open", "doing", "done"] = "open"
    result: text(3000) = ""


def _improvement(i: Improvement) -> dict:
    return {**plain(i, ("id", "project", "observed", "action", "owner", "status", "result")),
            "created_at": i.created_at.isoformat()}  # fmt: skip


@router.get("/municipalities/{slug}/improvements", response=list[ImprovementOut], auth=READ)
def improvement_list(request, slug: Slug):
    municipality = internal(request, slug)
    return [_improvement(i) for i in Improvement.objects.filter(municipality=municipality)]


@router.post("/municipalities/{slug}/improvements", response={201: ImprovementOut}, auth=WRITE)
def improvement_add(request, slug: Slug, payload: ImprovementIn):
    municipality = internal(request, slug, edit=True)
    created = learning.improvement_save(municipality=municipality, user=request.auth,
                                        **project_and_owner(municipality, payload.dict()))  # fmt: skip
    return Status(201, _improvement(created))


@router.patch(
    "/municipalities/{slug}/improvements/{improvement}", response=ImprovementOut, auth=WRITE
)
def improvement_update(request, slug: Slug, improvement: Id, payload: PatchDict[ImprovementIn]):
    """Progress on an improvement: its status and what came of it."""
    municipality = internal(request, slug, edit=True)
    target = one(Improvement.objects.filter(municipality=municipality), improvement, "improvement")
    fields = project_and_owner(municipality, changes(payload, nullable=("project", "owner")))
    return _improvement(learning.improvement_save(municipality=municipality, user=request.auth,
                                                  improvement=target, **fields))  # fmt: skip
