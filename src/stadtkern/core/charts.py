"""The one chart renderer of the product: server-side SVG with its numbers as a table.

Every page that shows a chart builds it here (``line`` or ``bars``) and includes
``core/_chart.html``. No JavaScript and no chart library: the page stays small and works
everywhere, and screen readers get the same figures from the table.

What a reader expects of a chart, and what this module therefore does for every page:

- numbers and dates in the reader's language (``1.287`` and ``01.03.2025`` in German);
- "nice" ticks in steps of 1, 2 or 5 times a power of ten, never ``643, 1 287``;
- a fixed scale where the quantity has one (agreement 1–5, shares 0–100 %);
- the unit on the value axis; reference lines (a limit value, a budget);
- time on a real time axis (uneven gaps stay uneven), ticks on calendar boundaries;
- horizontal bars when labels are too long to stand under a bar.
"""

import functools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape  # the standard library's: a plain str per cell, no SafeString each

from django.conf import settings
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

WIDTH = 720
LINE_HEIGHT = 280
PAD_TOP, PAD_BOTTOM, PAD_RIGHT = 34, 34, 16
CHAR = 7.8  # average width of one character of the tick font, in SVG units
ROW = 28  # height of one horizontal bar's row
MAX_BARS = 40
MAX_TICKS = 7  # on a time axis; a value axis has at most 9 (8 steps)


@dataclass(frozen=True)
class Reference:
    """A horizontal (or, on horizontal bars, vertical) line at a value, with its label."""

    value: float
    label: str


@dataclass
class Chart:
    kind: str  # "line", "bar" or "hbar"
    title: str
    x_label: str
    y_label: str  # with its unit, as shown on the value axis and in the table
    width: int = WIDTH
    height: int = LINE_HEIGHT
    # The plot area's edges, whole numbers: a template would write a float with the
    # reader's decimal comma, which SVG does not read.
    left: int = 60
    right: int = WIDTH - PAD_RIGHT
    top: int = PAD_TOP
    bottom: int = LINE_HEIGHT - PAD_BOTTOM
    points: str = ""
    dots: list[dict] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    value_ticks: list[dict] = field(default_factory=list)
    x_ticks: list[dict] = field(default_factory=list)
    references: list[dict] = field(default_factory=list)
    table: list[tuple[str, ...]] = field(default_factory=list)
    note: str = ""
    series: list[dict] = field(default_factory=list)  # lines charts: each drawn line
    table_total: int = 0  # lines charts: rows before the table was cut to MAX_TABLE
    columns: list[str] = field(default_factory=list)  # lines charts: the table's columns

    @property
    def table_body(self) -> str:
        """The table's rows as HTML, escaped here in one pass: a table of 3,650 rows costs
        a template loop ten times as much."""
        return mark_safe("".join(  # noqa: S308 - every cell is escaped
            f"<tr><td>{escape(row[0])}</td>" + "".join(f'<td class="num">{escape(c)}</td>' for c in row[1:]) + "</tr>"
            for row in self.table
        ))  # fmt: skip

    @property
    def summary(self) -> str:
        """One sentence for the SVG's accessible name: what is drawn, and its range."""
        if not self.table:
            return self.title
        return f"{self.title}: {self.y_label}, {self.table[0][0]} – {self.table[-1][0]}"


# --- numbers and dates in the reader's language ---


@functools.lru_cache(maxsize=16)
def _separators(language: str) -> tuple[str, str] | None:
    """(decimal, thousands) of a language that groups by three, else None. Read once: a
    table of 3,650 values would otherwise ask Django's format lookup 3,650 times."""
    if formats.get_format("NUMBER_GROUPING", language) != 3:
        return None
    return (formats.get_format("DECIMAL_SEPARATOR", language),
            formats.get_format("THOUSAND_SEPARATOR", language))  # fmt: skip


def number_formatter():
    """``number`` with the reader's language looked up once, for tables of many values."""
    separators = _separators(get_language() or settings.LANGUAGE_CODE)

    def fmt(value: float, decimals: int = 0) -> str:
        value = round(float(value), decimals)
        if value == 0:
            value = 0.0  # never "-0"
        if separators is None or not math.isfinite(value):
            return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)
        text = f"{value:,.{decimals}f}"
        return text.replace(",", "\0").replace(".", separators[0]).replace("\0", separators[1])

    return fmt


