"""Periods of indicator values: what a source writes, read as a first and a last day.

Accepted, after trimming: a year (``2024``), a half year (``2024-H1``), a quarter
(``2024-Q1``, ``Q1/2024``, ``1. Quartal 2024``), a month (``2024-03``, ``03/2024``,
``03.2024``), a day (``2024-03-15``, ``15.03.2024``, an ISO date and time), and the
reference days of official statistics (``31.12.2024`` is a day). The normalised form is
the ISO-like one on the left of each pair.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

MIN_YEAR, MAX_YEAR = 1900, 2100


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    end: date
    start: date
    label: str


def _year(y: int) -> int:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise PeriodError(_("The year %(y)s lies outside 1900–2100.") % {"y": y})
    return y


def year(y: int) -> Period:
    _year(y)
    return Period(date(y, 12, 31), date(y, 1, 1), f"{y:04d}")


def month(y: int, m: int) -> Period:
    _year(y)
    if not 1 <= m <= 12:
        raise PeriodError(_("There is no month %(m)s.") % {"m": m})
    last = calendar.monthrange(y, m)[1]
    return Period(date(y, m, last), date(y, m, 1), f"{y:04d}-{m:02d}")


def quarter(y: int, q: int) -> Period:
    _year(y)
    if not 1 <= q <= 4:
        raise PeriodError(_("There is no quarter %(q)s.") % {"q": q})
    first = month(y, 3 * q - 2)
    return Period(month(y, 3 * q).end, first.start, f"{y:04d}-Q{q}")


def half(y: int, h: int) -> Period:
    _year(y)
    if h not in (1, 2):
        raise PeriodError(_("There is no half year %(h)s.") % {"h": h})
    return Period(month(y, 6 * h).end, month(y, 6 * h - 5).start, f"{y:04d}-H{h}")


def day(d: date) -> Period:
    _year(d.year)
    return Period(d, d, d.isoformat())


_PATTERNS = [
    (re.compile(r"(\d{4})"), lambda m: year(int(m[1]))),
    (re.compile(r"(\d{4})-?H([12])"), lambda m: half(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})-?Q([1-4])", re.I), lambda m: quarter(int(m[1]), int(m[2]))),
    (re.compile(r"Q([1-4])[/ ](\d{4})", re.I), lambda m: quarter(int(m[2]), int(m[1]))),
    (re.compile(r"([1-4])\. ?Quartal (\d{4})", re.I), lambda m: quarter(int(m[2]), int(m[1]))),
    (re.compile(r"(\d{4})-(\d{1,2})"), lambda m: month(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{1,2})[/.](\d{4})"), lambda m: month(int(m[2]), int(m[1]))),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), lambda m: _day(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), lambda m: _day(int(m[3]), int(m[2]), int(m[1]))),
]  # fmt: skip


def _day(y: int, m: int, d: int) -> Period:
    try:
        return day(date(_year(y), m, d))
    except ValueError:
        raise PeriodError(_("There is no day %(d)s.") % {"d": f"{y:04d}-{m:02d}-{d:02d}"}) from None


def parse(value) -> Period:
    """Read a period from text, a number (a year), a date or a date and time."""
    if isinstance(value, datetime):
        return day(value.date())
    if isinstance(value, date):
        return day(value)
    if isinstance(value, bool):
        raise PeriodError(
            _("A period is a year, a month, a quarter or a day, not %(v)s.") % {"v": value}
        )
    if isinstance(value, int):
        return year(value)
    if isinstance(value, float) and value.is_integer():
        return year(int(value))
    text = str(value).strip() if value is not None else ""
    if len(text) > 40:
        raise PeriodError(_("A period is a year, a month, a quarter or a day, not a long text."))
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return build(match)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?", text):
        try:
            return day(datetime.fromisoformat(text.replace("Z", "+00:00")).date())
        except ValueError:
            pass
    raise PeriodError(
        _(
            "'%(v)s' is no period: write a year (2024), a month (2024-03), a quarter (2024-Q1) or a day (2024-03-15)."
        )
        % {"v": text[:40]}
    )


def display(label: str, start: date, end: date) -> str:
    """A period as the reader writes it: ``2024``, ``März 2024``, ``Q1 2024``, ``30.09.2026``."""
    from django.utils import formats

    if len(label) == 4:
        return label
    if "Q" in label:
        return f"Q{label[-1]} {label[:4]}"
    if "H" in label:
        return _("H%(h)s %(y)s") % {"h": label[-1], "y": label[:4]}
    if len(label) == 7:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    return formats.date_format(end, "SHORT_DATE_FORMAT")
