"""Where an indicator's values come from: one reader per kind of source.

Each computed source (a saved query, a sensor aggregation, a pulse-check series) returns
its rows with their provenance, or raises ``SourceError`` with a message for the editor;
``fingerprint`` tells cheaply whether the source changed since the last computation, so
the worker recomputes only what changed. Entered values and official statistics are not
computed: they come in through ``imports.py``.
"""

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.rules import TeamReader
from stadtkern.data import sql
from stadtkern.data.models import ImportRun, ImportStatus
from stadtkern.participation.models import QuestionKind, Survey
from stadtkern.participation.surveys import survey_results
from stadtkern.sensors.aggregation import AggregationError, aggregate

from . import periods
from .models import Indicator, Level, SensorFunction, SourceKind

MAX_ROWS = 20_000  # values one computation may return (10 years of days in 5 districts)


class SourceError(Exception):
    """The source gave nothing usable; the message says why, for the editor."""


@dataclass
class Row:
    period: periods.Period
    value: float
    district: str = ""
    provenance: dict = field(default_factory=dict)


def number(value) -> float | None:
    """A cell as a number: None for empty; SourceError for text that is no number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SourceError(_("'%(v)s' is not a number.") % {"v": value})
    result = float(value) if isinstance(value, int | float | Decimal) else parse_number(str(value))
    if not math.isfinite(result):
        raise SourceError(_("'%(v)s' is not a finite number.") % {"v": value})
    return result


def parse_number(text: str) -> float:
    """``12,5``, ``12.5``, ``1.234,5`` and ``1,234.5`` are numbers; anything else is not."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in t and "." in t:
        decimal = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        if not t or t.lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            raise ValueError
        return float(t)
    except ValueError:
        raise SourceError(_("'%(v)s' is not a number.") % {"v": text[:40]}) from None


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- saved query ---


def _query_datasets(indicator: Indicator) -> list:
    try:
        _final, datasets = sql.prepare(
            indicator.query.sql, TeamReader(indicator.municipality), indicator.municipality
        )
    except sql.QueryError as exc:
        raise SourceError(_("The saved query cannot run: %(e)s") % {"e": exc}) from None
    return datasets


def _versions(datasets) -> list[dict]:
    runs = {}
    for run in ImportRun.objects.filter(dataset__in=datasets, status=ImportStatus.DONE).order_by(
        "dataset_id", "-created_at", "-pk"
    ):
        runs.setdefault(run.dataset_id, run)
    return [
        {
            "dataset": d.slug,
            "municipality": d.municipality.slug,
            "version": runs[d.pk].version if d.pk in runs else None,
            "imported_at": runs[d.pk].created_at.isoformat() if d.pk in runs else None,
        }
        for d in datasets
    ]


def _column(columns: list[str], wanted: str, what: str) -> int:
    lowered = [c.lower() for c in columns]
    if wanted.lower() in lowered:
        return lowered.index(wanted.lower())
    raise SourceError(
        _("The query returns no %(what)s column '%(name)s'; its columns are %(columns)s.")
        % {"what": what, "name": wanted, "columns": ", ".join(columns)[:300]}
    )


def from_query(indicator: Indicator) -> list[Row]:
    if indicator.query is None:
        raise SourceError(_("The saved query of this indicator was deleted; choose another one."))
    reader = TeamReader(indicator.municipality)
    datasets = _query_datasets(indicator)
    try:
        result = sql.run(indicator.query.sql, reader, indicator.municipality, max_rows=MAX_ROWS)
    except sql.QueryError as exc:
        raise SourceError(_("The saved query failed: %(e)s") % {"e": exc}) from None
    if result.truncated:
        raise SourceError(
            _("The query returns more than %(n)s rows; group it by period.") % {"n": MAX_ROWS}
        )
    if not result.rows:
        raise SourceError(_("The query returned no rows."))
    at_period = _column(result.columns, indicator.period_column, _("period"))
    at_value = _column(result.columns, indicator.value_column, _("value"))
    at_district = None
    if indicator.level == Level.DISTRICT:
        at_district = _column(
            result.columns, indicator.district_column or "district", _("district")
        )
    provenance = {
        "kind": SourceKind.QUERY,
        "query": indicator.query.slug,
        "sql": _sha(indicator.query.sql),
        "datasets": _versions(datasets),
    }
    rows = []
    for n, cells in enumerate(result.rows, start=1):
        try:
            period = periods.parse(cells[at_period])
            value = number(cells[at_value])
        except (periods.PeriodError, SourceError) as exc:
            raise SourceError(_("Row %(n)s of the query: %(e)s") % {"n": n, "e": exc}) from None
        if value is None:
            continue  # no value for that period: a gap, not an error
        district = (
            "" if at_district is None or cells[at_district] is None else str(cells[at_district])
        )
        rows.append(Row(period, value, district.strip()[:200], provenance))
    if not rows:
        raise SourceError(_("The query returned rows, but no value in any of them."))
    return rows


