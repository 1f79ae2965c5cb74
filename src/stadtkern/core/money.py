"""One way to write money: ``150.000 €`` in German, ``€150,000`` in English; cents only
where there are some; currencies without a sign of their own by their code."""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import get_language

SIGNS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(value, currency: str = "EUR") -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    places = 0 if amount == amount.to_integral() else 2
    number = number_format(amount, places, use_l10n=True, force_grouping=True)
    sign = SIGNS.get(currency, "")
    if (get_language() or "de").startswith("en"):
        return f"{sign}{number}" if sign else f"{currency} {number}"
    return f"{number}\u00a0{sign or currency}"  # a space that keeps the sign on the line


def sign(currency: str = "EUR") -> str:
    """The currency's sign (€) for an axis, or its code."""
    return SIGNS.get(currency, currency)
