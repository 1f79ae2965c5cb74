"""Small template helpers of the data pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.filter
def attr_value(obj, name):
    return getattr(obj, name, "")


@register.filter
def cell(row, name):
    value = row.get(name) if hasattr(row, "get") else None
    return "" if value is None else value
