"""Numbers of indicators as the reader writes them, with the indicator's decimals."""

from datetime import date

from django import template
from django.utils.translation import gettext_lazy

from stadtkern.core.charts import number, when
from stadtkern.core.templatetags.core_tags import local_date
from stadtkern.indicators import targets

register = template.Library()

STATUS_LABELS = {
    targets.ON_TRACK: gettext_lazy("on track"),
    targets.AT_RISK: gettext_lazy("at risk"),
    targets.OFF_TRACK: gettext_lazy("off track"),
    targets.NO_DATA: gettext_lazy("no data"),
}


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@register.filter
def figure(value, indicator) -> str:
    """``15.04`` of a 1-decimal indicator in % as ``15,0 %`` on a German page."""
    if value is None:
        return "–"
    text = number(value, indicator.decimals)
    unit = indicator.display_unit
    return f"{text}\u202f{unit}" if unit else text


register.filter("local_date", local_date)


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
