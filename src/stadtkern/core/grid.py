"""A grid chart: items placed in the cells of a 5 × 5 grid (a risk matrix of probability
and impact, a stakeholder map of interest and influence), drawn on the server as SVG
with the items as a table, like every chart of the product.

Each item is a numbered mark in its cell, and the number leads to its row in the table
below; the cells' shading says how serious the cell is and is also written in the table,
so that no reader depends on colour.
"""

from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

CELL = 72
LEFT, TOP = 70, 20
PER_ROW = 3  # marks side by side in a cell
MAX_MARKS = 6  # then "+n"


@dataclass
class GridItem:
    label: str
    x: int  # 1..size
    y: int  # 1..size
    css: str = ""  # a class for the mark (a risk or an opportunity)


@dataclass
class Grid:
    title: str
    svg: str
    width: int
    height: int
    table: list[tuple[str, ...]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    kind: str = "grid"

    @property
    def table_body(self) -> str:
        return mark_safe("".join(  # noqa: S308 - every cell is escaped
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in self.table
        ))  # fmt: skip


def grid(items: list[GridItem], *, title: str, x_label: str, y_label: str, shade, band, columns: list[str],
         size: int = 5) -> Grid | None:  # fmt: skip
    """``shade(x, y)`` gives a cell's class, ``band(x, y)`` its word for the table;
    ``columns`` name the table's columns: number, item, x, y, band."""
    if not items:
        return None
    width, height = LEFT + size * CELL + 10, TOP + size * CELL + 50
    out = []
    for x in range(1, size + 1):
        for y in range(1, size + 1):
            cx, cy = LEFT + (x - 1) * CELL, TOP + (size - y) * CELL
            out.append(
                f'<rect x="{cx}" y="{cy}" width="{CELL}" height="{CELL}" class="grid-cell {shade(x, y)}"/>'
            )
    for i in range(1, size + 1):
        out.append(
            f'<text x="{LEFT + (i - 0.5) * CELL:.0f}" y="{TOP + size * CELL + 18}" class="tick" text-anchor="middle">{i}</text>'
        )
        out.append(
            f'<text x="{LEFT - 10}" y="{TOP + (size - i + 0.5) * CELL:.0f}" class="tick" text-anchor="end" dominant-baseline="middle">{i}</text>'
        )
    out.append(
        f'<text x="{LEFT + size * CELL / 2:.0f}" y="{height - 8}" class="axis-label" text-anchor="middle">{escape(x_label)}</text>'
    )
    out.append(f'<text x="16" y="{TOP + size * CELL / 2:.0f}" class="axis-label" text-anchor="middle" '
               f'transform="rotate(-90 16 {TOP + size * CELL / 2:.0f})">{escape(y_label)}</text>')  # fmt: skip
    cells: dict[tuple[int, int], list[tuple[int, GridItem]]] = {}
    for n, item in enumerate(items, start=1):
        cells.setdefault((item.x, item.y), []).append((n, item))
    for (x, y), marks in cells.items():
        x0, y0 = LEFT + (x - 1) * CELL, TOP + (size - y) * CELL
        for k, (n, item) in enumerate(marks[:MAX_MARKS]):
            mx, my = x0 + 14 + (k % PER_ROW) * 22, y0 + 16 + (k // PER_ROW) * 24
            out.append(f'<g class="grid-mark {escape(item.css)}"><title>{n}: {escape(item.label)}</title>'
                       f'<circle cx="{mx}" cy="{my}" r="10"/><text x="{mx}" y="{my}" text-anchor="middle" '
                       f'dominant-baseline="central">{n}</text></g>')  # fmt: skip
        if len(marks) > MAX_MARKS:
            out.append(
                f'<text x="{x0 + CELL - 6}" y="{y0 + CELL - 8}" class="tick" text-anchor="end">+{len(marks) - MAX_MARKS}</text>'
            )
    table = [
        (str(n), item.label, str(item.x), str(item.y), band(item.x, item.y))
        for n, item in enumerate(items, start=1)
    ]
    return Grid(title, mark_safe("".join(out)), width, height, table, columns)  # noqa: S308 - escaped above
