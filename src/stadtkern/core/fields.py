"""Model fields shared by the apps."""

from django.db import models

ORDERED = "ordered"


def _to_pairs(value):
    if isinstance(value, dict):
        return {ORDERED: [[key, _to_pairs(item)] for key, item in value.items()]}
    return value


def _from_pairs(value):
    if isinstance(value, dict) and set(value) == {ORDERED} and isinstance(value[ORDERED], list):
        return {key: _from_pairs(item) for key, item in value[ORDERED]}
    return value


class OrderedJSONField(models.JSONField):
    """JSON whose objects keep the order of their keys on every database.

    PostgreSQL's jsonb sorts an object's keys (shortest first), which would show age bands
    as "65+, 16-29, 30-64". Objects are therefore stored as ``{"ordered": [[key, value], ...]}``
    and read back as dicts in their original order; rows written as plain objects read as
    they are. Key lookups in queries do not apply to such a field.
    """

    def get_prep_value(self, value):
        return super().get_prep_value(_to_pairs(value))

    def from_db_value(self, value, expression, connection):
        return _from_pairs(super().from_db_value(value, expression, connection))


def validate_civil_time(value) -> None:
    """Refuse times that no page can show: before 1900 or after 2999 in UTC (the year
    10000 that 9999-12-31T23:59:59-14:00 becomes broke every list that held it)."""
    from datetime import UTC

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    try:
        year = value.astimezone(UTC).year if value.tzinfo else value.year
    except OverflowError:
        year = 0
    if not 1900 <= year <= 2999:
        raise ValidationError(_("Give a time between the years 1900 and 2999."))


class SecondsDateTimeField(models.DateTimeField):
    """A date and time kept to the second, as people set times in forms.

    A time with microseconds (written by code or the API) could not come back unchanged
    through a form: ``<input type="datetime-local">`` carries at most milliseconds, so
    saving an unchanged form would move it. Stored to the second, it round-trips.
    """

    default_validators = [validate_civil_time]

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.replace(microsecond=0) if hasattr(value, "microsecond") else value
