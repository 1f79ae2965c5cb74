"""Every write of the indicators app: definitions, targets, entered values, effects, and
the computation that replaces an indicator's computed values.

Each function checks its input before it writes, runs in one transaction and leaves an
audit entry; a failure raises ``ValidationError`` naming the field, and nothing is saved.
A computation that fails writes its message on the indicator and keeps the values it had.
"""

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import AuditEntry, Municipality
from stadtkern.core.services import audit_record
from stadtkern.core.text import tidy, without_controls
from stadtkern.data.models import SavedQuery
from stadtkern.sensors.models import Datastream
from stadtkern.strategy.models import Goal, Measure, SdgTarget

from . import periods, sources
from .catalogue import Template, templates
from .models import Effect, Indicator, IndicatorValue, Milestone, SourceKind

logger = logging.getLogger(__name__)

EDITABLE = (
    "name", "name_en", "explanation", "explanation_en", "formula", "unit", "unit_en", "decimals",
    "direction", "level", "comparison", "source_hint", "published", "position", "source",
    "query", "period_column", "value_column", "district_column", "datastream",
    "sensor_interval", "sensor_function", "survey_series", "survey_question", "survey_measure",
    "statistics_table", "statistics_column", "statistics_filter", "baseline_value",
    "baseline_date", "target_value", "target_date", "target_text", "target_text_en", "tolerance", "limit_value",
    "limit_label", "limit_label_en",
)  # fmt: skip


def _m2m(indicator: Indicator) -> dict:
    return {
        "goals": [g.pk for g in indicator.goals.all()],
        "sdg_targets": [t.code for t in indicator.sdg_targets.all()],
    }


