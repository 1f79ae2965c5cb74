"""Quality and learning: templates, lessons learned, the improvement log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import Municipality
from stadtkern.strategy.models import FieldOfAction

from ..models import DocumentTemplate, Improvement, ImprovementStatus, Lesson, Project, TemplateKind
from .common import delete, member, own, record, save, store


@transaction.atomic
def template_create(
    *, municipality: Municipality, user, kind: str, title: str, body: str
) -> DocumentTemplate:
    if kind not in TemplateKind.values:
        raise ValidationError(
            {"kind": _("Choose charter, status report, lessons-learned form or other.")}
        )
    return save(DocumentTemplate(kind=kind, title=title, body=body, added_by=municipality), municipality=municipality,
                user=user, before=None, exclude=("added_by", "key"))  # fmt: skip


@transaction.atomic
def template_update(*, template: DocumentTemplate, user, **changes) -> DocumentTemplate:
    unknown = set(changes) - {"kind", "title", "body"}
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    before = snapshot(template)
    for name, value in changes.items():
        setattr(template, name, value)
    if template.kind not in TemplateKind.values:
        raise ValidationError(
            {"kind": _("Choose charter, status report, lessons-learned form or other.")}
        )
    # A shipped template belongs to the instance: its entry has no municipality.
    return save(template, municipality=template.added_by, user=user, before=before,
                exclude=("added_by", "key"))  # fmt: skip


@transaction.atomic
def template_delete(*, template: DocumentTemplate, user) -> None:
    delete(template, municipality=template.added_by, user=user)


@transaction.atomic
def lesson_save(
    *, project: Project, user, lesson: Lesson | None = None, fields_of_action=(), **fields
) -> Lesson:
    allowed = {"title", "worked", "did_not", "recommendation", "tags", "shared"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    chosen = own(FieldOfAction, [getattr(f, "pk", f) for f in fields_of_action], project.municipality,
                 "fields_of_action")  # fmt: skip
    before = (
        snapshot(lesson, {"fields_of_action": [f.pk for f in lesson.fields_of_action.all()]})
        if lesson
        else None
    )
    lesson = lesson or Lesson(
        project=project, created_by=user if getattr(user, "is_authenticated", False) else None
    )
    for name, value in fields.items():
        setattr(lesson, name, value)
    lesson.tags = ", ".join(t.strip() for t in (lesson.tags or "").split(",") if t.strip())[:300]
    store(lesson, exclude=("created_by",))
    lesson.fields_of_action.set(chosen)
    record(lesson, municipality=project.municipality, user=user, before=before,
           m2m={"fields_of_action": [f.pk for f in chosen]})  # fmt: skip
    return lesson


@transaction.atomic
def lesson_delete(*, lesson: Lesson, user) -> None:
    delete(lesson, municipality=lesson.project.municipality, user=user)


@transaction.atomic
def improvement_save(*, municipality: Municipality, user, improvement: Improvement | None = None,
                     **fields) -> Improvement:  # fmt: skip
    allowed = {"project", "observed", "action", "owner", "status", "result"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    if fields.get("project") is not None and fields["project"].municipality_id != municipality.pk:
        raise ValidationError({"project": _("Only objects of this municipality can be chosen.")})
    member(fields.get("owner"), municipality, "owner")
    if fields.get("status", ImprovementStatus.OPEN) not in ImprovementStatus.values:
        raise ValidationError({"status": _("Choose open, in progress or done.")})
    before = snapshot(improvement) if improvement else None
    improvement = improvement or Improvement(municipality=municipality)
    for name, value in fields.items():
        setattr(improvement, name, value)
    return save(
        improvement,
        municipality=municipality,
        user=user,
        before=before,
        exclude=("project", "owner"),
    )
