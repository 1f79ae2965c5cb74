"""Snapshots of model instances for the audit trail."""

import datetime
import decimal

from django.db import models


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def snapshot(obj: models.Model, m2m: dict[str, list] | None = None) -> dict:
    """Return the object's own fields (and given many-to-many values) as plain JSON data."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in {"created_at", "updated_at", "municipality"}:
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    for name, values in (m2m or {}).items():
        data[name] = sorted(_plain(v) for v in values)
    return data


# --- reading the trail: labels, names and dates as the reader knows them ---


def _model_named(model_name: str):
    from django.apps import apps

    return next((m for m in apps.get_models() if m._meta.model_name == model_name), None)


def _field_of(model, key: str):
    """The model field (or many-to-many field) a snapshot key stands for."""
    if model is None:
        return None
    for f in model._meta.get_fields():
        if getattr(f, "attname", None) == key or f.name == key:
            return f
    return None


def _moment(text: str) -> str:
    from django.utils import formats, timezone

    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    if len(text) <= 10:
        return formats.date_format(value.date(), "SHORT_DATE_FORMAT")
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def _names(related, ids) -> dict:
    ids = [i for i in ids if isinstance(i, int)]
    if related is None or not ids:
        return {}
    return {o.pk: str(o) for o in related._default_manager.filter(pk__in=list(ids))[:200]}


def _label(field, key: str) -> str:
    """The field's name for the reader; a relation nobody named (``project``) is called
    by its model's name, which is translated."""
    if field is None or not hasattr(field, "verbose_name"):
        return key
    if field.is_relation and str(field.verbose_name) == field.name.replace("_", " "):
        return str(field.related_model._meta.verbose_name)
    return str(field.verbose_name)


def readable(entries) -> list:
    """Give each audit entry ``rows``: (field label, before, after) for every changed field,
    with choices by their label, related objects by their name, dates in the reader's
    format and yes/no for flags."""
    from django.utils import formats
    from django.utils.translation import gettext as _

    def show(field, value, names):
        if value is None or value == "" or value == []:
            return "–"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if field is not None and (field.many_to_one or field.one_to_one or field.many_to_many):
            values = value if isinstance(value, list) else [value]
            # ids become names; a name kept in the snapshot itself stays as it is
            return ", ".join(
                names.get(v, f"#{v}") if isinstance(v, int) else str(v) for v in values
            )
        if isinstance(field, models.DecimalField) and isinstance(value, str | int | float):
            try:  # 14.000,00 as the reader writes amounts
                return formats.number_format(decimal.Decimal(str(value)), field.decimal_places, use_l10n=True,
                                             force_grouping=True)  # fmt: skip
            except ArithmeticError:
                return str(value)
        if isinstance(field, models.DateField | models.DateTimeField) and isinstance(value, str):
            return _moment(value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, int | float) and abs(value) >= 10000:  # 84.300, not a year
            return formats.number_format(value, use_l10n=True, force_grouping=True)
        return str(value)

    entries = list(entries)
    for entry in entries:
        model = _model_named(entry.object_type)
        rows = []
        for key, before, after in entry.changes():
            if key == "id":
                continue
            field = _field_of(model, key)
            names = {}
            if field is not None and field.is_relation:
                ids = [v for v in (before, after) if v is not None]
                ids = [i for v in ids for i in (v if isinstance(v, list) else [v])]
                names = _names(field.related_model, ids)
            label = _label(field, key)
            shown = (show(field, before, names), show(field, after, names))
            if shown[0] != shown[1]:  # "" and None alike
                rows.append((label[:1].upper() + label[1:], *shown))
        entry.rows = rows
    return entries