def _save(indicator: Indicator, user, before: dict | None, action: str) -> Indicator:
    tidy(indicator)
    try:
        indicator.full_clean(exclude=["municipality"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    template = templates().get(indicator.key)
    if template is not None and template.unit and indicator.unit != template.unit:
        raise ValidationError({"unit": _(
            "The template '%(k)s' measures in %(u)s: an indicator of this key keeps that unit, "
            "so that municipalities stay comparable. Another unit needs another key."
        ) % {"k": indicator.key, "u": template.unit}})  # fmt: skip
    reason = sources.confidential(indicator) if indicator.published else ""
    if reason:
        raise ValidationError(
            {
                "published": _("%(r)s Only an indicator from public sources can be published.")
                % {"r": reason}
            }
        )
    indicator.save()
    audit_record(
        municipality=indicator.municipality,
        obj=indicator,
        action=action,
        user=user,
        before=before,
        after=snapshot(indicator, _m2m(indicator) if indicator.pk else None),
    )
    return indicator


def _links(indicator: Indicator, goals, sdg: list[str]) -> None:
    if goals is not None:
        ids = [g.pk if isinstance(g, Goal) else int(g) for g in goals]
        found = list(Goal.objects.filter(municipality=indicator.municipality, pk__in=ids))
        if len(found) != len(set(ids)):
            raise ValidationError({"goals": _("A goal is unknown in this municipality.")})
        indicator.goals.set(found)
    if sdg is not None:
        codes = list(dict.fromkeys(str(c) for c in sdg))
        targets = list(SdgTarget.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {t.code for t in targets})
        if missing:
            raise ValidationError(
                {"sdg_targets": _("Unknown SDG target: %(c)s.") % {"c": ", ".join(missing)}}
            )
        indicator.sdg_targets.set(targets)


def _apply_template(indicator: Indicator, t: Template) -> None:
    for name in ("name", "name_en", "explanation", "explanation_en", "formula", "unit", "unit_en",
                 "decimals", "direction", "level", "comparison", "source_hint", "limit_value",
                 "limit_label", "limit_label_en"):  # fmt: skip
        setattr(indicator, name, getattr(t, name))


@transaction.atomic
def indicator_adopt(
    *, municipality: Municipality, key: str, user, published: bool = False, goals=None
) -> Indicator:
    """Create the municipality's indicator from the catalogue's template ``key``."""
    template = templates().get(key)
    if template is None:
        raise ValidationError({"key": _("There is no template '%(k)s'.") % {"k": key}})
    if Indicator.objects.filter(municipality=municipality, key=key).exists():
        raise ValidationError(
            {"key": _("This municipality already has the indicator '%(k)s'.") % {"k": key}}
        )
    indicator = Indicator(municipality=municipality, key=key, published=published)
    _apply_template(indicator, template)
    indicator.position = Indicator.objects.filter(municipality=municipality).count()
    try:
        with transaction.atomic():
            _save(indicator, user, None, AuditEntry.Action.CREATE)
    except IntegrityError:  # the same template adopted twice at once
        raise ValidationError(
            {"key": _("This municipality already has the indicator '%(k)s'.") % {"k": key}}
        ) from None
    _links(indicator, goals, template.sdg)
    return indicator


def _source_of(indicator: Indicator, source: dict) -> None:
    kind = source.get("kind", SourceKind.MANUAL)
    indicator.source = kind
    m = indicator.municipality
    if kind == SourceKind.QUERY:
        indicator.query = SavedQuery.objects.filter(
            municipality=m, slug=source.get("query")
        ).first()
        if indicator.query is None:
            raise ValidationError(
                {
                    "query": _("There is no saved query '%(q)s' in this municipality.")
                    % {"q": source.get("query")}
                }
            )
        for name in ("period_column", "value_column", "district_column"):
            if source.get(name):
                setattr(indicator, name, str(source[name])[:63])
    elif kind == SourceKind.SENSOR:
        ref = source.get("datastream")
        qs = Datastream.objects.filter(municipality=m)
        ds = qs.filter(pk=ref).first() if isinstance(ref, int) else qs.filter(name=ref).first()
        if ds is None:
            raise ValidationError(
                {
                    "datastream": _("There is no datastream '%(d)s' in this municipality.")
                    % {"d": ref}
                }
            )
        indicator.datastream = ds
        indicator.sensor_interval = source.get("interval", indicator.sensor_interval)
        indicator.sensor_function = source.get("function", indicator.sensor_function)
    elif kind == SourceKind.SURVEY:
        indicator.survey_series = str(source.get("series", ""))[:80]
        indicator.survey_question = source.get("question", 1)
        indicator.survey_measure = source.get("measure", indicator.survey_measure)
    elif kind == SourceKind.STATISTICS:
        indicator.statistics_table = str(source.get("table", ""))[:40]
        indicator.statistics_column = str(source.get("column", ""))[:120]
        indicator.statistics_filter = str(source.get("filter", ""))[:300]


def _target_of(indicator: Indicator, target: dict) -> None:
    if not target:
        return
    indicator.baseline_date, indicator.baseline_value = target["baseline"]
    indicator.target_date, indicator.target_value = target["target"]
    indicator.tolerance = target.get("tolerance", 0.0)
    indicator.target_text = target.get("text", "")
    indicator.target_text_en = target.get("text_en", "")


@transaction.atomic
def indicator_define(
    *, municipality: Municipality, template: Template, user, published: bool | None = None
) -> tuple[Indicator, bool]:
    """Create or update the municipality's indicator from a definition; (indicator, created)."""
    indicator = Indicator.objects.filter(municipality=municipality, key=template.key).first()
    created = indicator is None
    before = None if created else snapshot(indicator, _m2m(indicator))
    if created:
        indicator = Indicator(
            municipality=municipality,
            key=template.key,
            position=Indicator.objects.filter(municipality=municipality).count(),
        )
    _apply_template(indicator, template)
    if published is not None:
        indicator.published = published
    if template.source:
        _source_of(indicator, template.source)
    _target_of(indicator, template.target)
    indicator.fingerprint = ""  # the definition changed: compute again
    _save(
        indicator, user, before, AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
    )
    _links(indicator, None, template.sdg)
    if template.target:
        indicator.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(indicator=indicator, date=d, value=v, label=label)
            for d, v, label in template.target["milestones"]
        )
        _check_milestones(indicator)
    return indicator, created


def _check_milestones(indicator: Indicator) -> None:
    if not indicator.has_target:
        return
    for m in indicator.milestones.all():
        if not indicator.baseline_date < m.date < indicator.target_date:
            raise ValidationError(
                {"milestones": _("A milestone (%(d)s) must lie between the baseline and the target date.")
                 % {"d": m.date.isoformat()}}
            )  # fmt: skip


@transaction.atomic
def indicator_update(
    *, indicator: Indicator, user, goals=None, sdg_targets=None, **changes
) -> Indicator:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    before = snapshot(indicator, _m2m(indicator))
    source_fields = {"source", "query", "period_column", "value_column", "district_column",
                     "datastream", "sensor_interval", "sensor_function", "survey_series",
                     "survey_question", "survey_measure", "level", "published"}  # fmt: skip
    for name, value in changes.items():
        setattr(indicator, name, value)
    if source_fields & set(changes):
        indicator.fingerprint = ""
    _save(indicator, user, before, AuditEntry.Action.UPDATE)
    _links(indicator, goals, sdg_targets)
    _check_milestones(indicator)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, user) -> None:
    audit_record(
        municipality=indicator.municipality,
        obj=indicator,
        action=AuditEntry.Action.DELETE,
        user=user,
        before=snapshot(indicator, _m2m(indicator)),
        after=None,
    )
    indicator.delete()


