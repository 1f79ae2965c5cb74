"""After the vote: every selected project gets an implementation record (status, progress,
dated updates with an optional picture, the measure of the strategy that carries it),
shown on a public page per process, so that citizens see what became of their vote."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.images import take_picture
from stadtkern.core.services import audit_record
from stadtkern.strategy.models import Measure

from . import rules
from .models import Implementation, ImplementationUpdate, Process, Project


def _editable(project: Project, user) -> None:
    rules.require_editor(user, project.budget.process.municipality)
    if project.selected is not True:
        raise ValidationError(_("Only projects selected in the vote get an implementation record."))


@transaction.atomic
def implementation_set(
    *, project: Project, user, status: str, progress: int, measure: Measure | None = None
) -> Implementation:
    _editable(project, user)
    municipality = project.budget.process.municipality
    if measure is not None and measure.municipality_id != municipality.pk:
        raise ValidationError({"measure": _("The measure belongs to another municipality.")})
    record, created = Implementation.objects.get_or_create(project=project)
    before = None if created else snapshot(record)
    record.status, record.progress, record.measure = status, progress, measure
    record.full_clean()
    record.save()
    audit_record(municipality=municipality, obj=record, user=user,
                 action="create" if created else "update", before=before, after=snapshot(record))  # fmt: skip
    return record


@transaction.atomic
def implementation_note(
    *, project: Project, user, day: date, text: str, image=None, image_alt: str = ""
) -> ImplementationUpdate:
    """Add a dated update; a picture is re-encoded without its metadata."""
    _editable(project, user)
    record, _created = Implementation.objects.get_or_create(project=project)
    update = ImplementationUpdate(implementation=record, day=day, text=text.strip(),
                                  image_alt=(image_alt or "").strip()[:300])  # fmt: skip
    picture = take_picture(image, update.image_alt)
    if picture:
        update.image, update.image_type = picture
    update.full_clean()
    update.save()
    audit_record(municipality=project.budget.process.municipality, obj=update, user=user,
                 action="create", before=None, after={"day": day.isoformat(), "text": update.text})  # fmt: skip
    return update


def selected_projects(process: Process) -> list[Project]:
    """The selected projects of every counted budget, each with its record and updates
    (pictures not loaded), in ballot order."""
    updates = ImplementationUpdate.objects.defer("image")
    projects = (
        Project.objects.filter(budget__process=process, selected=True)
        .select_related("budget", "implementation__measure")
        .prefetch_related(Prefetch("implementation__updates", queryset=updates))
        .defer("image").order_by("budget__id", "position", "id")
    )  # fmt: skip
    out = list(projects)
    for p in out:
        p.record = getattr(p, "implementation", None)
    return out
