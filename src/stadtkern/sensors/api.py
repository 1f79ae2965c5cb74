"""Sensor data beyond the SensorThings standard, under /api/v1/sensors/: aggregates of a
datastream over intervals and the latest observation of many datastreams in one call.

Reads follow the SensorThings service's visibility: public Things for everyone,
internal ones for members of their municipality.
"""

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from stadtkern.core import rules
from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, Slug, text
from stadtkern.data.api import DatasetName
from stadtkern.data.importing import ImportFailed

from .aggregation import FUNCTIONS, INTERVALS, AggregationError, aggregate
from .entities import TYPES, iso
from .exports import datastream_to_dataset
from .representation import whole
from .selectors import Caller, visible

router = Router(tags=["sensors"])


class AggregateQuery(Schema):
    interval: Literal[tuple(INTERVALS)] = "1h"  # type: ignore[valid-type]
    function: Literal[FUNCTIONS] = "avg"  # type: ignore[valid-type]
    start: datetime | None = None
    end: datetime | None = None


class LatestQuery(Schema):
    municipality: Slug
    datastream: list[Id] = Field(default_factory=list, max_length=10_000)
    thing: list[Id] = Field(default_factory=list, max_length=10_000)
    observed_property: text(300) | None = None


def _caller(request) -> Caller:
    return Caller.of(request, None)


@router.get("/sensors/datastreams/{ds_id}/aggregate", auth=READ)
def datastream_aggregate(request, ds_id: Id, q: Query[AggregateQuery]):
    """Aggregates of a datastream's numeric results per interval (time zone Europe/Berlin
    for 1d, 1w and 1mo). Without start and end: the datastream's whole time span."""
    ds = visible(TYPES["Datastream"], _caller(request)).filter(pk=ds_id).first()
    if ds is None:
        raise Http404(f"No datastream {ds_id}.")
    for name, value in (("start", q.start), ("end", q.end)):
        if value is not None and value.tzinfo is None:
            raise HttpError(400, f"{name} needs a time zone, e.g. 2024-01-01T00:00:00+01:00.")
    try:
        buckets = aggregate(ds, q.interval, q.function, q.start, q.end)
    except AggregationError as exc:
        raise HttpError(400, str(exc)) from None
    return {
        "datastream": ds.pk,
        "name": ds.name,
        "interval": q.interval,
        "function": q.function,
        "timeZone": "Europe/Berlin",
        "unitOfMeasurement": ds.unit_of_measurement,
        "buckets": buckets,
    }


class ExportIn(Schema):
    dataset: DatasetName


@router.post("/sensors/datastreams/{ds_id}/dataset", auth=WRITE)
def datastream_export(request, ds_id: Id, payload: ExportIn):
    """Write the datastream's observations into a dataset of its municipality (a new
    version each time), for the SQL endpoint, downloads and the catalogue."""
    ds = (
        visible(TYPES["Datastream"], _caller(request))
        .select_related("municipality", "thing")
        .filter(pk=ds_id)
        .first()
    )
    if ds is None:
        raise Http404(f"No datastream {ds_id}.")
    if not rules.can_edit_data(request.user, ds.municipality):
        raise HttpError(403, "Only editors of the municipality export its datastreams.")
    try:
        dataset = datastream_to_dataset(ds, slug=payload.dataset, user=request.user)
    except ImportFailed as exc:
        raise HttpError(400, str(exc)) from None
    return {
        "municipality": ds.municipality.slug,
        "dataset": dataset.slug,
        "version": dataset.version,
        "rows": dataset.row_count,
    }


@router.get("/sensors/latest", auth=READ)
def latest(request, q: Query[LatestQuery]):
    """The latest observation of every datastream of a municipality, or of the given
    datastreams, Things or observed property, in one call."""
    municipality = municipality_get(q.municipality)
    qs = visible(TYPES["Datastream"], _caller(request)).filter(municipality=municipality)
    if q.datastream:
        qs = qs.filter(pk__in=q.datastream)
    if q.thing:
        qs = qs.filter(thing_id__in=q.thing)
    if q.observed_property:
        qs = qs.filter(observed_property__name=q.observed_property)
    rows = qs.order_by("pk").values_list(
        "pk", "name", "thing_id", "observed_property__name", "unit_of_measurement",
        "latest_id", "latest_time", "latest_result_number", "latest_result_json",
    )  # fmt: skip
    return {
        "municipality": municipality.slug,
        "value": [
            {
                "datastream": pk,
                "name": name,
                "thing": thing,
                "observedProperty": prop,
                "unitOfMeasurement": unit,
                "observation": obs,
                "phenomenonTime": iso(time),
                "result": whole(number) if result is None else result,
            }  # fmt: skip
            for pk, name, thing, prop, unit, obs, time, number, result in rows
        ],
    }
