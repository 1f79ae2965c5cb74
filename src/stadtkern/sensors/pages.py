"""Web pages of the sensor data: every Thing of a municipality on a map with its latest
values, and each Datastream as a chart over a chosen interval."""

from datetime import UTC, date, datetime, time, timedelta

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stadtkern.core.charts import Reference, line
from stadtkern.core.maps import map_context
from stadtkern.core.selectors import municipality_get

from .aggregation import FUNCTIONS, INTERVALS, aggregate
from .entities import TYPES
from .representation import whole
from .selectors import Caller, visible

# How far back a chart looks for each interval, unless the datastream ends earlier.
SPANS = {"15min": timedelta(days=3), "1h": timedelta(days=14), "1d": timedelta(days=365),
         "1w": timedelta(days=3 * 365), "1mo": timedelta(days=10 * 365),
         "1y": timedelta(days=30 * 365)}  # fmt: skip
CALENDAR_SECONDS = {"1d": 86400, "1w": 7 * 86400, "1mo": 31 * 86400, "1y": 366 * 86400}
INTERVAL_LABELS = {
    "15min": gettext_lazy("15 minutes"),
    "1h": gettext_lazy("hour"),
    "1d": gettext_lazy("day"),
    "1w": gettext_lazy("week"),
    "1mo": gettext_lazy("month"),
    "1y": gettext_lazy("year"),
}
FUNCTION_LABELS = {
    "avg": gettext_lazy("average"),
    "min": gettext_lazy("minimum"),
    "max": gettext_lazy("maximum"),
    "sum": gettext_lazy("sum"),
    "count": gettext_lazy("count"),
}


# Limit values of the EU Ambient Air Quality Directive 2008/50/EC for the annual mean, by
# the pollutant's code in the EEA vocabulary (dd.eionet.europa.eu/vocabulary/aq/pollutant):
# the line a council compares a station's values with.
AIR_QUALITY_LIMITS = {
    "8": (40, gettext_lazy("EU limit value, annual mean")),  # NO2
    "5": (40, gettext_lazy("EU limit value, annual mean")),  # PM10
    "6001": (25, gettext_lazy("EU limit value, annual mean")),  # PM2.5
}
MAX_CHART_BUCKETS = 5000


def _limits(ds) -> list[Reference]:
    definition = (ds.observed_property.definition or "").rstrip("/")
    if "/vocabulary/aq/pollutant/" not in definition:
        return []
    if ((ds.unit_of_measurement or {}).get("symbol") or "") not in ("µg/m³", "ug/m3"):
        return []
    limit = AIR_QUALITY_LIMITS.get(definition.rsplit("/", 1)[-1])
    return [Reference(limit[0], str(limit[1]))] if limit else []


def _day(text: str | None) -> date | None:
    """A day from a date field (ISO, whatever the reader's language), else None."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _period(ds, interval: str, period: dict) -> tuple[datetime, datetime]:
    """The chart's period: the days chosen (whole local days), else the interval's usual
    span back from the newest observation; never more buckets than a chart can draw."""
    last = ds.phenomenon_time_end + timedelta(seconds=1)
    end = _day_start(period["chart_to"] + timedelta(days=1)) if period.get("chart_to") else last
    end = min(end, last)
    chosen = period.get("chart_from")
    start = max(_day_start(chosen) if chosen else end - SPANS[interval], ds.phenomenon_time_start)
    seconds = INTERVALS.get(interval) or CALENDAR_SECONDS[interval]
    earliest = end - timedelta(seconds=seconds * MAX_CHART_BUCKETS)
    return max(start, earliest), end


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _geometry(location: dict | None):
    if isinstance(location, dict) and location.get("type") == "Feature":
        return location.get("geometry")
    return location


def things(request, slug: str):
    municipality = municipality_get(slug)
    caller = Caller.of(request, None)
    thing_list = list(
        visible(TYPES["Thing"], caller).filter(municipality=municipality).order_by("name")
        .prefetch_related("locations")
    )  # fmt: skip
    streams = (
        visible(TYPES["Datastream"], caller).filter(municipality=municipality)
        .select_related("latest", "observed_property").order_by("name")
    )  # fmt: skip
    by_thing: dict[int, list] = {}
    for ds in streams:
        by_thing.setdefault(ds.thing_id, []).append(ds)
    features = []
    for thing in thing_list:
        thing.streams = by_thing.get(thing.pk, [])
        for loc in thing.locations.all():
            geometry = _geometry(loc.location)
            if geometry:
                latest = {ds.name: f"{whole(ds.latest.result)} {(ds.unit_of_measurement or {}).get('symbol') or ''}".strip()
                          for ds in thing.streams if ds.latest}  # fmt: skip
                features.append(
                    {
                        "type": "Feature",
                        "geometry": geometry,
                        "properties": {"Name": thing.name, **latest},
                    }
                )
    return render(request, "sensors/things.html", {
        "municipality": municipality, "things": thing_list,
        "geojson": {"type": "FeatureCollection", "features": features},
        **map_context(request, municipality),
    })  # fmt: skip


def datastream(request, slug: str, pk: int):
    municipality = municipality_get(slug)
    ds = (
        visible(TYPES["Datastream"], Caller.of(request, None))
        .filter(municipality=municipality, pk=pk).select_related("thing", "observed_property", "sensor", "latest")
        .first()
    )  # fmt: skip
    if ds is None:
        raise Http404(_("No such datastream."))
    interval = request.GET.get("interval") if request.GET.get("interval") in INTERVALS else "1h"
    function = request.GET.get("function") if request.GET.get("function") in FUNCTIONS else "avg"
    numeric = ds.observation_type.endswith(("OM_Measurement", "OM_CountObservation"))
    chart, buckets, period, span = None, [], {}, None
    if ds.phenomenon_time_end is not None:
        span = (_local_day(ds.phenomenon_time_start), _local_day(ds.phenomenon_time_end))
        period = {key: _day(request.GET.get(key)) for key in ("chart_from", "chart_to")}
        start, end = _period(ds, interval, period)
        if (numeric or function == "count") and start < end:
            buckets = aggregate(ds, interval, function, start, end)
        unit = (ds.unit_of_measurement or {}).get("symbol") or ""
        shares = unit == "%" and function in ("avg", "min", "max")
        chart = line(
            [(datetime.fromisoformat(b["start"]), b["value"]) for b in buckets],
            title=ds.name,
            x_label=_("start of the %(interval)s") % {"interval": INTERVAL_LABELS[interval]},
            y_label=str(FUNCTION_LABELS[function]),
            unit=unit if function != "count" else "",
            y_range=(0, 100) if shares else None,
            references=_limits(ds) if function in ("avg", "max") else [],
        )
    return render(request, "sensors/datastream.html", {
        "municipality": municipality, "ds": ds, "chart": chart, "buckets": buckets,
        "interval": interval, "function": function, "numeric": numeric, "period": period, "span": span,
        "intervals": INTERVAL_LABELS.items(), "functions": FUNCTION_LABELS.items(),
        "generated": datetime.now(UTC),
    })  # fmt: skip
