"""Every write of the strategy house.

Each public function validates all of its input before it writes anything, runs in
one transaction and leaves an audit entry (who, when, before, after). References to
goals, fields of action or user groups must belong to the same municipality; SDG
targets must exist in the catalogue. A failure raises ``ValidationError`` naming the
field, and nothing is saved.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import AuditEntry, Municipality
from stadtkern.core.services import audit_record

from .models import (
    Attachment,
    Benefit,
    FieldOfAction,
    Goal,
    Measure,
    SdgTarget,
    Tag,
    UserGroup,
    Value,
    VisionVersion,
)

DEFAULT_FIELDS_OF_ACTION = [
    ("Mobilität", "Mobility"),
    ("Umwelt & Klima", "Environment & climate"),
    ("Energie", "Energy"),
    ("Verwaltung", "Administration"),
    ("Wohnen & Quartier", "Housing & neighbourhoods"),
    ("Wirtschaft & Handel", "Economy & retail"),
    ("Bildung", "Education"),
    ("Gesundheit & Soziales", "Health & social affairs"),
    ("Zivilgesellschaft & Teilhabe", "Civil society & participation"),
    ("Infrastruktur & Daten", "Infrastructure & data"),
]

DEFAULT_USER_GROUPS = [
    ("Bürgerinnen und Bürger", "Citizens"),
    ("Kinder und Jugendliche", "Children and young people"),
    ("Seniorinnen und Senioren", "Older people"),
    ("Menschen mit Behinderung", "People with disabilities"),
    ("Unternehmen und Handel", "Businesses and retail"),
    ("Verwaltung", "Public administration"),
    ("Vereine und Initiativen", "Associations and initiatives"),
    ("Besucherinnen und Besucher", "Visitors"),
]

TAG_MAX = 50


@transaction.atomic
def defaults_offer(*, municipality: Municipality) -> None:
    """Give a new municipality the default fields of action and user groups (all editable)."""
    FieldOfAction.objects.bulk_create(
        FieldOfAction(municipality=municipality, title=de, title_en=en, position=i, published=True)
        for i, (de, en) in enumerate(DEFAULT_FIELDS_OF_ACTION, start=1)
    )
    UserGroup.objects.bulk_create(
        UserGroup(municipality=municipality, title=de, title_en=en, position=i, published=True)
        for i, (de, en) in enumerate(DEFAULT_USER_GROUPS, start=1)
    )


# --- reference checks (all before any write) ---


def _own(model: type[models.Model], ids: Iterable[int], municipality: Municipality, field: str):
    ids = list(dict.fromkeys(ids))
    found = list(model.objects.filter(municipality=municipality, pk__in=ids))
    missing = sorted(set(ids) - {obj.pk for obj in found})
    if missing:
        raise ValidationError(
            {
                field: _("Unknown in this municipality: %(ids)s.")
                % {"ids": ", ".join(str(i) for i in missing)}
            }
        )
    return found


def _targets(codes: Iterable[str], field: str = "sdg_targets") -> list[SdgTarget]:
    codes = list(dict.fromkeys(str(c).strip() for c in codes))
    found = list(SdgTarget.objects.filter(code__in=codes))
    missing = [c for c in codes if c not in {t.code for t in found}]
    if missing:
        raise ValidationError(
            {field: _("Unknown SDG target: %(codes)s.") % {"codes": ", ".join(missing)}}
        )
    return found


def _tags(names: Iterable[str], municipality: Municipality) -> list[Tag]:
    clean = []
    for name in names:
        name = str(name).strip()
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError(
                {"tags": _("A tag has at most %(n)d characters.") % {"n": TAG_MAX}}
            )
        if name not in clean:
            clean.append(name)
    existing = {t.name: t for t in Tag.objects.filter(municipality=municipality, name__in=clean)}
    new = [Tag(municipality=municipality, name=n) for n in clean if n not in existing]
    # Tags are only created once everything else has been validated (see callers).
    return [existing.get(n) for n in clean if n in existing] + new


def _benefits(
    items: Iterable[dict], municipality: Municipality
) -> list[tuple[UserGroup, str, str]]:
    """(user group, value, value in English) for every group given a value."""
    pairs: dict[int, tuple[str, str]] = {}
    for item in items:
        value = str(item.get("value", "")).strip()
        value_en = str(item.get("value_en", "") or "").strip()
        if len(value) > 2000 or len(value_en) > 2000:
            raise ValidationError({"benefits": _("A value has at most 2000 characters.")})
        if value:
            pairs[int(item["user_group"])] = (value, value_en)
    groups = {g.pk: g for g in _own(UserGroup, pairs, municipality, "benefits")}
    return [(groups[gid], value, value_en) for gid, (value, value_en) in pairs.items()]


# --- shared write path ---


def _m2m_state(obj: models.Model) -> dict[str, list]:
    state = {
        f.name: [v for v in getattr(obj, f.name).values_list("pk", flat=True)]
        for f in obj._meta.many_to_many
    }
    if isinstance(obj, Measure):
        state["benefits"] = [f"{b.user_group_id}: {b.value}" for b in obj.benefits.all()]
    return state


def _snap(obj: models.Model) -> dict:
    return snapshot(obj, _m2m_state(obj))


def _write(obj, *, user, fields: dict, m2m: dict, benefits=None, tags=None) -> models.Model:
    """Validate and save one strategy object with its relations, and audit the change."""
    creating = obj.pk is None
    before = None if creating else _snap(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    if tags is not None:
        for tag in tags:
            if tag.pk is None:
                tag.save()
        m2m["tags"] = tags
    for name, related in m2m.items():
        getattr(obj, name).set(related)
    if benefits is not None:
        obj.benefits.all().delete()
        Benefit.objects.bulk_create(
            Benefit(measure=obj, user_group=group, value=value, value_en=value_en)
            for group, value, value_en in benefits
        )
    audit_record(
        municipality=obj.municipality,
        obj=obj,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        user=user,
        before=before,
        after=_snap(obj),
    )
    return obj


@transaction.atomic
def _delete(obj, *, user) -> None:
    before = _snap(obj)
    pk = obj.pk
    audit_record(
        municipality=obj.municipality,
        obj=obj,
        action=AuditEntry.Action.DELETE,
        user=user,
        before=before,
        after=None,
    )
    # Its documents go with it: they are reached only through it, and may name people.
    Attachment.objects.filter(
        municipality=obj.municipality, object_type=obj._meta.model_name, object_id=pk
    ).delete()
    obj.delete()
    obj.pk = pk


_SIMPLE = ("title", "title_en", "description", "description_en", "position", "published")


def _pick(changes: dict, allowed: Iterable[str]) -> dict:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    return changes


# --- values, fields of action, user groups ---


@transaction.atomic
def value_create(*, municipality: Municipality, user, title: str, **fields) -> Value:
    """Create a guiding value."""
    obj = Value(municipality=municipality)
    return _write(obj, user=user, fields={"title": title, **_pick(fields, _SIMPLE)}, m2m={})


@transaction.atomic
def value_update(*, value: Value, user, **changes) -> Value:
    return _write(value, user=user, fields=_pick(changes, _SIMPLE), m2m={})


def value_delete(*, value: Value, user) -> None:
    _delete(value, user=user)


@transaction.atomic
def field_create(*, municipality: Municipality, user, title: str, **fields) -> FieldOfAction:
    """Create a field of action (Handlungsfeld)."""
    obj = FieldOfAction(municipality=municipality)
    return _write(obj, user=user, fields={"title": title, **_pick(fields, _SIMPLE)}, m2m={})


@transaction.atomic
def field_update(*, field: FieldOfAction, user, **changes) -> FieldOfAction:
    return _write(field, user=user, fields=_pick(changes, _SIMPLE), m2m={})


def field_delete(*, field: FieldOfAction, user) -> None:
    _delete(field, user=user)


@transaction.atomic
def user_group_create(*, municipality: Municipality, user, title: str, **fields) -> UserGroup:
    """Create a user group that measures can bring value to."""
    obj = UserGroup(municipality=municipality)
    return _write(obj, user=user, fields={"title": title, **_pick(fields, _SIMPLE)}, m2m={})


@transaction.atomic
def user_group_update(*, user_group: UserGroup, user, **changes) -> UserGroup:
    return _write(user_group, user=user, fields=_pick(changes, _SIMPLE), m2m={})


def user_group_delete(*, user_group: UserGroup, user) -> None:
    _delete(user_group, user=user)


# --- goals ---

_GOAL_FIELDS = (*_SIMPLE, "priority")


@transaction.atomic
def goal_create(
    *, municipality: Municipality, user, title: str, sdg_targets: Iterable[str] = (), **fields
) -> Goal:
    """Create a strategic goal linked to SDG targets."""
    m2m = {"sdg_targets": _targets(sdg_targets)}
    obj = Goal(municipality=municipality)
    return _write(obj, user=user, fields={"title": title, **_pick(fields, _GOAL_FIELDS)}, m2m=m2m)


@transaction.atomic
def goal_update(*, goal: Goal, user, sdg_targets: Iterable[str] | None = None, **changes) -> Goal:
    m2m = {} if sdg_targets is None else {"sdg_targets": _targets(sdg_targets)}
    return _write(goal, user=user, fields=_pick(changes, _GOAL_FIELDS), m2m=m2m)


def goal_delete(*, goal: Goal, user) -> None:
    _delete(goal, user=user)


# --- measures ---

_MEASURE_FIELDS = (
    "title",
    "title_en",
    "summary",
    "summary_en",
    "status",
    "responsible_unit",
    "start",
    "end",
    "estimated_cost",
    "published",
)


def _measure_relations(
    municipality: Municipality,
    *,
    fields_of_action: Iterable[int] | None,
    goals: Iterable[int] | None,
    sdg_targets: Iterable[str] | None,
    benefits: Iterable[dict] | None,
    tags: Iterable[str] | None,
):
    m2m = {}
    if fields_of_action is not None:
        m2m["fields_of_action"] = _own(
            FieldOfAction, fields_of_action, municipality, "fields_of_action"
        )
    if goals is not None:
        m2m["goals"] = _own(Goal, goals, municipality, "goals")
    if sdg_targets is not None:
        m2m["sdg_targets"] = _targets(sdg_targets)
    benefit_pairs = None if benefits is None else _benefits(benefits, municipality)
    tag_objs = None if tags is None else _tags(tags, municipality)
    return m2m, benefit_pairs, tag_objs


@transaction.atomic
def measure_create(
    *,
    municipality: Municipality,
    user,
    title: str,
    title_en: str = "",
    summary: str = "",
    summary_en: str = "",
    fields_of_action: Iterable[int] = (),
    goals: Iterable[int] = (),
    sdg_targets: Iterable[str] = (),
    benefits: Iterable[dict] = (),
    status: str = "idea",
    responsible_unit: str = "",
    start: date | None = None,
    end: date | None = None,
    estimated_cost: Decimal | None = None,
    tags: Iterable[str] = (),
    published: bool = False,
) -> Measure:
    """Create a measure with its fields of action, goals, SDG targets, user-group values and tags."""
    m2m, benefit_pairs, tag_objs = _measure_relations(
        municipality,
        fields_of_action=fields_of_action,
        goals=goals,
        sdg_targets=sdg_targets,
        benefits=benefits,
        tags=tags,
    )
    fields = {
        "title": title,
        "title_en": title_en,
        "summary": summary,
        "summary_en": summary_en,
        "status": status,
        "responsible_unit": responsible_unit,
        "start": start,
        "end": end,
        "estimated_cost": estimated_cost,
        "published": published,
    }
    return _write(
        Measure(municipality=municipality),
        user=user,
        fields=fields,
        m2m=m2m,
        benefits=benefit_pairs,
        tags=tag_objs,
    )


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    user,
    fields_of_action: Iterable[int] | None = None,
    goals: Iterable[int] | None = None,
    sdg_targets: Iterable[str] | None = None,
    benefits: Iterable[dict] | None = None,
    tags: Iterable[str] | None = None,
    **changes,
) -> Measure:
    """Change the given fields and relations of a measure; relations not given stay as they are."""
    m2m, benefit_pairs, tag_objs = _measure_relations(
        measure.municipality,
        fields_of_action=fields_of_action,
        goals=goals,
        sdg_targets=sdg_targets,
        benefits=benefits,
        tags=tags,
    )
    return _write(
        measure,
        user=user,
        fields=_pick(changes, _MEASURE_FIELDS),
        m2m=m2m,
        benefits=benefit_pairs,
        tags=tag_objs,
    )


def measure_delete(*, measure: Measure, user) -> None:
    _delete(measure, user=user)


# --- vision ---


@transaction.atomic
def vision_update(
    *, municipality: Municipality, user, text: str, text_en: str = "", published: bool = False
) -> VisionVersion:
    """Save the vision as a new version; earlier versions stay as they were."""
    # Lock the municipality row so that two editors cannot take the same number.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).exists()
    last = VisionVersion.objects.filter(municipality=municipality).aggregate(n=Max("version"))["n"]
    version = VisionVersion(
        municipality=municipality,
        version=(last or 0) + 1,
        text=text,
        text_en=text_en,
        published=published,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    version.full_clean()
    version.save()
    audit_record(
        municipality=municipality,
        obj=version,
        action=AuditEntry.Action.CREATE,
        user=user,
        before=None,
        after=snapshot(version),
    )
    return version