@transaction.atomic
def milestone_set(
    *, indicator: Indicator, user, when: date, value: float, label: str = ""
) -> Milestone:
    if not indicator.has_target:
        raise ValidationError({"date": _("Set baseline and target first.")})
    if not indicator.baseline_date < when < indicator.target_date:
        raise ValidationError(
            {"date": _("A milestone lies between the baseline and the target date.")}
        )
    _lock(indicator)
    milestone, _created = Milestone.objects.update_or_create(
        indicator=indicator, date=when, defaults={"value": float(value), "label": label[:200]}
    )
    audit_record(municipality=indicator.municipality, obj=indicator, action=AuditEntry.Action.UPDATE,
                 user=user, before=None, after={"milestone": when.isoformat(), "value": value})  # fmt: skip
    return milestone


@transaction.atomic
def milestones_replace(*, indicator: Indicator, user, milestones: list[tuple]) -> None:
    """Replace the milestones: each between baseline and target date, one per day."""
    if milestones and not indicator.has_target:
        raise ValidationError({"milestones": _("Set baseline and target first.")})
    _lock(indicator)
    days = [d for d, _v, _l in milestones]
    if len(set(days)) != len(days):
        raise ValidationError({"milestones": _("Two milestones on one day.")})
    for d in days:
        if not indicator.baseline_date < d < indicator.target_date:
            raise ValidationError({"milestones": _("A milestone (%(d)s) must lie between the baseline and the target date.")
                                   % {"d": d.isoformat()}})  # fmt: skip
    before = [[m.date.isoformat(), m.value] for m in indicator.milestones.all()]
    indicator.milestones.all().delete()
    Milestone.objects.bulk_create(
        Milestone(indicator=indicator, date=d, value=float(v), label=(label or "")[:200])
        for d, v, label in milestones
    )
    audit_record(municipality=indicator.municipality, obj=indicator, action=AuditEntry.Action.UPDATE,
                 user=user, before={"milestones": before},
                 after={"milestones": [[d.isoformat(), v] for d, v, _l in milestones]})  # fmt: skip


