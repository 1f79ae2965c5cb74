"""Where an indicator's values come from: one reader per kind of source.

Each computed source (a saved query, a sensor aggregation, a pulse-check series) returns
its rows with their provenance, or raises ``SourceError`` with a message for the editor;
``fingerprints`` tell cheaply whether the source changed since the last computation, so
the worker recomputes only what changed. Entered values and official statistics are not
computed: they come in through ``imports.py``.
"""

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.rules import TeamReader
from stadtkern.core.text import without_controls
from stadtkern.data import sql
from stadtkern.data.models import Dataset, ImportRun, ImportStatus
from stadtkern.data.parsing import decimal_mark, parse_decimal
from stadtkern.participation.models import QuestionKind, Survey
from stadtkern.participation.surveys import survey_results
from stadtkern.sensors.aggregation import AggregationError, aggregate

from . import periods
from .models import Indicator, Level, SensorFunction, SourceKind

MAX_ROWS = 20_000  # values one computation may return (10 years of days in 5 districts)


class SourceError(Exception):
    """The source gave nothing usable; the message says why, for the editor."""


class ConfidentialSource(SourceError):
    """A published indicator reads what the public may not see: its values are withdrawn."""


class SourceBusy(SourceError):
    """The source could not be read just now (other queries hold the places); try again."""


@dataclass
class Row:
    period: periods.Period
    value: float
    district: str = ""
    provenance: dict = field(default_factory=dict)


# Indicator values are counts, shares and rates: anything larger is a defect of the
# source (a sum that overflowed, a unit mistaken), not a figure to draw.
LARGEST = 1e15


def number(value) -> float | None:
    """A cell as a number: None for empty; SourceError for text that is no number and for
    values no indicator holds (not finite, or beyond ±10^15)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SourceError(_("'%(v)s' is not a number.") % {"v": value})
    try:
        result = (
            float(value) if isinstance(value, int | float | Decimal) else parse_number(str(value))
        )
    except OverflowError:
        result = math.inf
    if not math.isfinite(result) or abs(result) > LARGEST:
        raise SourceError(
            _("'%(v)s' lies outside the range an indicator holds (±10^15).")
            % {"v": str(value)[:40]}
        )
    return result


def parse_number(text: str) -> float:
    """Text as a number the way the importer reads cells (data/parsing.py): ``12,5``,
    ``1.234,5``, ``12.5`` and ``1,234.5``; a lone ``1.234`` is German, 1234."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    try:
        value = parse_decimal(t, decimal_mark([t]) or ",")
    except ValueError:
        value = None
    if value is None:
        raise SourceError(_("'%(v)s' is not a number.") % {"v": text[:40]})
    return value


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- saved query ---


