"""A measure becomes a project; its team; its status reports."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.strategy.models import Measure

from ..models import Project, StatusReport, TeamMember, WorkPackage
from .common import bounded, delete, keeps_minutes, member, pick, save

EDITABLE = ("design", "lead", "department", "start", "end", "published", "pulse_series")


def _dates(project: Project) -> None:
    bounded(project.start, "start")
    bounded(project.end, "end")
    if project.start and project.end and project.end < project.start:
        raise ValidationError({"end": _("The end lies before the start.")})
    if project.pk is None:
        return
    from ..models import BudgetLine, Iteration

    outside = Iteration.objects.filter(project=project).exclude(
        start__gte=project.start, end__lte=project.end
    )
    if outside.exists():
        raise ValidationError({"end": _("Iterations would lie outside the project: %(list)s. Move them first.") % {
            "list": ", ".join(i.name for i in outside[:5])}})  # fmt: skip
    years = BudgetLine.objects.filter(project=project).exclude(
        year__gte=project.start.year, year__lte=project.end.year
    )
    if years.exists():
        raise ValidationError({"end": _("The budget has years outside the project: %(list)s.") % {
            "list": ", ".join(str(y) for y in sorted({b.year for b in years}))}})  # fmt: skip
    outside = WorkPackage.objects.filter(project=project).only("title", "start", "duration")
    early = [p.title for p in outside if p.start < project.start]
    late = [p.title for p in outside if p.finish > project.end]
    if early:
        raise ValidationError({"start": _(
            "Work packages would start before the project: %(list)s. Move them first."
        ) % {"list": ", ".join(early[:5])}})  # fmt: skip
    if late:
        raise ValidationError({"end": _(
            "Work packages would end after the project: %(list)s. Move them first."
        ) % {"list": ", ".join(late[:5])}})  # fmt: skip


@transaction.atomic
def project_create(*, measure: Measure, user, start: date, end: date, **fields) -> Project:
    """The measure's project; one per measure."""
    pick(fields, EDITABLE)
    municipality = measure.municipality
    if Project.objects.filter(measure=measure).exists():
        raise ValidationError({"measure": _("This measure is already a project.")})
    member(fields.get("lead"), municipality, "lead")
    fields.setdefault("department", measure.responsible_unit)
    project = Project(municipality=municipality, measure=measure, start=start, end=end, **fields)
    _dates(project)
    try:
        with transaction.atomic():
            save(project, municipality=municipality, user=user, before=None, exclude=("measure",))
    except IntegrityError:
        raise ValidationError({"measure": _("This measure is already a project.")}) from None
    if project.lead is not None:
        TeamMember.objects.create(project=project, user=project.lead,
                                  name=project.lead.get_full_name() or project.lead.get_username(),
                                  role=_("Project lead"))  # fmt: skip
    return project


@transaction.atomic
def project_update(*, project: Project, user, **changes) -> Project:
    pick(changes, EDITABLE)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = snapshot(project)
    member(changes.get("lead"), project.municipality, "lead")
    for name, value in changes.items():
        setattr(project, name, value)
    _dates(project)
    return save(project, municipality=project.municipality, user=user, before=before,
                exclude=("measure",))  # fmt: skip


@transaction.atomic
def project_delete(*, project: Project, user) -> None:
    keeps_minutes({"series__project": project}, _("project"))
    delete(project, municipality=project.municipality, user=user)


@transaction.atomic
def team_member_add(*, project: Project, user, person=None, name: str = "",
                    role: str = "") -> TeamMember:  # fmt: skip
    """Someone on the team: ``person`` (a user who belongs to the municipality) or an
    outsider by ``name``."""
    member(person, project.municipality, "person")
    if person is not None:
        if TeamMember.objects.filter(project=project, user=person).exists():
            raise ValidationError({"person": _("%(n)s is already on the team.") % {
                "n": person.get_username()}})  # fmt: skip
        name = name or person.get_full_name() or person.get_username()
    if not (name or "").strip():
        raise ValidationError({"name": _("Name a person or choose a user.")})
    team_member = TeamMember(project=project, user=person, name=name.strip(), role=role)
    try:
        with transaction.atomic():
            return save(team_member, municipality=project.municipality, user=user, before=None,
                        exclude=("user",))  # fmt: skip
    except IntegrityError:  # the same person added twice at once
        raise ValidationError({"person": _("This person is already on the team.")}) from None


@transaction.atomic
def team_member_remove(*, team_member: TeamMember, user) -> None:
    delete(team_member, municipality=team_member.project.municipality, user=user)


@transaction.atomic
def report_create(*, project: Project, user, period_end: date, scope: str, time: str,
                  money: str, overall: str, text: str = "") -> StatusReport:  # fmt: skip
    """A status report as of ``period_end``; one a day, none from the future."""
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("A report cannot be dated in the future.")})
    bounded(period_end, "period_end")
    if StatusReport.objects.filter(project=project, period_end=period_end).exists():
        raise ValidationError({"period_end": _("There is already a report as of this day.")})
    report = StatusReport(project=project, period_end=period_end, scope=scope, time=time,
                          money=money, overall=overall, text=text,
                          author=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
    try:
        with transaction.atomic():
            return save(report, municipality=project.municipality, user=user, before=None,
                        exclude=("author",))  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            {"period_end": _("There is already a report as of this day.")}
        ) from None
