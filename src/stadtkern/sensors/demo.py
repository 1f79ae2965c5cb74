"""Musterstadt's sensors for the demo: a pedestrian counter replaying the real Moers
counts, three air-quality stations and two car parks, a year of hourly data each.

The pedestrian counter repeats the city of Moers' real hourly counts of May 2022
(Steinstraße, Datenlizenz Deutschland): every hour of the year takes the count of the
same weekday and hour from one of the four full weeks of May, in turn. Air quality and
parking are invented with realistic patterns: NO2 peaks in the morning and evening rush
and in winter, PM10 and PM2.5 rise in winter and on calm days, car parks fill on
Saturday afternoons and before Christmas.
"""

import csv
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from stadtkern.core.models import Municipality

from . import services
from .entities import TYPES
from .models import (
    OM,
    Datastream,
    FeatureOfInterest,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)

MOERS_CSV = (
    Path(__file__).resolve().parents[1] / "data" / "demo_files" / "moers_fussgaenger_2022_05.csv"
)
BERLIN = ZoneInfo("Europe/Berlin")
HOURS = 365 * 24
UG = {
    "name": "Mikrogramm pro Kubikmeter",
    "symbol": "µg/m³",
    "definition": "http://unitsofmeasure.org/ucum.html#ug/m3",
}
STATIONS = [  # name, lon, lat, traffic (1 = a busy road)
    ("Luftmessstation Homberger Straße", 6.6251, 51.4503, 1.0),
    ("Luftmessstation Innenstadt", 6.6327, 51.4518, 0.6),
    ("Luftmessstation Schlosspark", 6.6275, 51.4540, 0.25),
]
CAR_PARKS = [
    ("Parkhaus Kastell", 6.6296, 51.4522, 420),
    ("Parkplatz Neumarkt", 6.6349, 51.4509, 160),
]
COUNTER = ("Passantenzählung Steinstraße", 6.6317, 51.4515)


def _moers_week_pattern() -> dict[tuple[int, int, int], int]:
    """(week 0..3, weekday, hour) -> pedestrians, from the real counts of May 2022."""
    out = {}
    with MOERS_CSV.open(encoding="utf-8", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter=";")
        next(rows)
        for row in rows:
            moment = datetime.strptime(row[1], "%Y-%m-%d %H:%M:%S %z").astimezone(BERLIN)
            week = (moment.day - 2) // 7  # 2 May 2022 was a Monday
            if 0 <= week < 4:
                out[(week, moment.weekday(), moment.hour)] = int(row[3] or 0)
    return out


def _thing(ctx, name, description, lon, lat, streams):
    body = {
        "name": name,
        "description": description,
        "properties": {"quelle": "Demo Musterstadt"},
        "Locations": [{"name": name, "description": description, "encodingType": "application/geo+json",
                       "location": {"type": "Point", "coordinates": [lon, lat]}}],
        "Datastreams": streams,
    }  # fmt: skip
    return services.create(ctx, TYPES["Thing"], body)


def _stream(name, description, kind, unit, sensor, prop):
    return {"name": name, "description": description, "observationType": OM + kind, "unitOfMeasurement": unit,
            "Sensor": sensor, "ObservedProperty": prop}  # fmt: skip


def _series(ds: Datastream, start: datetime, values) -> int:
    foi = services.feature_for(services.Context(ds.municipality_id), ds).pk
    rows = [
        (ds.pk, foi, start + timedelta(hours=i), None, None, float(v), None, None, None, None, None)
        for i, v in enumerate(values)
    ]
    services.insert_observations(rows)
    return len(rows)


def _remove(municipality: Municipality) -> None:
    streams = Datastream.objects.filter(municipality=municipality)
    streams.update(latest=None)
    Observation.objects.filter(datastream__in=streams)._raw_delete(Observation.objects.db)
    for model in (Thing, Location, Sensor, ObservedProperty, FeatureOfInterest):
        model.objects.filter(municipality=municipality).delete()


