"""A plan on a time axis (Gantt chart), drawn on the server as SVG with its rows as a
table, like every chart of the product (charts.py gives the number and date formats and
the time ticks).

The SVG and the table are built here as text, escaped in one pass: a plan of 300 packages
costs a template loop several times as much. Being on the critical path shows by colour
and by a heavy outline, and is written in each bar's tooltip and in the table, so that no
reader depends on colour alone.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .charts import date_formatter, time_ticks

WIDTH = 960
ROW = 26
TOP = 40  # room for the time axis
LABEL_CHARS = 30
CHAR = 7.2


@dataclass
class GanttRow:
    key: object
    label: str
    start: date
    finish: date  # the last day; a milestone's own day
    milestone: bool = False
    group: str = ""  # the phase: rows of one group follow each other under its name
    critical: bool = False
    done: int = 0  # percent
    baseline_start: date | None = None
    baseline_finish: date | None = None

    @property
    def slip(self) -> int | None:
        return None if self.baseline_finish is None else (self.finish - self.baseline_finish).days


@dataclass
class Gantt:
    title: str
    svg: str
    height: int
    table: list[tuple[str, ...]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    kind: str = "gantt"
    width: int = WIDTH

    @property
    def table_body(self) -> str:
        return mark_safe("".join(  # noqa: S308 - every cell is escaped
            f"<tr><th scope=\"row\">{escape(r[0])}</th>" + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
            for r in self.table
        ))  # fmt: skip


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def gantt(rows: list[GanttRow], links: list[tuple], *, title: str,
          today: date | None = None) -> Gantt | None:  # fmt: skip
    """The plan of ``rows`` with arrows for ``links`` (pairs of keys, predecessor first)."""
    if not rows:
        return None
    fmt = date_formatter()
    first = min(min(r.start, r.baseline_start or r.start) for r in rows)
    last = min(
        max(max(r.finish, r.baseline_finish or r.finish) for r in rows),
        date.max - timedelta(days=15),
    )
    last += timedelta(days=1)
    if (last - first).days < 14:
        last = first + timedelta(days=14)
    left = round(LABEL_CHARS * CHAR + 16)
    right = WIDTH - 24
    span = (last - first).days

    def x(d: date) -> float:
        return left + (d - first).days / span * (right - left)

    out, y, where, group = [], TOP, {}, None
    for r in rows:
        if r.group != group and r.group:
            out.append(
                f'<text x="4" y="{y + ROW * 0.7:.1f}" class="gantt-group">{escape(_short(r.group))}</text>'
            )
            y += ROW
        group = r.group
        mid = y + ROW / 2
        crit = " critical" if r.critical else ""
        dates = fmt(r.start) if r.milestone else f"{fmt(r.start)} – {fmt(r.finish)}"
        tip = f"{r.label}: {dates}" + (f", {_('critical path')}" if r.critical else "")
        if r.slip:
            tip += ", " + _("%(n)+d days against the baseline") % {"n": r.slip}
        out.append(
            f'<text x="14" y="{mid:.1f}" class="tick" dominant-baseline="middle">{escape(_short(r.label))}</text>'
        )
        if r.baseline_start is not None and r.baseline_finish is not None:
            bx = x(r.baseline_start)
            bw = max(x(r.baseline_finish + timedelta(days=1)) - bx, 2)
            out.append(
                f'<rect x="{bx:.1f}" y="{y + ROW - 6:.1f}" width="{bw:.1f}" height="3" class="gantt-baseline"/>'
            )
        if r.milestone:
            cx = x(r.start)
            out.append(
                f'<polygon points="{cx:.1f},{mid - 8:.1f} {cx + 8:.1f},{mid:.1f} {cx:.1f},{mid + 8:.1f} {cx - 8:.1f},{mid:.1f}" '
                f'class="gantt-milestone{crit}"><title>{escape(tip)}</title></polygon>'
            )
            where[r.key] = (cx + 8, cx - 8, mid)
        else:
            bx, bw = x(r.start), max(x(r.finish + timedelta(days=1)) - x(r.start), 2)
            out.append(
                f'<rect x="{bx:.1f}" y="{y + 5:.1f}" width="{bw:.1f}" height="{ROW - 13}" class="gantt-bar{crit}"><title>{escape(tip)}</title></rect>'
            )
            if r.done:
                out.append(
                    f'<rect x="{bx:.1f}" y="{y + 5:.1f}" width="{bw * min(r.done, 100) / 100:.1f}" height="4" class="gantt-done"/>'
                )
            where[r.key] = (bx + bw, bx, mid)
        if r.slip:
            end_x = where[r.key][0]
            out.append(
                f'<text x="{end_x + 4:.1f}" y="{mid:.1f}" class="gantt-slip" dominant-baseline="middle">{r.slip:+d}</text>'
            )
        y += ROW
    height = y + 10
    arrows = []
    for a, b in links:
        if a not in where or b not in where:
            continue
        x1, _x, y1 = where[a]
        _e, x2, y2 = where[b]
        if x2 >= x1 + 12:
            path = f"M{x1:.1f} {y1:.1f}H{x1 + 6:.1f}V{y2:.1f}H{x2 - 1:.1f}"
        else:  # the successor starts before the end: go round below the predecessor
            turn = y1 + ROW / 2 if y2 > y1 else y1 - ROW / 2
            path = f"M{x1:.1f} {y1:.1f}H{x1 + 6:.1f}V{turn:.1f}H{x2 - 8:.1f}V{y2:.1f}H{x2 - 1:.1f}"
        arrows.append(f'<path d="{path}" class="gantt-link" marker-end="url(#gantt-arrow)"/>')
    ticks = []
    for t, label in time_ticks(datetime.combine(first, time()), datetime.combine(last, time())):
        tx = x(t.date())
        ticks.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 6}" y2="{height - 10}" class="grid"/>'
                     f'<text x="{tx:.1f}" y="{TOP - 12}" class="tick" text-anchor="middle">{escape(label)}</text>')  # fmt: skip
    if today is not None and first <= today <= last:
        tx = x(today)
        ticks.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 6}" y2="{height - 10}" class="gantt-today"/>'
                     f'<text x="{tx + 3:.1f}" y="{height - 2}" class="reference-label">{escape(_("today"))}</text>')  # fmt: skip
    defs = ('<defs><marker id="gantt-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z" class="gantt-arrowhead"/></marker></defs>')  # fmt: skip
    svg = defs + "".join(ticks) + "".join(out) + "".join(arrows)
    none = "–"
    table = [
        (r.label, r.group or none, fmt(r.start), fmt(r.finish),
         fmt(r.baseline_finish) if r.baseline_finish else none,
         f"{r.slip:+d}" if r.slip is not None else none,
         _("yes") if r.critical else _("no"), f"{r.done} %")
        for r in rows
    ]  # fmt: skip
    columns = [_("Work package"), _("Phase"), _("Start"), _("Finish"), _("Baseline finish"),
               _("Slip (days)"), _("Critical path"), _("Done")]  # fmt: skip
    return Gantt(title, mark_safe(svg), height, table, columns)  # noqa: S308 - escaped above
