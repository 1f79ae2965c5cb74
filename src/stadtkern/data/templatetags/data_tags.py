"""Small template helpers of the data pages."""

from datetime import datetime

from django import template
from django.utils import formats

from stadtkern.core.charts import when

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.filter
def attr_value(obj, name):
    return getattr(obj, name, "")


@register.filter
def cell(row, column):
    """A value of a preview row as the reader writes it: dates as 01.03.2025 in German."""
    value = row.get(column["name"]) if hasattr(row, "get") else None
    if value is None:
        return ""
    if column["type"] in ("date", "timestamp") and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if column["type"] == "date":
            return formats.date_format(moment.date(), "SHORT_DATE_FORMAT")
        return when(moment, with_time=True)
    return value
