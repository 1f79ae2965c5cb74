"""Charts drawn on the server as SVG: a time series and a bar chart, each with its numbers
as a table next to it, so that screen readers and people who prefer tables get the same.

No JavaScript and no chart library: the page stays small and works everywhere.
"""

from dataclasses import dataclass, field

from django.db import connection

from .datastore import qn

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 720, 260, 60, 30, 10
MAX_POINTS = 300


@dataclass
class Chart:
    kind: str  # "line" or "bar"
    title: str
    x_label: str
    y_label: str
    width: int = WIDTH
    height: int = HEIGHT
    points: str = ""  # polyline for line charts
    bars: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    x_ticks: list[dict] = field(default_factory=list)
    table: list[tuple[str, float]] = field(default_factory=list)
    note: str = ""


def _scale(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    lo = min(lo, 0.0)
    if hi == lo:
        hi = lo + 1
    return lo, hi


def _y_ticks(lo, hi) -> list[dict]:
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    out = []
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        out.append({"y": _n(HEIGHT - PAD_BOTTOM - plot * i / 4), "label": _fmt(v)})
    return out


def _n(v: float) -> str:
    """A coordinate as SVG wants it: a dot, never the locale's decimal comma."""
    return f"{v:.1f}"


def _fmt(v: float) -> str:
    return f"{v:,.0f}".replace(",", " ") if abs(v) >= 100 or float(v).is_integer() else f"{v:.2f}"


def time_series(dataset, x: str, y: str, title: str, limit: int = 20000) -> Chart | None:
    """The column ``y`` over the time column ``x``, averaged into at most 300 buckets."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {qn(x)}, {qn(y)} FROM {qn(dataset.table)} "  # noqa: S608
            f"WHERE {qn(x)} IS NOT NULL AND {qn(y)} IS NOT NULL ORDER BY {qn(x)} LIMIT %s",
            [limit],
        )
        rows = cur.fetchall()
    if len(rows) < 2:
        return None
    size = max(1, -(-len(rows) // MAX_POINTS))
    buckets = []
    for i in range(0, len(rows), size):
        part = rows[i : i + size]
        buckets.append(
            (str(part[0][0])[:16].replace("T", " "), sum(float(r[1]) for r in part) / len(part))
        )
    return line(buckets, title, x, y, note=str(size) if size > 1 else "")


def line(
    buckets: list[tuple[str, float]], title: str, x_label: str, y_label: str, note: str = ""
) -> Chart | None:
    """A line through ``(label, value)`` points in order; None-values are left out."""
    buckets = [(label, float(v)) for label, v in buckets if v is not None]
    if len(buckets) < 2:
        return None
    values = [v for _l, v in buckets]
    lo, hi = _scale(values)
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(buckets) - 1, 1)
    coords = [
        (PAD_LEFT + i * step, HEIGHT - PAD_BOTTOM - (v - lo) / (hi - lo) * plot_h)
        for i, (_l, v) in enumerate(buckets)
    ]
    last = len(buckets) - 1
    ticks = [
        {
            "x": _n(coords[i][0]),
            "label": buckets[i][0][:10],
            "anchor": "start" if i == 0 else ("end" if i == last else "middle"),
        }
        for i in sorted({0, last // 2, last})
    ]
    return Chart(
        "line",
        title,
        x_label,
        y_label,
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in coords),
        y_ticks=_y_ticks(lo, hi),
        x_ticks=ticks,
        table=buckets,
        note=note,
    )


def bars(
    labels: list[str], values: list[float], title: str, x_label: str, y_label: str
) -> Chart | None:
    pairs = [
        (str(label), float(v)) for label, v in zip(labels, values, strict=True) if v is not None
    ][:40]
    if not pairs:
        return None
    lo, hi = _scale([v for _l, v in pairs])
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / len(pairs)
    zero = HEIGHT - PAD_BOTTOM - (0 - lo) / (hi - lo) * plot_h
    out = []
    for i, (label, v) in enumerate(pairs):
        top = HEIGHT - PAD_BOTTOM - (v - lo) / (hi - lo) * plot_h
        out.append(
            {
                "x": _n(PAD_LEFT + i * slot + slot * 0.15),
                "y": _n(min(top, zero)),
                "w": _n(slot * 0.7),
                "h": _n(abs(zero - top)),
                "label": label,
                "cx": _n(PAD_LEFT + i * slot + slot / 2),
                "value": _fmt(v),
            }
        )
    return Chart("bar", title, x_label, y_label, bars=out, y_ticks=_y_ticks(lo, hi), table=pairs)