def resolve_references(indicator: Indicator, changes: dict) -> dict:
    """A query by its short name and a datastream by its id, both of the indicator's own
    municipality; anything else is refused with the field named."""
    changes = dict(changes)
    m = indicator.municipality
    if "query" in changes:
        slug = changes["query"]
        changes["query"] = (
            None if slug is None else SavedQuery.objects.filter(municipality=m, slug=slug).first()
        )
        if slug is not None and changes["query"] is None:
            raise ValidationError(
                {"query": _("There is no saved query '%(q)s' in this municipality.") % {"q": slug}}
            )
    if "datastream" in changes:
        ref = changes["datastream"]
        changes["datastream"] = (
            None if ref is None else Datastream.objects.filter(municipality=m, pk=ref).first()
        )
        if ref is not None and changes["datastream"] is None:
            raise ValidationError(
                {
                    "datastream": _("There is no datastream '%(d)s' in this municipality.")
                    % {"d": ref}
                }
            )
    return changes


@transaction.atomic
def milestone_remove(*, milestone: Milestone, user) -> None:
    audit_record(municipality=milestone.indicator.municipality, obj=milestone.indicator,
                 action=AuditEntry.Action.UPDATE, user=user,
                 before={"milestone": milestone.date.isoformat(), "value": milestone.value}, after=None)  # fmt: skip
    milestone.delete()


# --- values ---


def _lock(indicator: Indicator) -> None:
    """Writes of one indicator's values, milestones and effects follow each other: a
    double click waits for the first and then finds its row, instead of failing."""
    Indicator.objects.select_for_update().filter(pk=indicator.pk).first()


def _entered_check(indicator: Indicator) -> None:
    if indicator.computed:
        raise ValidationError(
            {
                "value": _(
                    "This indicator's values are computed from its source; they cannot be entered."
                )
            }
        )


@transaction.atomic
def value_enter(
    *, indicator: Indicator, user, period, value, district: str = "", source: str = "", as_of=None
) -> IndicatorValue:
    """Enter or correct one value, with where it comes from (e.g. "IT.NRW, 2025")."""
    _entered_check(indicator)
    _lock(indicator)
    try:
        p = periods.parse(period)
    except periods.PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None
    try:
        number = sources.number(value)
    except sources.SourceError as exc:
        raise ValidationError({"value": str(exc)}) from None
    if number is None:
        raise ValidationError({"value": _("Enter a value.")})
    district = without_controls(district or "").strip()[:200]
    provenance = {"kind": SourceKind.MANUAL, "source": without_controls(source or "").strip()[:300]}
    if as_of:
        provenance["as_of"] = str(as_of)[:10]
    row, _created = IndicatorValue.objects.update_or_create(
        indicator=indicator,
        period=p.label,
        district=district,
        defaults={
            "start": p.start,
            "end": p.end,
            "value": number,
            "provenance": provenance,
            "entered_by": user if getattr(user, "is_authenticated", False) else None,
            "computed": False,
        },  # fmt: skip
    )
    audit_record(municipality=indicator.municipality, obj=indicator, action=AuditEntry.Action.UPDATE,
                 user=user, before=None,
                 after={"period": p.label, "district": district, "value": number, "source": provenance["source"]})  # fmt: skip
    return row


@transaction.atomic
def value_remove(*, value: IndicatorValue, user) -> None:
    _entered_check(value.indicator)
    audit_record(municipality=value.indicator.municipality, obj=value.indicator,
                 action=AuditEntry.Action.UPDATE, user=user,
                 before={"period": value.period, "district": value.district, "value": value.value}, after=None)  # fmt: skip
    value.delete()


# --- computation ---


def _record_error(indicator: Indicator, message: str) -> None:
    Indicator.objects.filter(pk=indicator.pk).update(error=message[:2000], error_at=timezone.now())
    indicator.error, indicator.error_at = message[:2000], timezone.now()


