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