@transaction.atomic
def demo_load_sensors(municipality: Municipality, now: datetime | None = None) -> dict:
    """Replace ``municipality``'s sensors with the demo's; returns counts."""
    _remove(municipality)
    rng = random.Random(20261123)  # noqa: S311 - reproducible demo data, not security
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=HOURS - 1)
    ctx = services.Context(municipality.pk)
    total = 0

    # Pedestrians: the real Moers counts, replayed.
    pattern = _moers_week_pattern()
    sensor = {"name": "Laserscanner", "description": "Zählt Passanten in beiden Richtungen", "encodingType": "text/html",
              "metadata": "https://hystreet.com/"}  # fmt: skip
    prop = {
        "name": "Passanten",
        "definition": "https://de.wikipedia.org/wiki/Passantenfrequenz",
        "description": "Fußgänger je Stunde",
    }
    thing = _thing(ctx, COUNTER[0], "Passantenzählung in der Fußgängerzone (Zahlen der Stadt Moers, Mai 2022, wiederholt)",
                   COUNTER[1], COUNTER[2], [_stream("Passanten Steinstraße", "Fußgänger je Stunde, beide Richtungen",
                   "OM_CountObservation", {"name": "Personen", "symbol": "Pers./h", "definition": "ucum:{persons}/h"}, sensor, prop)])  # fmt: skip
    counts = []
    for i in range(HOURS):
        local = (start + timedelta(hours=i)).astimezone(BERLIN)
        week = (local.toordinal() // 7) % 4
        counts.append(
            pattern.get(
                (week, local.weekday(), local.hour),
                pattern.get((0, local.weekday(), local.hour), 0),
            )
        )
    total += _series(thing.datastreams.get(), start, counts)

    # Air quality.
    props = {
        "NO2": {"name": "NO2", "definition": "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/8", "description": "Stickstoffdioxid"},
        "PM10": {"name": "PM10", "definition": "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5", "description": "Feinstaub bis 10 µm"},
        "PM2.5": {"name": "PM2.5", "definition": "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001", "description": "Feinstaub bis 2,5 µm"},
    }  # fmt: skip
    for s_index, (name, lon, lat, traffic) in enumerate(STATIONS):
        streams = [
            _stream(f"{p} {name.split(' ', 1)[1]}", f"{p}, Stundenmittel", "OM_Measurement", UG,
                    {"name": f"{p}-Messgerät {s_index + 1}", "description": "Referenzverfahren", "encodingType": "text/html",
                     "metadata": "https://www.lanuv.nrw.de/"}, props[p] if s_index == 0 else None)
            for p in props
        ]  # fmt: skip
        if s_index:
            for stream, p in zip(streams, props, strict=True):
                stream["ObservedProperty"] = {
                    "@iot.id": ObservedProperty.objects.get(municipality=municipality, name=p).pk
                }
        thing = _thing(ctx, name, "Stündliche Messung von NO2 und Feinstaub", lon, lat, streams)
        weather = 1.0
        series = {p: [] for p in props}
        for i in range(HOURS):
            local = (start + timedelta(hours=i)).astimezone(BERLIN)
            if local.hour == 0:  # calm, stagnant days raise everything; windy days clear the air
                weather = min(2.2, max(0.4, 0.6 * weather + 0.4 * rng.lognormvariate(0, 0.35)))
            winter = 1 + 0.35 * math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 365)
            workday = local.weekday() < 5
            rush = math.exp(-((local.hour - 8) ** 2) / 4) + 0.8 * math.exp(
                -((local.hour - 17.5) ** 2) / 5
            )
            traffic_now = traffic * (0.35 + (1.0 if workday else 0.45) * rush)
            no2 = (9 + 38 * traffic_now) * winter * weather * rng.uniform(0.85, 1.15)
            pm10 = (11 + 9 * traffic_now) * winter**1.4 * weather * rng.uniform(0.85, 1.15)
            series["NO2"].append(round(no2, 1))
            series["PM10"].append(round(pm10, 1))
            series["PM2.5"].append(round(pm10 * rng.uniform(0.55, 0.7), 1))
        for ds in thing.datastreams.all():
            total += _series(ds, start, series[ds.observed_property.name])

    # Parking occupancy.
    occupancy = {
        "name": "Belegung",
        "definition": "https://de.wikipedia.org/wiki/Parkraum",
        "description": "Belegte Stellplätze in Prozent",
    }
    for p_index, (name, lon, lat, spaces) in enumerate(CAR_PARKS):
        prop_ref = (
            occupancy
            if p_index == 0
            else {
                "@iot.id": ObservedProperty.objects.get(
                    municipality=municipality, name="Belegung"
                ).pk
            }
        )
        thing = _thing(ctx, name, f"{spaces} Stellplätze, Schrankenzählung", lon, lat, [
            _stream(f"Belegung {name}", "Anteil belegter Stellplätze", "OM_Measurement",
                    {"name": "Prozent", "symbol": "%", "definition": "ucum:%"},
                    {"name": f"Schranke {name}", "description": "Ein- und Ausfahrtzählung", "encodingType": "text/html",
                     "metadata": "https://example.org/parkleitsystem"}, prop_ref)])  # fmt: skip
        values = []
        for i in range(HOURS):
            local = (start + timedelta(hours=i)).astimezone(BERLIN)
            open_hours = 8 <= local.hour <= 20
            day = {5: 1.25, 6: 0.35}.get(local.weekday(), 0.9)
            advent = 1.2 if local.month == 12 and local.day < 24 else 1.0
            shape = math.exp(-((local.hour - 14) ** 2) / 14) if open_hours else 0.05
            share = min(
                99.0, max(2.0, 100 * (0.08 + 0.75 * shape * day * advent) * rng.uniform(0.9, 1.1))
            )
            values.append(round(share, 1))
        total += _series(thing.datastreams.get(), start, values)

    services.refresh_datastreams(
        Datastream.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    return {
        "things": Thing.objects.filter(municipality=municipality).count(),
        "observations": total,
    }
