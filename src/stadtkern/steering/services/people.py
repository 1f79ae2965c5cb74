"""People and change: stakeholders, their ties, the communication and participation plan."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import Municipality

from ..models import Attitude, Communication, Project, Stakeholder, Tie
from ..models.people import Format, StakeholderKind
from .common import bounded, delete, member, pick, record, save, store

FIELDS = ("name", "kind", "group", "influence", "interest", "attitude", "contact_owner", "note")
COMMUNICATION_FIELDS = ("project", "group", "format", "channel", "frequency", "owner", "next_on")


def _scale(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise ValidationError({field: _("Rate it from 1 (very low) to 5 (very high).")})
    return value


@transaction.atomic
def stakeholder_save(*, municipality: Municipality, user, stakeholder: Stakeholder | None = None,
                     projects=None, **fields) -> Stakeholder:  # fmt: skip
    pick(fields, FIELDS)
    before = (
        snapshot(stakeholder, {"projects": [p.pk for p in stakeholder.projects.all()]})
        if stakeholder
        else None
    )
    stakeholder = stakeholder or Stakeholder(municipality=municipality)
    for name, value in fields.items():
        setattr(stakeholder, name, value)
    _scale(stakeholder.influence, "influence")
    _scale(stakeholder.interest, "interest")
    if stakeholder.attitude not in Attitude.values:
        raise ValidationError({"attitude": _("Choose supportive, neutral or critical.")})
    if stakeholder.kind not in StakeholderKind.values:
        raise ValidationError({"kind": _("Choose person or organisation.")})
    member(stakeholder.contact_owner, municipality, "contact_owner")
    chosen = None
    if projects is not None:
        chosen = list(Project.objects.filter(municipality=municipality, pk__in=[p.pk if hasattr(p, "pk") else p
                                                                                 for p in projects]))  # fmt: skip
        if len(chosen) != len(set(projects)):
            raise ValidationError(
                {"projects": _("Only objects of this municipality can be chosen.")}
            )
    store(stakeholder, exclude=("contact_owner",))
    if chosen is not None:
        stakeholder.projects.set(chosen)
    record(stakeholder, municipality=municipality, user=user, before=before,
           m2m={"projects": [p.pk for p in stakeholder.projects.all()]})  # fmt: skip
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder, user) -> None:
    delete(stakeholder, municipality=stakeholder.municipality, user=user)


@transaction.atomic
def tie_add(*, a: Stakeholder, b: Stakeholder, user, note: str = "") -> Tie:
    if a.municipality_id != b.municipality_id:
        raise ValidationError({"b": _("Both must belong to this municipality.")})
    if a.pk == b.pk:
        raise ValidationError({"b": _("Choose two different stakeholders.")})
    a, b = (a, b) if a.pk < b.pk else (b, a)
    if Tie.objects.filter(a=a, b=b).exists():
        raise ValidationError({"b": _("These two are already tied.")})
    return save(
        Tie(a=a, b=b, note=note),
        municipality=a.municipality,
        user=user,
        before=None,
        exclude=("a", "b"),
    )


@transaction.atomic
def tie_remove(*, tie: Tie, user) -> None:
    delete(tie, municipality=tie.a.municipality, user=user)


@transaction.atomic
def communication_save(*, municipality: Municipality, user, entry: Communication | None = None,
                       **fields) -> Communication:  # fmt: skip
    """A new line of the communication plan, or changes to ``entry``."""
    pick(fields, COMMUNICATION_FIELDS)
    before = snapshot(entry) if entry is not None else None
    entry = entry or Communication(municipality=municipality)
    for name, value in fields.items():
        setattr(entry, name, value)
    if entry.project_id is not None and entry.project.municipality_id != municipality.pk:
        raise ValidationError({"project": _("Only objects of this municipality can be chosen.")})
    if entry.format not in Format.values:
        raise ValidationError(
            {"format": _("Choose active communication, training or a dialogue format.")}
        )
    member(entry.owner, municipality, "owner")
    bounded(entry.next_on, "next_on")
    return save(
        entry, municipality=municipality, user=user, before=before, exclude=("owner", "project")
    )


@transaction.atomic
def communication_delete(*, entry: Communication, user) -> None:
    delete(entry, municipality=entry.municipality, user=user)
