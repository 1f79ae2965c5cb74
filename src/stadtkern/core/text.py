"""Text as the product keeps it: without the control characters that XML (SVG charts, the
RDF catalogue) cannot carry. Tab, line feed and carriage return stay."""

_CONTROLS = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}


def without_controls(text: str) -> str:
    return text.translate(_CONTROLS)


def has_controls(text: str) -> bool:
    return without_controls(text) != text


def tidy(instance) -> None:
    """A model's texts as stored: no control characters, and an empty text where a client
    cleared a text that cannot be null (an API may send null for it)."""
    from django.db import models

    for f in instance._meta.concrete_fields:
        if isinstance(f, models.CharField | models.TextField) and not f.null:
            value = getattr(instance, f.attname)
            setattr(instance, f.attname, "" if value is None else without_controls(str(value)))
