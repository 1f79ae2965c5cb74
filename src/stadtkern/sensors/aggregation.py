"""Server-side aggregation of a datastream's numeric results over time intervals.

Fixed intervals (15min, 1h) are aligned to UTC, which matches Europe/Berlin because
its offsets are whole hours. Calendar intervals (1d, 1w, 1mo, 1y) follow the calendar in
Europe/Berlin: a day is 23 or 25 hours when the clocks change, a week starts on Monday.
PostgreSQL groups with ``date_bin`` and ``date_trunc(..., 'Europe/Berlin')``; SQLite,
which knows no time zones, groups by UTC hour in SQL and the hours are merged into
calendar buckets here (exact, because every Berlin boundary is a UTC hour).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from .models import Datastream

BERLIN = ZoneInfo("Europe/Berlin")
INTERVALS = {"15min": 900, "1h": 3600, "1d": None, "1w": None, "1mo": None, "1y": None}
FUNCTIONS = ("avg", "min", "max", "sum", "count")
MAX_BUCKETS = 100_000
_PG_BUCKET = {
    "15min": "date_bin('15 minutes', phenomenon_time, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "1h": "date_trunc('hour', phenomenon_time)",
    "1d": "date_trunc('day', phenomenon_time, 'Europe/Berlin')",
    "1w": "date_trunc('week', phenomenon_time, 'Europe/Berlin')",
    "1mo": "date_trunc('month', phenomenon_time, 'Europe/Berlin')",
    "1y": "date_trunc('year', phenomenon_time, 'Europe/Berlin')",
}


class AggregationError(ValueError):
    pass


@dataclass
class Bucket:
    start: datetime
    count: int
    total: float
    low: float
    high: float

    def value(self, function: str):
        if function == "count":
            return self.count
        if not self.count:
            return None
        return {
            "avg": self.total / self.count,
            "sum": self.total,
            "min": self.low,
            "max": self.high,
        }[function]


def calendar_start(moment: datetime, interval: str) -> datetime:
    """The start of the Berlin calendar bucket that holds ``moment``."""
    local = moment.astimezone(BERLIN)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if interval == "1w":
        day -= timedelta(days=day.weekday())
    elif interval == "1mo":
        day = day.replace(day=1)
    elif interval == "1y":
        day = day.replace(month=1, day=1)
    return day.replace(tzinfo=BERLIN)


def aggregate(
    ds: Datastream, interval: str, function: str, start: datetime | None, end: datetime | None
) -> list[dict]:
    if interval not in INTERVALS:
        raise AggregationError(f"interval is one of {', '.join(INTERVALS)}.")
    if function not in FUNCTIONS:
        raise AggregationError(f"function is one of {', '.join(FUNCTIONS)}.")
    start = start or ds.phenomenon_time_start
    end = end or (
        ds.phenomenon_time_end + timedelta(microseconds=1) if ds.phenomenon_time_end else None
    )
    if start is None or end is None:
        return []
    if end <= start:
        raise AggregationError("end lies before start.")
    span = (end - start).total_seconds()
    if span / (INTERVALS[interval] or 86400) > MAX_BUCKETS:
        raise AggregationError(
            f"That is more than {MAX_BUCKETS} intervals; choose a longer interval or a shorter time."
        )
    if INTERVALS[interval] is not None:
        return _fixed(ds.pk, interval, function, start, end)
    if connection.vendor == "postgresql":
        buckets = _postgres(ds.pk, interval, start, end)
    else:
        buckets = _sqlite(ds.pk, interval, start, end)
    out = []
    for b in buckets:
        begin = (
            b.start.astimezone(BERLIN) if INTERVALS[interval] is None else b.start.astimezone(UTC)
        )
        out.append(
            {
                "start": begin.isoformat().replace("+00:00", "Z"),
                "value": b.value(function),
                "count": b.count,
            }
        )
    return out


_SQL_FUNCTIONS = {"avg": "AVG", "min": "MIN", "max": "MAX", "sum": "SUM", "count": "COUNT"}


def _fixed(ds_id: int, interval: str, function: str, start: datetime, end: datetime) -> list[dict]:
    """15min and 1h: the database groups, computes and writes the ISO time itself, so that
    a year of hours (8,784 buckets) costs little more than the query."""
    step = INTERVALS[interval]
    fn = _SQL_FUNCTIONS[function]
    if connection.vendor == "postgresql":
        bucket = _PG_BUCKET[interval]
        label = f"""to_char({bucket} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
        params = [ds_id, start, end]
    else:
        bucket = f"(CAST(strftime('%%s', phenomenon_time) AS INTEGER) / {step})"
        label = f"strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', {bucket} * {step}, 'unixepoch')"
        adapt = connection.ops.adapt_datetimefield_value
        params = [ds_id, adapt(start), adapt(end)]
    sql = (
        f"SELECT {label}, {fn}(result_number), COUNT(result_number) FROM sensors_observation "  # noqa: S608
        f"WHERE datastream_id = %s AND phenomenon_time >= %s AND phenomenon_time < %s "
        f"GROUP BY {bucket} ORDER BY {bucket}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {"start": at, "value": value if n or function == "count" else None, "count": n}
        for at, value, n in rows
    ]


_SQL = """SELECT {bucket} AS b, COUNT(result_number), SUM(result_number), MIN(result_number), MAX(result_number)
FROM sensors_observation WHERE datastream_id = %s AND phenomenon_time >= %s AND phenomenon_time < %s
GROUP BY b ORDER BY b"""


def _postgres(ds_id: int, interval: str, start: datetime, end: datetime) -> list[Bucket]:
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(bucket=_PG_BUCKET[interval]), [ds_id, start, end])
        return [Bucket(b, n, t or 0.0, lo, hi) for b, n, t, lo, hi in cursor.fetchall()]


def _sqlite(ds_id: int, interval: str, start: datetime, end: datetime) -> list[Bucket]:
    step = INTERVALS[interval] or 3600
    bucket = f"(CAST(strftime('%%s', phenomenon_time) AS INTEGER) / {step})"
    params = [
        ds_id,
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(bucket=bucket), params)
        rows = cursor.fetchall()
    fixed = [
        Bucket(datetime.fromtimestamp(b * step, UTC), n, t or 0.0, lo, hi)
        for b, n, t, lo, hi in rows
    ]
    if INTERVALS[interval] is not None:
        return fixed
    merged: dict[datetime, Bucket] = {}
    for hour in fixed:
        key = calendar_start(hour.start, interval)
        into = merged.get(key)
        if into is None:
            merged[key] = Bucket(key, hour.count, hour.total, hour.low, hour.high)
            continue
        into.count += hour.count
        into.total += hour.total
        if hour.low is not None:
            into.low = hour.low if into.low is None else min(into.low, hour.low)
            into.high = hour.high if into.high is None else max(into.high, hour.high)
    return list(merged.values())
