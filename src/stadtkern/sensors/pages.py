"""Web pages of the sensor data: every Thing of a municipality on a map with its latest
values, and each Datastream as a chart over a chosen interval."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stadtkern.core.selectors import municipality_get
from stadtkern.data.charts import line

from .aggregation import FUNCTIONS, INTERVALS, aggregate
from .entities import TYPES
from .representation import whole
from .selectors import Caller, visible

# How far back a chart looks for each interval, unless the datastream ends earlier.
SPANS = {"15min": timedelta(days=3), "1h": timedelta(days=14), "1d": timedelta(days=365),
         "1w": timedelta(days=3 * 365), "1mo": timedelta(days=10 * 365)}  # fmt: skip
INTERVAL_LABELS = {
    "15min": gettext_lazy("15 minutes"),
    "1h": gettext_lazy("hour"),
    "1d": gettext_lazy("day"),
    "1w": gettext_lazy("week"),
    "1mo": gettext_lazy("month"),
}
FUNCTION_LABELS = {
    "avg": gettext_lazy("average"),
    "min": gettext_lazy("minimum"),
    "max": gettext_lazy("maximum"),
    "sum": gettext_lazy("sum"),
    "count": gettext_lazy("count"),
}


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
        "tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
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
    chart, buckets = None, []
    if ds.phenomenon_time_end is not None:
        end = ds.phenomenon_time_end + timedelta(seconds=1)
        start = max(ds.phenomenon_time_start, end - SPANS[interval])
        if numeric or function == "count":
            buckets = aggregate(ds, interval, function, start, end)
        unit = (ds.unit_of_measurement or {}).get("symbol") or ""
        label = (
            f"{FUNCTION_LABELS[function]} ({unit})"
            if unit and function != "count"
            else FUNCTION_LABELS[function]
        )
        chart = line(
            [(b["start"][:16].replace("T", " "), b["value"]) for b in buckets],
            ds.name, _("start of the %(interval)s") % {"interval": INTERVAL_LABELS[interval]}, label,
        )  # fmt: skip
    return render(request, "sensors/datastream.html", {
        "municipality": municipality, "ds": ds, "chart": chart, "buckets": buckets,
        "interval": interval, "function": function, "numeric": numeric,
        "intervals": INTERVAL_LABELS.items(), "functions": FUNCTION_LABELS.items(),
        "generated": datetime.now(UTC),
    })  # fmt: skip
