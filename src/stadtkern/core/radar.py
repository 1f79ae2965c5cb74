"""A radar chart: scores on spokes around a circle (a measure's sustainability check),
drawn on the server as SVG with the scores as a table, like every chart of the product.
Spokes are grouped (a dimension and its criteria), each group's name written along its
arc; a spoke without a score is left out of the polygon and written as a gap in the
table, never drawn as zero."""

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

SIZE = 520
RADIUS = 170
LABEL_CHARS = 24


@dataclass
class Radar:
    title: str
    svg: str
    width: int = SIZE
    height: int = SIZE
    table: list[tuple[str, ...]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    kind: str = "radar"

    @property
    def table_body(self) -> str:
        return mark_safe("".join(  # noqa: S308 - every cell is escaped
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in self.table
        ))  # fmt: skip


def radar(spokes: list[tuple[str, str, float | None, str]], *, title: str, top: float, columns: list[str],
          rings: int = 4) -> Radar | None:  # fmt: skip
    """``spokes``: (group, label, value or None, reason), values from 0 to ``top``."""
    if not any(v is not None for _g, _l, v, _r in spokes):
        return None
    c = SIZE / 2
    n = len(spokes)

    def point(i: int, r: float) -> tuple[float, float]:
        angle = 2 * math.pi * i / n - math.pi / 2
        return c + r * math.cos(angle), c + r * math.sin(angle)

    out = []
    for k in range(1, rings + 1):
        ring = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, RADIUS * k / rings) for i in range(n))
        )
        out.append(f'<polygon points="{ring}" class="radar-ring"/>')
    for i, (_group, label, _value, _reason) in enumerate(spokes):
        x, y = point(i, RADIUS)
        out.append(f'<line x1="{c}" y1="{c}" x2="{x:.1f}" y2="{y:.1f}" class="radar-spoke"/>')
        lx, ly = point(i, RADIUS + 14)
        anchor = "start" if lx > c + 5 else "end" if lx < c - 5 else "middle"
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="tick" text-anchor="{anchor}" dominant-baseline="middle">'
                   f"<title>{escape(label)}</title>{escape(short)}</text>")  # fmt: skip
    scored = [(i, v) for i, (_g, _l, v, _r) in enumerate(spokes) if v is not None]
    shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, RADIUS * v / top) for i, v in scored))
    out.append(f'<polygon points="{shape}" class="radar-shape"/>')
    for i, v in scored:
        x, y = point(i, RADIUS * v / top)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="radar-dot"><title>{escape(spokes[i][1])}: '
                   f"{v:g}</title></circle>")  # fmt: skip
    table = [(g, label, "–" if v is None else f"{v:g}", reason) for g, label, v, reason in spokes]
    return Radar(title, mark_safe("".join(out)), table=table, columns=columns)  # noqa: S308 - escaped above