def query_fingerprint(indicator: Indicator) -> str:
    if indicator.query is None:
        return "query:deleted"
    try:
        datasets = _query_datasets(indicator)
    except SourceError:
        return f"query:{indicator.query_id}:broken:{_sha(indicator.query.sql)}"
    versions = ",".join(
        f"{v['dataset']}@{v['version']}"
        for v in sorted(_versions(datasets), key=lambda v: v["dataset"])
    )
    return f"query:{indicator.query_id}:{_sha(indicator.query.sql)}:{_sha(versions)}"


# --- sensor aggregation ---

_PERIOD_OF = {
    "1d": lambda t: periods.day(t.date()),
    "1mo": lambda t: periods.month(t.year, t.month),
    "1y": lambda t: periods.year(t.year),
}


def from_sensor(indicator: Indicator) -> list[Row]:
    ds = indicator.datastream
    if ds is None:
        raise SourceError(_("The datastream of this indicator was deleted; choose another one."))
    if ds.phenomenon_time_end is None:
        raise SourceError(
            _("The datastream '%(name)s' has no observations yet.") % {"name": ds.name}
        )
    today = timezone.localdate()
    first = timezone.localtime(ds.phenomenon_time_start).date()
    last = timezone.localtime(ds.phenomenon_time_end).date()
    function = indicator.sensor_function
    end = None
    if indicator.sensor_interval == "1d" or function == SensorFunction.DAY_MEAN:
        # Sums per day count whole days only: today's count so far would look like a bad day.
        end = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
        last = min(last, today - timedelta(days=1))
    try:
        buckets = aggregate(ds, indicator.sensor_interval,
                            "sum" if function == SensorFunction.DAY_MEAN else function,
                            None, end)  # fmt: skip
    except AggregationError as exc:
        raise SourceError(str(exc)) from None
    rows = []
    for bucket in buckets:
        if bucket["value"] is None:
            continue
        begins = datetime.fromisoformat(bucket["start"].replace("Z", "+00:00"))
        period = _PERIOD_OF[indicator.sensor_interval](timezone.localtime(begins))
        covered_from, covered_to = max(period.start, first), min(period.end, last)
        value = float(bucket["value"])
        if function == SensorFunction.DAY_MEAN:
            value /= (covered_to - covered_from).days + 1
        provenance = {
            "kind": SourceKind.SENSOR, "datastream": ds.pk, "name": ds.name,
            "function": function, "observations": bucket["count"],
            "from": covered_from.isoformat(), "to": covered_to.isoformat(),
            # The observations cover only part of the period (it is still running, or the
            # stream began or ended within it).
            "partial": (covered_from, covered_to) != (period.start, period.end),
        }  # fmt: skip
        rows.append(Row(period, value, provenance=provenance))
    if not rows:
        raise SourceError(_("The datastream has no numeric observations to aggregate."))
    if len(rows) > MAX_ROWS:
        raise SourceError(_("More than %(n)s periods; choose a longer interval.") % {"n": MAX_ROWS})
    return rows


