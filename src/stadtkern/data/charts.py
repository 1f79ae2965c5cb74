"""A dataset's numbers as a chart: which column is worth drawing, and its time series
within a chosen period. Drawing is core's one chart renderer (core/charts.py)."""

import re
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from stadtkern.core.charts import Chart, line

from .coordinates import X_NAMES, Y_NAMES
from .datastore import encode, qn

MAX_POINTS = 300
SAMPLE_ROWS = 10_000

# Numbers that are not measurements: positions, keys and codes. Drawing the mean of a
# Rechtswert or of a postcode over time tells nobody anything.
_NOT_A_VALUE = re.compile(
    r"(^|_)(id|nr|no|nummer|number|key|code|ags|ars|plz|postcode|zip|gkz|lfd|index|epsg)($|_)"
    r"|^(objectid|fid|gid|ogc_fid)$",
    re.IGNORECASE,
)


def value_columns(columns: list[dict]) -> list[str]:
    """The numeric columns a chart can show, measurements first; coordinates never."""
    coordinates = set(X_NAMES) | set(Y_NAMES)
    numeric = [c["name"] for c in columns if c["type"] in ("integer", "decimal")
               and c["name"].lower() not in coordinates]  # fmt: skip
    return sorted(numeric, key=lambda n: bool(_NOT_A_VALUE.search(n)))


def time_series(
    dataset,
    x: str,
    y: str,
    title: str,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 20000,
) -> Chart | None:
    """The column ``y`` over the time column ``x`` from ``start`` to ``end`` (whole days,
    both included), averaged into at most 300 buckets."""
    kind = dataset.column(x)["type"]
    where, params = [f"{qn(x)} IS NOT NULL", f"{qn(y)} IS NOT NULL"], []
    if start:
        where.append(f"{qn(x)} >= %s")
        params.append(_bound(kind, start))
    if end:
        where.append(f"{qn(x)} < %s")
        params.append(_bound(kind, end + timedelta(days=1)))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {qn(x)}, {qn(y)} FROM {qn(dataset.table)} "  # noqa: S608
            f"WHERE {' AND '.join(where)} ORDER BY {qn(x)} LIMIT %s",
            [*params, limit],
        )
        rows = [(_moment(t), v) for t, v in cur.fetchall()]
    rows = [(t, v) for t, v in rows if t is not None]
    if len(rows) < 2:
        return None
    size = max(1, -(-len(rows) // MAX_POINTS))
    buckets = [
        (part[0][0], sum(float(v) for _t, v in part) / len(part))
        for part in (rows[i : i + size] for i in range(0, len(rows), size))
    ]
    column = dataset.column(y)
    return line(
        buckets,
        title=title,
        x_label=dataset.column(x).get("title") or x,
        y_label=column.get("title") or y,
        unit=column.get("unit") or "",
        note=str(size) if size > 1 else "",
    )


def span(dataset, x: str) -> tuple[date, date] | None:
    """The first and last day the time column covers, for the date range picker; None when
    the column is empty or mostly empty (a date set only for some rows, such as "vacant
    since", is an attribute of those rows, not the time axis of the dataset)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT MIN({qn(x)}), MAX({qn(x)}) FROM {qn(dataset.table)}")  # noqa: S608
        lo, hi = cur.fetchone()
        # How full the column is, judged on a sample: a page view does not count every row.
        cur.execute(
            f"SELECT COUNT(v), COUNT(*) FROM (SELECT {qn(x)} AS v FROM {qn(dataset.table)} "  # noqa: S608
            f"LIMIT {SAMPLE_ROWS}) AS sample"
        )
        filled, rows = cur.fetchone()
    lo, hi = _moment(lo), _moment(hi)
    if not (lo and hi) or filled * 2 < rows:
        return None
    return lo.date(), hi.date()


def _bound(kind: str, day: date):
    """A day's start as the column stores it: a date, or a timestamp at local midnight
    (a reader choosing 10 May means the day in the municipality's time zone)."""
    if kind == "date":
        return encode("date", day)
    return encode("timestamp", timezone.make_aware(datetime.combine(day, time.min)))


def _moment(value) -> datetime | None:
    """A stored date or timestamp (a Python value on PostgreSQL, ISO text on SQLite)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


# Categories a map colours by: a status or kind with a few values (vacant or occupied).
_CATEGORY_NAMES = ("status", "zustand", "art", "typ", "kategorie", "nutzung", "category", "kind")
MAX_CATEGORIES = 8


def colour_columns(dataset) -> list[str]:
    """The columns a map of the dataset can colour by, the most telling first: text columns
    with 2 to 8 values (names like ``status`` ahead), then the value columns."""
    texts = [c["name"] for c in dataset.columns if c["type"] == "text"][:12]
    categories = []
    if texts and dataset.table:
        with connection.cursor() as cur:
            counts = ", ".join(f"COUNT(DISTINCT {qn(n)})" for n in texts)
            cur.execute(  # on a sample, as above: a category shows in its first rows
                f"SELECT {counts} FROM (SELECT * FROM {qn(dataset.table)} LIMIT {SAMPLE_ROWS}) AS sample"  # noqa: S608
            )
            distinct = cur.fetchone()
        categories = [n for n, k in zip(texts, distinct, strict=True) if 2 <= k <= MAX_CATEGORIES]
        rank = {name: i for i, name in enumerate(_CATEGORY_NAMES)}
        categories.sort(key=lambda n: rank.get(n.lower(), len(rank)))
    return categories + value_columns(dataset.columns)