def _versions(datasets) -> list[dict]:
    runs = {}
    for run in ImportRun.objects.filter(dataset__in=datasets, status=ImportStatus.DONE).order_by(
        "dataset_id", "-created_at", "-pk"
    ):
        runs.setdefault(run.dataset_id, run)
    return [
        {
            "id": d.pk,
            "dataset": d.slug,
            "municipality": d.municipality.slug,
            "version": runs[d.pk].version if d.pk in runs else None,
            "run": runs[d.pk].pk if d.pk in runs else None,
            "access": d.access,
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
    try:
        result = sql.run(indicator.query.sql, reader, indicator.municipality, max_rows=MAX_ROWS)
    except sql.QueryError as exc:
        error = SourceBusy if exc.status == 503 else SourceError
        raise error(_("The saved query failed: %(e)s") % {"e": exc}) from None
    if result.truncated:
        raise SourceError(
            _("The query returns more than %(n)s rows; group it by period.")
            % {"n": min(MAX_ROWS, settings.DATASTORE_SQL_MAX_ROWS)}
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
        "datasets": _versions(result.datasets),
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
        rows.append(Row(period, value, without_controls(district).strip()[:200], provenance))
    if not rows:
        raise SourceError(_("The query returned rows, but no value in any of them."))
    return rows


def query_fingerprint(indicator: Indicator, states: dict[int, str]) -> str:
    """The query's text and publicity, and each dataset's state (version and access): a
    dataset turned internal is a change too, after which a published indicator withdraws
    its values."""
    versions = ",".join(f"{d}@{states[d]}" for d in sorted(states))
    public = int(indicator.query.public)
    return f"query:{indicator.query_id}:{public}:{_sha(indicator.query.sql)}:{_sha(versions)}"


def dataset_state(run: int | None, access: str) -> str:
    return f"{run}{'' if access == 'public' else '-internal'}"


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
        try:
            value = number(bucket["value"])
        except SourceError as exc:
            raise SourceError(_("%(p)s: %(e)s") % {"p": period.label, "e": exc}) from None
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


READERS = {
    SourceKind.QUERY: from_query,
    SourceKind.SENSOR: from_sensor,
    SourceKind.SURVEY: from_survey,
}


def confidential(indicator: Indicator) -> str:
    """Why the indicator's source may not feed a published indicator, or ""; the public
    would read in its values what it may not read in the source itself."""
    if indicator.source == SourceKind.QUERY and indicator.query is not None:
        if not indicator.query.public:
            return _("The saved query is not public.")
        try:
            _final, datasets = sql.prepare(
                indicator.query.sql, TeamReader(indicator.municipality), indicator.municipality
            )
        except sql.QueryError:
            return ""  # the computation names what is wrong with the query
        internal = sorted(d.slug for d in datasets if d.access != "public")
        if internal:
            return _("The query reads internal datasets (%(d)s).") % {"d": ", ".join(internal)}
    ds = indicator.datastream if indicator.source == SourceKind.SENSOR else None
    if ds is not None and not ds.thing.public:
        return _("The datastream's sensor is not public.")
    if (
        indicator.source == SourceKind.SURVEY
        and Survey.objects.filter(
            municipality=indicator.municipality, series=indicator.survey_series, team_only=True
        ).exists()
    ):
        return _("Waves of this series are for the municipality's team only.")
    return ""


def read(indicator: Indicator) -> list[Row]:
    if indicator.published:
        reason = confidential(indicator)
        if reason:
            raise ConfidentialSource(
                _("%(r)s A published indicator is computed from public sources only.")
                % {"r": reason}
            )
    rows = READERS[indicator.source](indicator)
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


def fingerprints(indicators: list[Indicator]) -> dict[int, str]:
    """What each computed indicator's source looks like now, in three queries for any
    number of indicators: the query's text and its datasets' versions and access, the
    datastream's count, newest observation and publicity, the series' closed waves, last
    closing and team-only waves. Give indicators with ``query`` and ``datastream__thing``."""
    dataset_ids = {d for i in indicators if i.source == SourceKind.QUERY for d in i.source_datasets}
    latest = dict(
        ImportRun.objects.filter(dataset_id__in=dataset_ids, status=ImportStatus.DONE)
        .values("dataset_id").annotate(last=Max("pk")).values_list("dataset_id", "last")
    )  # fmt: skip
    access = dict(Dataset.objects.filter(pk__in=dataset_ids).values_list("pk", "access"))
    series = {
        (i.municipality_id, i.survey_series) for i in indicators if i.source == SourceKind.SURVEY
    }
    waves = {}
    if series:
        closed = Q(published=True, closes_at__lte=timezone.now())
        for row in (
            Survey.objects.filter(municipality_id__in={m for m, _s in series}, series__in={s for _m, s in series})
            .values("municipality_id", "series")
            .annotate(n=Count("pk", filter=closed), last=Max("closes_at", filter=closed),
                      team=Count("pk", filter=Q(team_only=True)))
        ):  # fmt: skip
            last = row["last"].isoformat() if row["last"] else "-"
            waves[(row["municipality_id"], row["series"])] = f"{row['n']}:{last}:{row['team']}"
    out = {}
    for i in indicators:
        if i.source == SourceKind.QUERY:
            states = {
                d: dataset_state(latest.get(d), access.get(d, "deleted")) for d in i.source_datasets
            }
            fp = "query:deleted" if i.query is None else query_fingerprint(i, states)
        elif i.source == SourceKind.SENSOR:
            ds = i.datastream
            fp = "sensor:deleted" if ds is None else (
                f"sensor:{ds.pk}:{i.sensor_interval}:{i.sensor_function}:{ds.observation_count}:"
                f"{ds.phenomenon_time_end.isoformat() if ds.phenomenon_time_end else '-'}:{int(ds.thing.public)}")  # fmt: skip
        elif i.source == SourceKind.SURVEY:
            fp = (f"survey:{i.survey_series}:{i.survey_question}:{i.survey_measure}:{int(i.published)}:"
                  f"{waves.get((i.municipality_id, i.survey_series), '-')}")  # fmt: skip
        else:
            fp = ""
        out[i.pk] = fp[:200]
    return out