def number(value: float, decimals: int = 0) -> str:
    """``1287.5`` as ``1.287,5`` in German and ``1,287.5`` in English."""
    return number_formatter()(value, decimals)


def _decimals_of(step: float) -> int:
    return min(10, max(0, -math.floor(math.log10(step) + 1e-9))) if step < 1 else 0


def _table_decimals(values: list[float], at_least: int) -> int:
    """Enough decimals to tell the table's values apart, at most two more than the ticks."""
    for d in range(at_least, at_least + 3):
        if all(abs(v - round(v, d)) < 1e-9 for v in values):
            return d
    return min(at_least + 2, 6)


def _local(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return datetime(value.year, value.month, value.day)


_DATE_PARTS = {
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "m": "{0.month:02d}",
    "n": "{0.month}",
    "Y": "{0.year:04d}",
}


@functools.lru_cache(maxsize=16)
def _date_pattern(language: str) -> str | None:
    """The reader's short date as a format string (``{0.day:02d}.{0.month:02d}.{0.year:04d}``),
    or None when the pattern holds more than day, month, year and separators."""
    out = []
    for char in formats.get_format("SHORT_DATE_FORMAT", language):
        if char in "djmnY":
            out.append(_DATE_PARTS[char])
        elif char in "./- ":
            out.append(char)
        else:
            return None
    return "".join(out)


def date_formatter(with_time: bool = False):
    """``when`` with the reader's language looked up once, for tables of many dates."""
    pattern = None if with_time else _date_pattern(get_language() or settings.LANGUAGE_CODE)
    name = "SHORT_DATETIME_FORMAT" if with_time else "SHORT_DATE_FORMAT"

    def fmt(value: datetime | date) -> str:
        value = _local(value)
        return formats.date_format(value, name) if pattern is None else pattern.format(value)

    return fmt


def when(value: datetime | date, with_time: bool) -> str:
    """A date (``01.03.2025``) or date and time (``01.03.2025 14:00``) as the reader writes it."""
    return date_formatter(with_time)(value)


# --- scales ---


def nice_step(span: float, count: int = MAX_TICKS + 1) -> float:
    """The smallest of 1, 2, 5 × 10^n that divides ``span`` into at most ``count`` parts."""
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude * (1 + 1e-9):
            return m * magnitude
    return 10 * magnitude


def nice_scale(
    values: list[float], fixed: tuple[float, float] | None = None, zero: bool = True
) -> tuple[float, float, float]:
    """(low, high, step) of an axis showing ``values``: a fixed range as given, otherwise
    widened to whole steps (and to zero, unless ``zero`` is false)."""
    if fixed is not None:
        lo, hi = fixed
        return lo, hi, nice_step(hi - lo, 6)
    # Ten decimals is finer than any measurement drawn here; below that, values count as equal.
    # Beyond ±10^300 a span overflows; no measurement is that large, so the axis stops there.
    lo, hi = max(min(values), -1e300), min(max(values), 1e300)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if round(hi, 10) == round(lo, 10):
        lo, hi = (lo - 1, hi + 1) if lo else (0.0, 1.0)
    step = nice_step(hi - lo)
    while True:  # rounding the ends out to whole steps may add a step at each end
        low, high = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        if (high - low) / step <= MAX_TICKS + 1 + 1e-9:
            return low, high, step
        step = nice_step(step * (1 + 1e-6), 1)


def _value_ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, _decimals_of(step) + 2) for k in range(first, last + 1)]


# Calendar steps for time axes, finest first: (unit, how many, label format).
TIME_STEPS = [
    ("hour", 1, "H:i"), ("hour", 3, "H:i"), ("hour", 6, "H:i"), ("hour", 12, "H:i"),
    ("day", 1, "SHORT_DATE_FORMAT"), ("day", 2, "SHORT_DATE_FORMAT"),
    ("day", 7, "SHORT_DATE_FORMAT"), ("month", 1, "M Y"), ("month", 3, "M Y"),
    ("month", 6, "M Y"), ("year", 1, "Y"), ("year", 2, "Y"), ("year", 5, "Y"),
    ("year", 10, "Y"), ("year", 20, "Y"), ("year", 50, "Y"), ("year", 100, "Y"),
]  # fmt: skip


