from django import template

register = template.Library()

HEAT_STEPS = 5


@register.filter
def heat(count: int, maximum: int) -> int:
    """Return the heat step 0..5 of a count relative to the largest count."""
    if not count or not maximum:
        return 0
    return max(1, min(HEAT_STEPS, round(HEAT_STEPS * count / maximum)))


@register.filter
def tenth(count: int, maximum: int) -> int:
    """Return the count as tenths (0..10) of the largest count, for bar widths."""
    if not count or not maximum:
        return 0
    return max(1, round(10 * count / maximum))
