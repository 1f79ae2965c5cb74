"""Template helpers of every page: what the visitor may do where the navigation asks."""

from django import template

from stadtkern.core import rules

register = template.Library()


@register.filter
def may_manage(user, municipality) -> bool:
    """Whether the user administers the municipality (its members and settings)."""
    return municipality is not None and rules.can_manage_municipality(user, municipality)


@register.filter
def may_create_municipality(user) -> bool:
    return rules.can_create_municipality(user)


@register.filter(name="money")
def money_filter(value, currency="EUR") -> str:
    """``{{ amount|money:budget.currency }}``: 150.000 € in German, €150,000 in English."""
    from stadtkern.core.money import money

    return "" if value is None or value == "" else money(value, currency or "EUR")


@register.filter
def local_date(value) -> str:
    """A date as the reader writes it (``01.03.2025`` in German), or a dash."""
    from stadtkern.core.charts import when

    return when(value, False) if value else "–"