def _first_boundary(t: datetime, unit: str, n: int) -> datetime:
    if unit == "hour":
        base = t.replace(minute=0, second=0, microsecond=0)
        while base < t or base.hour % n:
            base += timedelta(hours=1)
        return base
    if unit == "day":
        base = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if base < t:
            base += timedelta(days=1)
        if n == 7:  # weeks start on Monday
            base += timedelta(days=(7 - base.weekday()) % 7)
        return base
    if unit == "month":
        base = t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        while base < t or (base.month - 1) % n:
            base = _add_months(base, 1)
        return base
    base = t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    while base < t or base.year % n:
        base = base.replace(year=base.year + 1)
    return base


def _add_months(t: datetime, n: int) -> datetime:
    months = t.month - 1 + n
    return t.replace(year=t.year + months // 12, month=months % 12 + 1)


def _next(t: datetime, unit: str, n: int) -> datetime:
    if unit == "hour":
        return t + timedelta(hours=n)
    if unit == "day":
        return t + timedelta(days=n)
    if unit == "month":
        return _add_months(t, n)
    return t.replace(year=t.year + n)


def time_ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Ticks on calendar boundaries (hours, days, weeks, months, years) between two
    moments, as few as make at most six, each labelled as the reader writes it."""
    for unit, n, fmt in TIME_STEPS:
        span_in_units = {
            "hour": (end - start).total_seconds() / 3600,
            "day": (end - start).total_seconds() / 86400,
            "month": (end - start).days / 30.4,
            "year": (end - start).days / 365.25,
        }[unit] / n
        if span_in_units > MAX_TICKS:
            continue
        ticks, t = [], _first_boundary(start, unit, n)
        while t <= end and len(ticks) <= MAX_TICKS:
            ticks.append(t)
            t = _next(t, unit, n)
        if len(ticks) > MAX_TICKS:
            continue
        if not ticks:  # shorter than the finest step and no boundary inside: the two ends
            break
        return [(t, formats.date_format(t, fmt)) for t in ticks]
    days = (end - start).days
    fmt = "H:i" if days < 2 else ("SHORT_DATE_FORMAT" if days < 3 * 365 else "Y")
    return [(start, formats.date_format(start, fmt)), (end, formats.date_format(end, fmt))]


# --- charts ---


def _references(refs, to_pos, unit: str) -> list[dict]:
    out = []
    for ref in refs:
        decimals = _table_decimals([ref.value], 0)
        text = f"{ref.label}: {number(ref.value, decimals)}{_unit_suffix(unit)}"
        out.append({"pos": f"{to_pos(ref.value):.1f}", "label": text})
    return out


def _unit_suffix(unit: str) -> str:
    return f"\u202f{unit}" if unit else ""


def _axis_label(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit and unit not in label else label


@dataclass(frozen=True)
class _ValueAxis:
    """The vertical scale of a line chart: its range, ticks, left margin and positions."""

    lo: float
    hi: float
    step: float
    decimals: int
    left: int

    @classmethod
    def of(cls, values: list[float], references, y_range=None) -> "_ValueAxis":
        lo, hi, step = nice_scale(values + [r.value for r in references], y_range,
                                  zero=min(values) >= 0)  # fmt: skip
        decimals = _decimals_of(step)
        left = _left_margin([number(t, decimals) for t in _value_ticks(lo, hi, step)])
        return cls(lo, hi, step, decimals, left)

    def y(self, v: float) -> float:
        top, bottom = PAD_TOP, LINE_HEIGHT - PAD_BOTTOM
        return bottom - (v - self.lo) / (self.hi - self.lo) * (bottom - top)

    def ticks(self) -> list[dict]:
        return [{"pos": f"{self.y(t):.1f}", "label": number(t, self.decimals)}
                for t in _value_ticks(self.lo, self.hi, self.step)]  # fmt: skip


def _anchored(x_ticks: list[dict], left: float, right: float) -> list[dict]:
    """The outermost tick labels stay inside the picture, and no label runs into the next:
    a label pushed inwards that would overlap its neighbour loses its text (its tick
    stays)."""
    spans = []
    for tick in x_ticks:
        x = float(tick["x"])
        tick["anchor"] = "start" if x - left < 40 else ("end" if right - x < 40 else "middle")
        width = len(tick["label"]) * CHAR
        start = {"start": x, "end": x - width}.get(tick["anchor"], x - width / 2)
        spans.append((start, start + width))
    for i in range(1, len(x_ticks)):
        if spans[i][0] < spans[i - 1][1] + 6:
            edge = i if x_ticks[i]["anchor"] == "end" else i - 1
            if x_ticks[edge]["anchor"] != "middle":
                x_ticks[edge]["label"] = ""
    return x_ticks


def line(
    points: list[tuple[object, float | None]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    unit: str = "",
    y_range: tuple[float, float] | None = None,
    references: list[Reference] = (),
    note: str = "",
) -> Chart | None:
    """A line through ``(x, value)`` in order; values of None are left out.

    ``x`` is a ``date``/``datetime`` (a time axis, positions proportional to time) or any
    label (equal spacing).
    """
    pts = [(x, float(v)) for x, v in points if v is not None and math.isfinite(float(v))]
    if len(pts) < 2:
        return None
    values = [v for _x, v in pts]
    axis = _ValueAxis.of(values, references, y_range)
    decimals, left, right, y_of = axis.decimals, axis.left, WIDTH - PAD_RIGHT, axis.y
    timed = all(isinstance(x, date) for x, _v in pts)
    if timed:
        moments = [_local(x) for x, _v in pts]
        t0, t1 = moments[0], moments[-1]
        span = (t1 - t0).total_seconds() or 1.0

        def x_of_time(t: datetime) -> float:
            return left + (t - t0).total_seconds() / span * (right - left)

        xs = [x_of_time(t) for t in moments]
        x_ticks = [{"x": f"{x_of_time(t):.1f}", "label": label} for t, label in time_ticks(t0, t1)]
        with_time = any(isinstance(x, datetime) and _local(x).time() != datetime.min.time()
                        for x, _v in pts)  # fmt: skip
        fmt_date = date_formatter(with_time)
        labels = [fmt_date(x) for x, _v in pts]
    else:
        gap = (right - left) / (len(pts) - 1)
        xs = [left + i * gap for i in range(len(pts))]
        labels = [str(x) for x, _v in pts]
        shown = sorted({0, (len(pts) - 1) // 2, len(pts) - 1}) if len(pts) > 6 else range(len(pts))
        x_ticks = [{"x": f"{xs[i]:.1f}", "label": labels[i]} for i in shown]
    _anchored(x_ticks, left, right)
    table_decimals = _table_decimals(values, decimals)
    fmt_number = number_formatter()
    chart = Chart(
        "line",
        title,
        x_label,
        _axis_label(y_label, unit),
        left=left,
        points=" ".join(f"{x:.1f},{y_of(v):.1f}" for x, (_l, v) in zip(xs, pts, strict=True)),
        value_ticks=axis.ticks(),
        x_ticks=x_ticks,
        references=_references(references, y_of, unit),
        table=[
            (label, fmt_number(v, table_decimals))
            for label, (_x, v) in zip(labels, pts, strict=True)
        ],
        note=note,
    )
    if len(pts) <= 60:  # few points: mark each, with its value as a tooltip
        chart.dots = [
            {
                "x": f"{x:.1f}",
                "y": f"{y_of(v):.1f}",
                "title": f"{label}: {number(v, table_decimals)}",
            }
            for x, label, (_x, v) in zip(xs, labels, pts, strict=True)
        ]
    return chart


def _left_margin(tick_labels: list[str]) -> float:
    return round(min(WIDTH * 0.3, max(40.0, max(len(t) for t in tick_labels) * CHAR + 14)))


def bars(
    pairs: list[tuple[str, float | None]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    unit: str = "",
    y_range: tuple[float, float] | None = None,
    references: list[Reference] = (),
    horizontal: bool | None = None,
) -> Chart | None:
    """One bar per ``(label, value)``; at most 40. Horizontal when the labels would not fit
    under their bars (or when asked)."""
    pairs = [(str(label), float(v)) for label, v in pairs
             if v is not None and math.isfinite(float(v))][:MAX_BARS]  # fmt: skip
    if not pairs:
        return None
    values = [v for _l, v in pairs]
    lo, hi, step = nice_scale(values + [r.value for r in references], y_range)
    decimals = _decimals_of(step)
    tick_values = _value_ticks(lo, hi, step)
    table_decimals = _table_decimals(values, decimals)
    longest = max(len(label) for label, _v in pairs)
    if horizontal is None:
        slot = (WIDTH - 60 - PAD_RIGHT) / len(pairs)
        horizontal = longest * CHAR > slot * 0.95 or len(pairs) > 12
    table = [(label, number(v, table_decimals)) for label, v in pairs]
    if horizontal:
        return _horizontal(pairs, title, x_label, y_label, unit, lo, hi, step, tick_values,
                           decimals, table_decimals, references, table)  # fmt: skip
    left = _left_margin([number(t, decimals) for t in tick_values])
    right, top, bottom = WIDTH - PAD_RIGHT, PAD_TOP, LINE_HEIGHT - PAD_BOTTOM

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    slot = (right - left) / len(pairs)
    zero = y_of(max(lo, min(0.0, hi)))
    out = []
    for i, (label, v) in enumerate(pairs):
        y = y_of(v)
        out.append({
            "x": f"{left + i * slot + slot * 0.15:.1f}", "y": f"{min(y, zero):.1f}",
            "w": f"{slot * 0.7:.1f}", "h": f"{abs(zero - y):.1f}",
            "cx": f"{left + i * slot + slot / 2:.1f}", "label": label,
            "value": number(v, table_decimals), "vy": f"{min(y, zero) - 4:.1f}",
        })  # fmt: skip
    return Chart(
        "bar",
        title,
        x_label,
        _axis_label(y_label, unit),
        left=left,
        bars=out,
        value_ticks=[{"pos": f"{y_of(t):.1f}", "label": number(t, decimals)} for t in tick_values],
        references=_references(references, y_of, unit),
        table=table,
    )


def _horizontal(pairs, title, x_label, y_label, unit, lo, hi, step, tick_values, decimals,
                table_decimals, references, table) -> Chart:  # fmt: skip
    longest = max(len(label) for label, _v in pairs)
    shown = min(longest, 30)  # longer labels are cut here and given whole in the table
    left = round(shown * CHAR + 16)
    right = round(WIDTH - PAD_RIGHT - 8 * CHAR)  # room for the value after the longest bar
    top = PAD_TOP
    height = int(top + len(pairs) * ROW + PAD_BOTTOM + 20)  # the axis label goes below
    bottom = height - PAD_BOTTOM - 20

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (right - left)

    zero = x_of(max(lo, min(0.0, hi)))
    out = []
    for i, (label, v) in enumerate(pairs):
        x = x_of(v)
        y = top + i * ROW
        out.append({
            "x": f"{min(x, zero):.1f}", "y": f"{y + ROW * 0.18:.1f}", "w": f"{abs(x - zero):.1f}",
            "h": f"{ROW * 0.64:.1f}", "cy": f"{y + ROW / 2:.1f}", "label": label,
            "short": label if len(label) <= shown else label[: shown - 1] + "…",
            "value": number(v, table_decimals), "vx": f"{max(x, zero) + 4:.1f}",
        })  # fmt: skip
    return Chart(
        "hbar",
        title,
        x_label,
        _axis_label(y_label, unit),
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=out,
        value_ticks=[{"pos": f"{x_of(t):.1f}", "label": number(t, decimals)} for t in tick_values],
        references=_references(references, x_of, unit),
        table=table,
    )


# --- several series on one time axis (an indicator against its target path) ---

MAX_DRAWN = 600  # points per drawn line; the table keeps every value ...
MAX_TABLE = 4000  # ... up to ten years of days; longer series name their download


@dataclass
class Series:
    """One line of a ``lines`` chart: ``style`` picks its look (``actual``, ``target``,
    ``planned``, ``achieved``, ``other``); ``marks`` draws its points as dots."""

    label: str
    points: list[tuple[date, float]]
    style: str = "actual"
    marks: bool = False


def lttb(points: list[tuple[float, float]], threshold: int) -> list[int]:
    """Indices of the points the Largest-Triangle-Three-Buckets method keeps: the shape of
    a long series in ``threshold`` points, first and last always kept. Only for drawing."""
    n = len(points)
    if threshold >= n or threshold < 3:
        return list(range(n))
    kept = [0]
    size = (n - 2) / (threshold - 2)
    a = 0
    for i in range(threshold - 2):
        start, end = int(i * size) + 1, int((i + 1) * size) + 1
        nxt_start, nxt_end = end, min(int((i + 2) * size) + 1, n)
        if nxt_start >= nxt_end:
            nxt_start, nxt_end = n - 1, n
        avg_x = sum(p[0] for p in points[nxt_start:nxt_end]) / (nxt_end - nxt_start)
        avg_y = sum(p[1] for p in points[nxt_start:nxt_end]) / (nxt_end - nxt_start)
        ax, ay = points[a]
        best, best_area = start, -1.0
        for j in range(start, min(end, n - 1)):
            x, y = points[j]
            area = abs((ax - avg_x) * (y - ay) - (ax - x) * (avg_y - ay))
            if area > best_area:
                best, best_area = j, area
        kept.append(best)
        a = best
    kept.append(n - 1)
    return kept


def lines(
    series: list[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    unit: str = "",
    decimals: int | None = None,
    references: list[Reference] = (),
    x_labels: dict | None = None,
) -> Chart | None:
    """Several lines over time on one value scale, with a legend and one table column per
    line. Long lines are thinned for drawing (``lttb``); the table has every value, its
    moments named by ``x_labels`` where given (a year as ``2024``), else by their date."""
    series = [
        Series(s.label, [(x, float(v)) for x, v in s.points if v is not None and math.isfinite(float(v))],
               s.style, s.marks)
        for s in series
    ]  # fmt: skip
    series = [s for s in series if s.points]
    every = [p for s in series for p in s.points]
    if not series or len({x for x, _v in every}) < 2:
        return None
    values = [v for _x, v in every]
    axis = _ValueAxis.of(values, references)
    left, right, y_of = axis.left, WIDTH - PAD_RIGHT, axis.y
    t0 = min(_local(x) for x, _v in every)
    t1 = max(_local(x) for x, _v in every)
    span = (t1 - t0).total_seconds() or 1.0

    def x_of(t) -> float:
        return left + (_local(t) - t0).total_seconds() / span * (right - left)

    table_decimals = decimals if decimals is not None else _table_decimals(values, axis.decimals)
    drawn = []
    for s in series:
        xy = [(x_of(x), y_of(v)) for x, v in s.points]
        keep = lttb(xy, MAX_DRAWN)
        drawn.append({
            "label": s.label, "style": s.style,
            "points": " ".join(f"{xy[i][0]:.1f},{xy[i][1]:.1f}" for i in keep),
            "dots": [{"x": f"{xy[i][0]:.1f}", "y": f"{xy[i][1]:.1f}",
                      "title": f"{s.label}, {when(s.points[i][0], False)}: {number(s.points[i][1], table_decimals)}"}
                     for i in keep] if s.marks and len(keep) <= 60 else [],
        })  # fmt: skip
    x_ticks = _anchored(
        [{"x": f"{x_of(t):.1f}", "label": label} for t, label in time_ticks(t0, t1)], left, right
    )
    moments = sorted({x for x, _v in every}, key=_local)
    by_series = [dict(s.points) for s in series]
    fmt_number, fmt_date = number_formatter(), date_formatter()
    table = [
        (
            (x_labels or {}).get(x) or fmt_date(x),
            *[fmt_number(d[x], table_decimals) if x in d else "–" for d in by_series],
        )  # fmt: skip
        for x in moments
    ]
    chart = Chart(
        "lines",
        title,
        x_label,
        _axis_label(y_label, unit),
        left=left,
        value_ticks=axis.ticks(),
        x_ticks=x_ticks,
        references=_references(references, y_of, unit),
        table=table,
    )
    chart.series = drawn
    chart.columns = [s.label for s in series]
    if len(table) > MAX_TABLE:  # the newest: a page of 100,000 rows helps no reader
        chart.table_total, chart.table = len(table), table[-MAX_TABLE:]
    return chart
