"""Benchmark: the cockpit, the recomputation of all indicators, and a long chart.

1. The cockpit page of a municipality with 20 goals × 5 indicators and 10 years of monthly
   values each (12,000 values): median, 95th percentile and number of queries, and the
   same at 5 goals × 5 indicators to show that the number of queries does not grow.
2. Recomputing all indicators of a municipality whose sensors hold SIZE observations (50
   datastreams, one value every 5 minutes) and whose datastore holds 1,000,000 rows: 50
   sensor indicators (monthly means) and 5 saved queries (yearly values per district),
   through the job queue as the worker runs them; against the raw SQL of the same
   aggregates.
3. The SVG chart of 10 years of daily values (3,650 points) with its target path:
   building the chart and rendering the template.

Runs on a scratch database of the configured engine (SQLite by default, PostgreSQL when
DATABASE_URL says so).
"""

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.template.loader import render_to_string
from django.test import Client

from stadtkern.core.benchtools import scratch_database, summary, timed
from stadtkern.core.querycount import count_queries

DEFAULT_SIZES = [10_000_000]
DEFAULT_REPEAT = 20
STREAMS = 50
ROWS = 1_000_000
QUERIES = 5
DISTRICTS = ["Innenstadt", "Nord", "Ost", "Süd", "West", "Nordost", "Nordwest", "Südost", "Südwest"]