def compute(indicator: Indicator) -> dict:
    """Read the source and replace the computed values, all or nothing.

    On failure the message goes on the indicator, the values it had stay, and the
    outcome says so; this function does not raise for a bad source."""
    if not indicator.computed:
        return {"key": indicator.key, "status": "skipped"}
    fingerprint = sources.fingerprints([indicator])[indicator.pk]
    try:
        rows = sources.read(indicator)
        datasets = rows[0].provenance.get("datasets", []) if rows else []
        if indicator.source == SourceKind.QUERY:
            # The versions actually read, not those before reading: an import that lands
            # meanwhile makes the next look compute again.
            fingerprint = sources.query_fingerprint(
                indicator, {d["id"]: sources.dataset_state(d["run"], d["access"]) for d in datasets}
            )
        with transaction.atomic():
            locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
            stale = IndicatorValue.objects.filter(indicator=locked)
            if locked.source == SourceKind.QUERY:
                # A query reads the current version of its datasets (a register as of its
                # reference day): periods it no longer returns keep the values computed
                # from the versions before, with their provenance.
                stale = stale.filter(period__in={r.period.label for r in rows})
            stale.delete()
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(
                        indicator=locked,
                        period=r.period.label,
                        start=r.period.start,
                        end=r.period.end,
                        district=r.district,
                        value=r.value,
                        provenance=r.provenance,
                        computed=True,
                    )  # fmt: skip
                    for r in rows
                ],
                batch_size=2000,
            )
            Indicator.objects.filter(pk=locked.pk).update(
                computed_at=timezone.now(), fingerprint=fingerprint, error="", error_at=None,
                source_datasets=[d["id"] for d in datasets],
            )  # fmt: skip
    except sources.SourceBusy as exc:
        # Transient: no error recorded and no fingerprint kept, so the next look retries.
        return {"key": indicator.key, "status": "failed", "error": str(exc)}
    except sources.SourceError as exc:
        with transaction.atomic():
            if isinstance(exc, sources.ConfidentialSource):
                # What the public may not see in the source, it may not see in the values.
                IndicatorValue.objects.filter(indicator=indicator, computed=True).delete()
            _record_error(indicator, str(exc))
            Indicator.objects.filter(pk=indicator.pk).update(fingerprint=fingerprint)
        return {"key": indicator.key, "status": "failed", "error": str(exc)}
    except Exception:
        logger.exception("computing indicator %s failed", indicator.pk)
        message = _(
            "The computation stopped because of an unexpected error; the values shown are "
            "the last good ones. The operator finds the details in the log."
        )
        _record_error(indicator, message)
        return {"key": indicator.key, "status": "failed", "error": message}
    indicator.error = ""
    return {"key": indicator.key, "status": "done", "values": len(rows)}


@transaction.atomic
def effect_set(
    *,
    measure: Measure,
    indicator: Indicator,
    user,
    year: int,
    planned,
    achieved=None,
    note: str = "",
) -> Effect:
    if measure.municipality_id != indicator.municipality_id:
        raise ValidationError({"indicator": _("The indicator belongs to another municipality.")})
    _lock(indicator)
    try:
        planned_n = sources.number(planned)
        achieved_n = sources.number(achieved)
    except sources.SourceError as exc:
        raise ValidationError({"planned": str(exc)}) from None
    if planned_n is None:
        raise ValidationError({"planned": _("Enter the planned contribution.")})
    effect = Effect(measure=measure, indicator=indicator, year=year, planned=planned_n,
                    achieved=achieved_n, note=(note or "")[:300])  # fmt: skip
    existing = Effect.objects.filter(measure=measure, indicator=indicator, year=year).first()
    if existing:
        effect.pk = existing.pk
    try:
        effect.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    effect.save()
    audit_record(municipality=measure.municipality, obj=measure, action=AuditEntry.Action.UPDATE,
                 user=user, before=None,
                 after={"indicator": indicator.key, "year": year, "planned": planned_n, "achieved": achieved_n})  # fmt: skip
    return effect


@transaction.atomic
def effect_remove(*, effect: Effect, user) -> None:
    audit_record(municipality=effect.measure.municipality, obj=effect.measure,
                 action=AuditEntry.Action.UPDATE, user=user,
                 before={"indicator": effect.indicator.key, "year": effect.year, "planned": effect.planned}, after=None)  # fmt: skip
    effect.delete()
