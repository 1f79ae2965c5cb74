"""Numbers of indicators as the reader writes them, with the indicator's decimals."""

from datetime import date

from django import template

from stadtkern.core.charts import number, when

register = template.Library()


@register.filter
def figure(value, indicator) -> str:
    """``15.04`` of a 1-decimal indicator in % as ``15,0 %`` on a German page."""
    if value is None:
        return "–"
    text = number(value, indicator.decimals)
    unit = indicator.display_unit
    return f"{text}\u202f{unit}" if unit else text


@register.filter
def local_date(value) -> str:
    return when(value, False) if value else "–"


@register.filter
def iso_date(value) -> str:
    """An ISO date kept in provenance (``2026-09-30``) as the reader writes it."""
    try:
        return when(date.fromisoformat(str(value)[:10]), False)
    except ValueError:
        return str(value)


@register.filter
def figure_plain(value) -> str:
    """A count with the reader's grouping: ``1.460``."""
    return number(value, 0) if isinstance(value, int | float) else str(value)


@register.filter
def per_1000(entry, value) -> str:
    """A comparison entry's value per 1,000 inhabitants, with two more decimals."""
    shown = entry.shown(value)
    return "–" if shown is None else number(shown, entry.indicator.decimals + 2)