def _cockpit_municipality(slug: str, goals: int, per_goal: int):
    from stadtkern.core.services import municipality_create
    from stadtkern.indicators.catalogue import templates
    from stadtkern.indicators.models import Indicator, IndicatorValue
    from stadtkern.indicators.periods import month
    from stadtkern.strategy.models import Goal, Measure

    m = municipality_create(
        name=slug, slug=slug, ags=f"05{abs(hash(slug)) % 10**6:06d}", kind="stadt", state="05"
    )
    keys = list(templates())
    goal_objs = Goal.objects.bulk_create(
        Goal(municipality=m, title=f"Ziel {g}", published=True) for g in range(goals)
    )
    measures = Measure.objects.bulk_create(
        Measure(municipality=m, title=f"Maßnahme {i}", published=True) for i in range(goals * 3)
    )
    Measure.goals.through.objects.bulk_create(
        Measure.goals.through(measure_id=measures[i].pk, goal_id=goal_objs[i % goals].pk)
        for i in range(len(measures))
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(municipality=m, key=f"{keys[i % len(keys)]}_{i}", name=f"Indikator {i}", unit="%", published=True,
                  baseline_value=10, baseline_date=date(2016, 1, 1), target_value=30, target_date=date(2030, 12, 31),
                  tolerance=1)
        for i in range(goals * per_goal)
    )  # fmt: skip
    Indicator.goals.through.objects.bulk_create(
        Indicator.goals.through(indicator_id=ind.pk, goal_id=goal_objs[i // per_goal].pk)
        for i, ind in enumerate(indicators)
    )
    rng = random.Random(goals)
    values = []
    for ind in indicators:
        level = rng.uniform(5, 25)
        for k in range(120):
            p = month(2016 + k // 12, k % 12 + 1)
            level += rng.uniform(-0.5, 0.6)
            values.append(IndicatorValue(indicator=ind, period=p.label, start=p.start, end=p.end, value=level,
                                         provenance={"kind": "manual", "source": "Bench"}))  # fmt: skip
    IndicatorValue.objects.bulk_create(values, batch_size=5000)
    return m


def _cockpit(client: Client, repeat: int) -> dict:
    out = {}
    for goals, per_goal in ((5, 5), (20, 5)):
        m = _cockpit_municipality(f"cockpit-{goals}", goals, per_goal)
        path = f"/m/{m.slug}/cockpit/"
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        out[f"{goals}_goals_x_{per_goal}"] = {
            "indicators": goals * per_goal,
            "values": goals * per_goal * 120,
            **summary(timed(lambda p=path: client.get(p), repeat)),
            "queries": counted.count,
        }
        key = m.indicators.first().key
        detail = f"/m/{m.slug}/cockpit/{key}/"
        out[f"{goals}_goals_x_{per_goal}"]["indicator_page"] = summary(
            timed(lambda p=detail: client.get(p), repeat)
        )
    return out


def _observations(municipality, size: int, progress) -> list:
    from stadtkern.sensors.models import (
        OM,
        Datastream,
        FeatureOfInterest,
        Location,
        ObservedProperty,
        Sensor,
        Thing,
    )
    from stadtkern.sensors.services import refresh_datastreams

    sensor = Sensor.objects.create(
        municipality=municipality, name="S", encoding_type="text/html", metadata="-"
    )
    prop = ObservedProperty.objects.create(municipality=municipality, name="NO2", definition="-")
    location = Location.objects.create(municipality=municipality, name="L",
                                       location={"type": "Point", "coordinates": [6.6, 51.4]})  # fmt: skip
    foi = FeatureOfInterest.objects.create(municipality=municipality, name="F", feature=location.location,
                                           from_location=location)  # fmt: skip
    thing = Thing.objects.create(municipality=municipality, name="Station")
    thing.locations.add(location)
    streams = Datastream.objects.bulk_create(
        Datastream(municipality=municipality, thing=thing, sensor=sensor, observed_property=prop, name=f"NO2 {i}",
                   observation_type=OM + "OM_Measurement",
                   unit_of_measurement={"name": "µg/m³", "symbol": "µg/m³", "definition": "-"})
        for i in range(STREAMS)
    )  # fmt: skip
    steps = size // STREAMS
    progress.write(f"indicators bench: {steps * STREAMS:,} observations on {connection.vendor} ...")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "INSERT INTO sensors_observation (datastream_id, feature_of_interest_id, phenomenon_time, result_number) "
                "SELECT d.id, %s, TIMESTAMPTZ '2024-01-01 00:00:00+00' + h * INTERVAL '5 minutes', "
                "((d.id * 7919 + h::bigint * 104729) %% 1000) / 10.0 "
                "FROM sensors_datastream d CROSS JOIN generate_series(0, %s) h ORDER BY d.id, h",
                [foi.pk, steps - 1],
            )
            cur.execute("ANALYZE sensors_observation")
        else:
            cur.execute(
                "WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < %s) "
                "INSERT INTO sensors_observation (datastream_id, feature_of_interest_id, phenomenon_time, result_number) "
                "SELECT d.id, %s, strftime('%%Y-%%m-%%d %%H:%%M:%%S', '2024-01-01', '+' || (h.n * 5) || ' minutes'), "
                "((d.id * 7919 + h.n * 104729) %% 1000) / 10.0 "
                "FROM sensors_datastream d CROSS JOIN h ORDER BY d.id, h.n",
                [steps - 1, foi.pk],
            )
            cur.execute("ANALYZE")
    refresh_datastreams([s.pk for s in streams])
    return streams


def _datastore(municipality, progress):
    from stadtkern.data import importing
    from stadtkern.data.models import Dataset

    progress.write(f"indicators bench: {ROWS:,} datastore rows ...")
    rng = random.Random(ROWS)
    dataset = Dataset.objects.create(municipality=municipality, slug="register", title="Register")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("jahr;bezirk;einheiten;leer\n")
            for i in range(ROWS):
                fh.write(
                    f"{2015 + i % 10};{DISTRICTS[i % 9]};{rng.randint(1, 40)};{rng.randint(0, 8)}\n"
                )
        importing.run_import(dataset, path, "register.csv", importing.Options())
    dataset.refresh_from_db()
    return dataset


QUERY_SQL = (
    "SELECT jahr AS period, bezirk AS district, ROUND(100.0 * SUM(leer) / SUM(einheiten), 2) AS value "
    "FROM register WHERE leer >= {k} GROUP BY jahr, bezirk "
    "UNION ALL SELECT jahr, NULL, ROUND(100.0 * SUM(leer) / SUM(einheiten), 2) FROM register WHERE leer >= {k} GROUP BY jahr"
)


def _raw(streams, table: str) -> None:
    """The same aggregates in plain SQL on the application's connection."""
    month = (
        "date_trunc('month', phenomenon_time, 'Europe/Berlin')"
        if connection.vendor == "postgresql"
        else "strftime('%Y-%m', phenomenon_time)"
    )
    with connection.cursor() as cur:
        for ds in streams:
            cur.execute(
                f"SELECT {month} AS m, AVG(result_number), COUNT(*) FROM sensors_observation "  # noqa: S608
                f"WHERE datastream_id = %s GROUP BY m ORDER BY m",
                [ds.pk],
            )
            cur.fetchall()
        for k in range(QUERIES):
            cur.execute(QUERY_SQL.replace("register", f'"{table}"').format(k=k))
            cur.fetchall()


def _recompute(size: int, repeat: int, progress) -> dict:
    from stadtkern.core.services import municipality_create
    from stadtkern.data.models import SavedQuery
    from stadtkern.indicators import jobs as indicator_jobs
    from stadtkern.indicators.models import Indicator, Level, SourceKind

    m = municipality_create(
        name="Messstadt", slug="messstadt", ags="05999009", kind="stadt", state="05"
    )
    streams = _observations(m, size, progress)
    dataset = _datastore(m, progress)
    Indicator.objects.bulk_create(
        Indicator(municipality=m, key=f"no2_{i}", name=f"NO2 {i}", unit="µg/m³", source=SourceKind.SENSOR,
                  datastream=ds, sensor_interval="1mo", sensor_function="avg", published=True)
        for i, ds in enumerate(streams)
    )  # fmt: skip
    for k in range(QUERIES):
        q = SavedQuery.objects.create(
            municipality=m, slug=f"quote_{k}", title=f"Quote {k}", sql=QUERY_SQL.format(k=k)
        )
        Indicator.objects.create(municipality=m, key=f"quote_{k}", name=f"Quote {k}", unit="%", level=Level.DISTRICT,
                                 source=SourceKind.QUERY, query=q, published=True)  # fmt: skip
    progress.write("indicators bench: recomputing ...")
    runs = max(1, min(repeat, 3))

    def recompute():
        outcomes = indicator_jobs.compute_now(m)
        failed = [o for o in outcomes if o.get("status") != "done"]
        if failed:
            raise RuntimeError(f"computation failed: {failed[:2]}")

    samples = timed(recompute, runs, warm_up=False)
    raw = summary(timed(lambda: _raw(streams, dataset.table), runs, warm_up=False))
    job = summary(samples)
    return {
        "observations": (size // STREAMS) * STREAMS,
        "datastore_rows": ROWS,
        "indicators": STREAMS + QUERIES,
        "values_written": m.indicators.aggregate(n=Count("values"))["n"],
        "recompute": {
            "median_s": round(job["median_ms"] / 1000, 2),
            "max_s": round(max(samples) / 1000, 2),
        },
        "raw_sql_reference": {"median_s": round(raw["median_ms"] / 1000, 2)},
        "ratio_to_raw_sql": round(job["median_ms"] / max(raw["median_ms"], 0.001), 2),
    }


def _long_chart(repeat: int) -> dict:
    from stadtkern.core import charts

    start = date(2016, 1, 1)
    rng = random.Random(3650)
    level, points = 10000.0, []
    for i in range(3650):
        level += rng.uniform(-300, 310)
        points.append((start + timedelta(days=i), level))
    series = [charts.Series("Passanten", points, "actual", marks=True),
              charts.Series("Zielpfad", [(start, 10000.0), (date(2030, 12, 31), 15000.0)], "target", marks=True)]  # fmt: skip

    def draw() -> str:
        chart = charts.lines(
            series, title="Passantenfrequenz", x_label="Tag", y_label="Passanten", unit="je Tag"
        )
        return render_to_string("core/_chart.html", {"chart": chart})

    svg = draw()
    return {"points": len(points), "drawn_points_per_line": charts.MAX_DRAWN, "bytes": len(svg),
            **summary(timed(draw, repeat))}  # fmt: skip


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    started = time.perf_counter()
    with scratch_database():
        client = Client()
        progress.write(f"indicators bench: cockpit on {connection.vendor} ...")
        cockpit = _cockpit(client, repeat)
        recompute = [_recompute(size, repeat, progress) for size in sizes[:1]]
        chart = _long_chart(repeat)
    return {
        "benchmark": "indicators",
        "database": connection.vendor,
        "repeat": repeat,
        "targets": {
            "cockpit": "20 goals x 5 indicators x 120 values: median under 150 ms, queries fixed",
            "recompute": "10,000,000 observations and 1,000,000 rows: under 10 s on PostgreSQL",
            "chart": "3,650 daily points: under 50 ms",
        },
        "cockpit": cockpit,
        "recompute": recompute,
        "chart": chart,
        "seconds": round(time.perf_counter() - started, 1),
    }
