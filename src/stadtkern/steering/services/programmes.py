"""Programmes: create, change, delete; which goals and measures serve each."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import Municipality
from stadtkern.strategy.models import Goal, Measure

from ..models import Programme
from .common import bounded, delete, keeps_minutes, member, own, pick, record, store

EDITABLE = ("title", "title_en", "description", "description_en", "kind", "status", "owner",
            "start", "end", "published", "position", "slug")  # fmt: skip


def _m2m(programme: Programme) -> dict:
    return {"goals": [g.pk for g in programme.goals.all()],
            "measures": [m.pk for m in programme.measures.all()]}  # fmt: skip


def _write(programme, *, user, before, fields, goals, measures) -> Programme:
    municipality = programme.municipality
    pick(fields, EDITABLE)
    member(fields.get("owner"), municipality, "owner")
    for name, value in fields.items():
        setattr(programme, name, value)
    if not programme.slug:
        programme.slug = slugify(programme.title)[:50].strip("-") or "programm"
    chosen_goals = own(Goal, goals, municipality, "goals") if goals is not None else None
    chosen = own(Measure, measures, municipality, "measures") if measures is not None else None
    bounded(programme.start, "start")
    bounded(programme.end, "end")
    if programme.start and programme.end and programme.end < programme.start:
        raise ValidationError({"end": _("The end lies before the start.")})
    taken = Programme.objects.filter(municipality=municipality, slug=programme.slug)
    if taken.exclude(pk=programme.pk).exists():
        raise ValidationError({"slug": _("Another programme already has this short name.")})
    store(programme)
    if chosen_goals is not None:
        programme.goals.set(chosen_goals)
    if chosen is not None:
        programme.measures.set(chosen)
    record(programme, municipality=municipality, user=user, before=before, m2m=_m2m(programme))
    return programme


@transaction.atomic
def programme_create(*, municipality: Municipality, user, title: str, goals=(), measures=(),
                     **fields) -> Programme:  # fmt: skip
    programme = Programme(municipality=municipality, title=title)
    return _write(programme, user=user, before=None, fields=fields, goals=goals, measures=measures)


@transaction.atomic
def programme_update(*, programme: Programme, user, goals=None, measures=None,
                     **changes) -> Programme:  # fmt: skip
    before = snapshot(programme, _m2m(programme))
    return _write(programme, user=user, before=before, fields=changes, goals=goals,
                  measures=measures)  # fmt: skip


@transaction.atomic
def programme_delete(*, programme: Programme, user) -> None:
    keeps_minutes({"series__programme": programme}, _("programme"))
    delete(programme, municipality=programme.municipality, user=user)