def sensor_fingerprint(indicator: Indicator) -> str:
    ds = indicator.datastream
    if ds is None:
        return "sensor:deleted"
    end = ds.phenomenon_time_end.isoformat() if ds.phenomenon_time_end else "-"
    return (
        f"sensor:{ds.pk}:{indicator.sensor_interval}:{indicator.sensor_function}:"
        f"{ds.observation_count}:{end}"
    )


# --- pulse-check series ---


def _waves(indicator: Indicator):
    return Survey.objects.filter(
        municipality=indicator.municipality,
        series=indicator.survey_series,
        published=True,
        closes_at__lte=timezone.now(),
    ).order_by("closes_at")


def from_survey(indicator: Indicator) -> list[Row]:
    waves = list(_waves(indicator))
    if not waves:
        raise SourceError(
            _("The series '%(s)s' has no closed, published wave yet.")
            % {"s": indicator.survey_series}
        )
    if indicator.published and any(w.team_only for w in waves):
        raise SourceError(
            _(
                "Waves of this series are for the municipality's team only: an indicator "
                "from them cannot be published."
            )
        )
    rows = []
    for wave in waves:
        results = survey_results(wave)
        questions = results["questions"]
        if indicator.survey_question > len(questions):
            raise SourceError(
                _("The wave '%(w)s' has no question %(n)s.")
                % {"w": wave.slug, "n": indicator.survey_question}
            )
        q = questions[indicator.survey_question - 1]
        value = _survey_value(q, indicator.survey_measure, wave.slug)
        if value is None:
            continue
        rows.append(
            Row(
                periods.day(timezone.localtime(wave.closes_at).date()),
                value,
                provenance={
                    "kind": SourceKind.SURVEY,
                    "survey": wave.slug,
                    "title": wave.title,
                    "responses": results["responses"],
                    "answered": q["answered"],
                },
            )
        )
    if not rows:
        raise SourceError(_("No wave of the series has answers to that question yet."))
    return rows


def _survey_value(q: dict, measure: str, wave: str) -> float | None:
    if measure == "nps":
        if q["kind"] != QuestionKind.NPS:
            raise SourceError(
                _(
                    "Question %(n)s of '%(w)s' is no 0–10 recommendation question; the NPS needs one."
                )
                % {"n": q["id"], "w": wave}
            )
        return q.get("nps")
    if q["kind"] not in (QuestionKind.LIKERT, QuestionKind.NPS):
        raise SourceError(
            _("The question '%(q)s' of '%(w)s' has no numeric answers.")
            % {"q": q["text"][:80], "w": wave}
        )
    if not q["answered"]:
        return None
    if measure == "mean":
        return q["mean"]
    high = (4, 5) if q["kind"] == QuestionKind.LIKERT else (9, 10)
    agreeing = sum(q["counts"].get(str(k), 0) for k in high)
    return round(100 * agreeing / q["answered"], 2)


def survey_fingerprint(indicator: Indicator) -> str:
    waves = list(_waves(indicator).values_list("slug", "closes_at"))
    last = waves[-1][1].isoformat() if waves else "-"
    return (
        f"survey:{indicator.survey_series}:{indicator.survey_question}:{indicator.survey_measure}:"
        f"{len(waves)}:{last}:{int(indicator.published)}"
    )


READERS = {
    SourceKind.QUERY: (from_query, query_fingerprint),
    SourceKind.SENSOR: (from_sensor, sensor_fingerprint),
    SourceKind.SURVEY: (from_survey, survey_fingerprint),
}


def read(indicator: Indicator) -> list[Row]:
    reader, _fp = READERS[indicator.source]
    rows = reader(indicator)
    seen = set()
    for row in rows:
        key = (row.period.label, row.district)
        if key in seen:
            where = f" ({row.district})" if row.district else ""
            raise SourceError(
                _("The source gives two values for %(p)s%(w)s; each period needs one.")
                % {"p": row.period.label, "w": where}
            )
        seen.add(key)
    return rows


def fingerprint(indicator: Indicator) -> str:
    if indicator.source not in READERS:
        return ""
    day = timezone.now().date().isoformat()
    # The date is part of it: a closed period that is no longer partial recomputes once a day.
    return f"{READERS[indicator.source][1](indicator)}:{day}"[:200]
