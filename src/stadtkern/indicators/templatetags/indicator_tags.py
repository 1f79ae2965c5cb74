"""Numbers of indicators as the reader writes them, with the indicator's decimals."""

from django import template

from stadtkern.core.charts import number, when

register = template.Library()


@register.filter
def figure(value, indicator) -> str:
    """``15.04`` of a 1-decimal indicator in % as ``15,0 %`` on a German page."""
    if value is None:
        return "–"
    text = number(value, indicator.decimals)
    return f"{text}\u202f{indicator.unit}" if indicator.unit else text


@register.filter
def local_date(value) -> str:
    return when(value, False) if value else "–"
