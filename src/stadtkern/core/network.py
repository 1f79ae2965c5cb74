"""A network of actors (who works with whom), drawn on the server as SVG: the actors on a
circle, a line for each tie, with the ties as a table, like every chart of the product.
A circle needs no layout library and stays readable for the few dozen actors of a
municipality's projects; an actor's marker carries its group's class and its name."""

import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import mark_safe

SIZE = 720
RADIUS = 170  # room outside the circle for a label of LABEL_CHARS characters
LABEL_CHARS = 22


@dataclass
class Network:
    title: str
    svg: str
    width: int = SIZE
    height: int = SIZE
    table: list[tuple[str, ...]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    kind: str = "network"

    @property
    def table_body(self) -> str:
        return mark_safe("".join(  # noqa: S308 - every cell is escaped
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in self.table
        ))  # fmt: skip


def network(nodes: list[tuple[object, str, str]], ties: list[tuple[object, object, str]], *, title: str,
            columns: list[str]) -> Network | None:  # fmt: skip
    """``nodes``: (key, name, css class); ``ties``: (key, key, how)."""
    if not nodes:
        return None
    centre = SIZE / 2
    where, names, out = {}, {}, []
    for i, (key, name, _css) in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes) - math.pi / 2
        where[key] = (centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle), angle)
        names[key] = name
    for a, b, how in ties:
        if a in where and b in where:
            (x1, y1, _a), (x2, y2, _b) = where[a], where[b]
            tip = f"{names[a]} – {names[b]}" + (f": {how}" if how else "")
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="network-tie">'
                       f"<title>{escape(tip)}</title></line>")  # fmt: skip
    for key, name, css in nodes:
        x, y, angle = where[key]
        short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        lx, ly = x + 14 * math.cos(angle), y + 14 * math.sin(angle)
        anchor = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        out.append(f'<g class="network-node {escape(css)}"><title>{escape(name)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8"/></g>'
                   f'<text x="{lx:.1f}" y="{ly:.1f}" class="tick" text-anchor="{anchor}" dominant-baseline="middle">'
                   f"{escape(short)}</text>")  # fmt: skip
    table = [(names[a], names[b], how) for a, b, how in ties if a in names and b in names]
    return Network(title, mark_safe("".join(out)), table=table, columns=columns)  # noqa: S308 - escaped above
