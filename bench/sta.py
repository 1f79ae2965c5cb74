"""Benchmark: the SensorThings service with 10,000,000 observations in 1,000 datastreams.

Figures, each against the raw SQL (or bulk write) that returns or writes the same rows:

- the latest observation of all 1,000 datastreams (/api/v1/sensors/latest), and the
  same through the standard ($expand with $top=1 per datastream);
- one datastream's observations of one day through $filter on phenomenonTime;
- hourly averages of one datastream over a year (/api/v1/sensors/.../aggregate);
- $count of all observations and of one datastream's;
- ingest by CreateObservations (dataArray), against COPY (PostgreSQL) or executemany
  (SQLite) of the same rows;
- ingest over MQTT through a real Mosquitto and the worker, sustained, with the count
  published and the count stored compared.

Requests go through the full Django stack (test client, no network). The observations
are generated in SQL on a scratch database (not timed); datastreams hold one
observation an hour from 2024-01-01.
"""

import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.test import Client

from stadtkern.core.benchtools import scratch_database, summary, timed

DEFAULT_SIZES = [10_000_000]
DEFAULT_REPEAT = 30
DATASTREAMS = 1000
START = datetime(2024, 1, 1, tzinfo=UTC)
INGEST_ROWS = 50_000
MQTT_MESSAGES = 50_000
SENSORS = 5
# One sensor: publishes its share of observations with QoS 1 as fast as the broker takes
# them, in one thread as a gateway would (paho's network loop run between publishes: half
# the CPU of a background loop thread woken for every message), and ends once the broker
# has acknowledged every one.
PUBLISHER = """
import json, sys, time
from datetime import datetime, timedelta, timezone
import paho.mqtt.client as paho
port, k, n, streams = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-sensor-{k}", protocol=paho.MQTTv5)
c.max_inflight_messages_set(1000)
c.connect("127.0.0.1", port)
base = datetime(2080, 1, 1, tzinfo=timezone.utc) + timedelta(days=k)
infos = []
for i in range(n):
    topic = f"v1.1/Datastreams({streams[(k + i) % len(streams)]})/Observations"
    body = {"phenomenonTime": (base + timedelta(seconds=i)).isoformat(), "result": (i % 300) / 10}
    infos.append(c.publish(topic, json.dumps(body), qos=1))
    if i % 100 == 99:
        c.loop(0)
deadline = time.monotonic() + 300
while not all(info.is_published() for info in infos):
    if time.monotonic() > deadline:
        sys.exit("not every observation was acknowledged within 300 s")
    c.loop(0.05)
c.disconnect()
"""


def _setup(size: int, progress):
    from stadtkern.core.services import municipality_create
    from stadtkern.sensors import services, tokens
    from stadtkern.sensors.models import (
        OM,
        Datastream,
        FeatureOfInterest,
        Location,
        ObservedProperty,
        Sensor,
        Thing,
    )

    municipality = municipality_create(
        name="Benchstadt", slug="bench", ags="05999001", kind="stadt", state="05"
    )
    sensor = Sensor.objects.create(
        municipality=municipality, name="S", encoding_type="text/html", metadata="-"
    )
    prop = ObservedProperty.objects.create(municipality=municipality, name="NO2", definition="-")
    location = Location.objects.create(
        municipality=municipality, name="L", location={"type": "Point", "coordinates": [6.6, 51.4]}
    )
    foi = FeatureOfInterest.objects.create(
        municipality=municipality, name="F", feature=location.location, from_location=location
    )
    things = []
    for t in range(DATASTREAMS // 10):
        thing = Thing.objects.create(municipality=municipality, name=f"Station {t}")
        thing.locations.add(location)
        things.append(thing)
    Datastream.objects.bulk_create(
        [Datastream(municipality=municipality, thing=things[i // 10], sensor=sensor, observed_property=prop,
                    name=f"Strom {i}", observation_type=OM + "OM_Measurement",
                    unit_of_measurement={"name": "µg/m³", "symbol": "µg/m³", "definition": "-"})
         for i in range(DATASTREAMS)]
    )  # fmt: skip
    hours = size // DATASTREAMS
    progress.write(
        f"sta bench: generating {hours * DATASTREAMS:,} observations on {connection.vendor} ..."
    )
    started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE sensors_observation SET (autovacuum_enabled = false)")
            cur.execute(
                "INSERT INTO sensors_observation (datastream_id, feature_of_interest_id, phenomenon_time, result_number) "
                "SELECT d.id, %s, TIMESTAMPTZ '2024-01-01 00:00:00+00' + h * INTERVAL '1 hour', "
                "((d.id * 7919 + h * 104729) %% 1000) / 10.0 "
                "FROM sensors_datastream d CROSS JOIN generate_series(0, %s) h ORDER BY d.id, h",
                [foi.pk, hours - 1],
            )
            cur.execute("ALTER TABLE sensors_observation SET (autovacuum_enabled = true)")
            cur.execute("ANALYZE sensors_observation")
        else:
            cur.execute(
                "WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < %s) "
                "INSERT INTO sensors_observation (datastream_id, feature_of_interest_id, phenomenon_time, result_number) "
                "SELECT d.id, %s, strftime('%%Y-%%m-%%d %%H:%%M:%%S', '2024-01-01', '+' || h.n || ' hours'), "
                "((d.id * 7919 + h.n * 104729) %% 1000) / 10.0 "
                "FROM sensors_datastream d CROSS JOIN h ORDER BY d.id, h.n",
                [hours - 1, foi.pk],
            )
            cur.execute("ANALYZE")
    progress.write(
        f"sta bench: generated in {time.perf_counter() - started:.0f} s; summarising datastreams ..."
    )
    with transaction.atomic():
        services.refresh_datastreams(list(Datastream.objects.values_list("pk", flat=True)))
    _token, secret = tokens.token_create(municipality=municipality, name="Bench")
    return municipality, secret, hours


def _get(client, url, **params):
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _raw(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _figure(api_fn, raw_fn, repeat):
    api = summary(timed(api_fn, repeat))
    raw = summary(timed(raw_fn, repeat))
    return {
        "api": api,
        "raw_sql": raw,
        "ratio": round(api["median_ms"] / max(raw["median_ms"], 0.001), 1),
    }


def _reads(client, municipality, hours, repeat, progress) -> dict:
    from stadtkern.sensors.models import Datastream

    figures = {}
    ds = Datastream.objects.order_by("pk")[DATASTREAMS // 2]
    _ids = [
        d for d in Datastream.objects.filter(municipality=municipality).values_list("pk", flat=True)
    ]

    progress.write("sta bench: latest of all datastreams ...")
    body = json.loads(_get(client, "/api/v1/sensors/latest", municipality="bench").content)
    assert len(body["value"]) == DATASTREAMS and all(r["result"] is not None for r in body["value"])
    latest_sql = (
        "SELECT d.id, d.name, d.thing_id, p.name, d.unit_of_measurement, d.latest_id, d.latest_time, "
        "d.latest_result_number, d.latest_result_json "
        "FROM sensors_datastream d JOIN sensors_observedproperty p ON p.id = d.observed_property_id "
        "WHERE d.municipality_id = %s ORDER BY d.id"
    )
    figures["latest_all"] = _figure(
        lambda: _get(client, "/api/v1/sensors/latest", municipality="bench"),
        lambda: _raw(latest_sql, [municipality.pk]), repeat,
    )  # fmt: skip
    # What the latest values cost without the kept pointer: the newest row per datastream.
    if connection.vendor == "postgresql":
        search = ("SELECT d.id, o.phenomenon_time, o.result_number FROM sensors_datastream d CROSS JOIN LATERAL "
                  "(SELECT phenomenon_time, result_number FROM sensors_observation WHERE datastream_id = d.id "
                  "ORDER BY phenomenon_time DESC, id DESC LIMIT 1) o WHERE d.municipality_id = %s")  # fmt: skip
    else:
        search = ("SELECT d.id, (SELECT result_number FROM sensors_observation WHERE datastream_id = d.id "
                  "ORDER BY phenomenon_time DESC, id DESC LIMIT 1) FROM sensors_datastream d WHERE d.municipality_id = %s")  # fmt: skip
    figures["latest_all"]["newest_row_search_sql"] = summary(
        timed(lambda: _raw(search, [municipality.pk]), repeat)
    )
    expand = "/sta/v1.1/Datastreams"
    expand_params = {
        "$top": DATASTREAMS,
        "$select": "id,name",
        "$expand": "Observations($orderby=phenomenonTime desc;$top=1;$select=phenomenonTime,result)",
    }
    # The standard's way (FROST users' way) reads every datastream's rows: timed once.
    once = timed(lambda: _get(client, expand, **expand_params), 1, warm_up=False)
    figures["latest_all_standard_expand"] = {"api": summary(once)}

    progress.write("sta bench: one day of one datastream via $filter ...")
    day = START + timedelta(hours=hours // 2)
    day = day.replace(hour=0)
    t0, t1 = (
        day.isoformat().replace("+00:00", "Z"),
        (day + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
    )
    url = f"/sta/v1.1/Datastreams({ds.pk})/Observations"
    params = {"$filter": f"phenomenonTime ge {t0} and phenomenonTime lt {t1}"}
    body = json.loads(_get(client, url, **params).content)
    assert len(body["value"]) == 24, len(body["value"])
    day_sql = ("SELECT id, phenomenon_time, phenomenon_time_end, result_time, result_number, result_json, result_quality, "
               "valid_time_start, valid_time_end, parameters FROM sensors_observation WHERE datastream_id = %s "
               "AND phenomenon_time >= %s AND phenomenon_time < %s ORDER BY id")  # fmt: skip
    adapt = connection.ops.adapt_datetimefield_value
    figures["one_day_filter"] = _figure(
        lambda: _get(client, url, **params),
        lambda: _raw(day_sql, [ds.pk, adapt(day), adapt(day + timedelta(days=1))]),
        repeat,
    )

    progress.write("sta bench: hourly averages over a year ...")
    agg_url = f"/api/v1/sensors/datastreams/{ds.pk}/aggregate"
    agg_params = {
        "interval": "1h",
        "function": "avg",
        "start": "2024-01-01T00:00:00Z",
        "end": "2025-01-01T00:00:00Z",
    }
    body = json.loads(_get(client, agg_url, **agg_params).content)
    expected = min(hours, 366 * 24)
    assert len(body["buckets"]) == expected, (len(body["buckets"]), expected)
    # The reference is the very SQL the API sends (the database groups and labels the
    # hours), run bare through the driver.
    from stadtkern.sensors.aggregation import _fixed

    year_end = datetime(2025, 1, 1, tzinfo=UTC)
    figures["hourly_avg_year"] = _figure(
        lambda: _get(client, agg_url, **agg_params),
        lambda: _fixed(ds.pk, "1h", "avg", START, year_end),
        repeat,
    )

    progress.write("sta bench: $count ...")
    count_url = "/sta/v1.1/Observations"
    body = json.loads(_get(client, count_url, **{"$count": "true", "$top": 1}).content)
    assert body["@iot.count"] == hours * DATASTREAMS, body["@iot.count"]
    few = max(3, repeat // 5)
    figures["count_all"] = _figure(
        lambda: _get(client, count_url, **{"$count": "true", "$top": 1}),
        lambda: _raw("SELECT COUNT(*) FROM sensors_observation", []), few,
    )  # fmt: skip
    one_url = f"/sta/v1.1/Datastreams({ds.pk})/Observations"
    figures["count_one_datastream"] = _figure(
        lambda: _get(client, one_url, **{"$count": "true", "$top": 1}),
        lambda: _raw("SELECT COUNT(*) FROM sensors_observation WHERE datastream_id = %s", [ds.pk]), repeat,
    )  # fmt: skip
    return figures


def _minutely(client, repeat, progress) -> dict:
    """A footfall counter that reports every minute: ten days of it beside the hourly
    streams. One day in one page (1,440 rows, ``$top=2000``) and the newest 100, each
    against the raw SQL that returns the same rows; the p95 of the day is the tail."""
    from stadtkern.sensors import services
    from stadtkern.sensors.models import Datastream, Observation

    progress.write("sta bench: a stream of one observation a minute ...")
    model = Datastream.objects.order_by("pk").first()
    ds = Datastream.objects.create(
        municipality_id=model.municipality_id, thing_id=model.thing_id, sensor_id=model.sensor_id,
        observed_property_id=model.observed_property_id, name="Passanten je Minute", description="-",
        unit_of_measurement={"name": "Personen", "symbol": "P", "definition": "-"},
    )  # fmt: skip
    foi = (
        Observation.objects.filter(datastream=model)
        .values_list("feature_of_interest_id", flat=True)
        .first()
    )
    first = START + timedelta(days=30)
    rows = [(ds.pk, foi, first + timedelta(minutes=i), None, None, float(i % 97), None, None, None, None, None)
            for i in range(10 * 1440)]  # fmt: skip
    with transaction.atomic():
        services.insert_observations(rows)
        services.refresh_datastreams([ds.pk])
    adapt = connection.ops.adapt_datetimefield_value
    day = first + timedelta(days=5)
    t0, t1 = (d.isoformat().replace("+00:00", "Z") for d in (day, day + timedelta(days=1)))
    url = f"/sta/v1.1/Datastreams({ds.pk})/Observations"
    params = {"$filter": f"phenomenonTime ge {t0} and phenomenonTime lt {t1}", "$top": "2000"}
    assert len(json.loads(_get(client, url, **params).content)["value"]) == 1440
    columns = ("id, phenomenon_time, phenomenon_time_end, result_time, result_number, result_json, result_quality, "
               "valid_time_start, valid_time_end, parameters")  # fmt: skip
    day_sql = (f"SELECT {columns} FROM sensors_observation WHERE datastream_id = %s AND phenomenon_time >= %s "  # noqa: S608
               "AND phenomenon_time < %s ORDER BY phenomenon_time, id")  # fmt: skip
    newest = {"$top": "100", "$orderby": "phenomenonTime desc"}
    assert len(json.loads(_get(client, url, **newest).content)["value"]) == 100
    newest_sql = (f"SELECT {columns} FROM sensors_observation WHERE datastream_id = %s "  # noqa: S608
                  "ORDER BY phenomenon_time DESC, id DESC LIMIT 100")  # fmt: skip
    runs = max(repeat, 100)
    return {
        "one_day_1440_rows": _figure(lambda: _get(client, url, **params),
                                     lambda: _raw(day_sql, [ds.pk, adapt(day), adapt(day + timedelta(days=1))]), runs),
        "newest_100": _figure(lambda: _get(client, url, **newest), lambda: _raw(newest_sql, [ds.pk]), runs),
        "istsos4_medians_ms": {"one_day_1440_rows": 27.5, "newest_100": 8.7},
    }  # fmt: skip


def _post_one(client, secret, repeat, progress) -> dict:
    """A sensor's POST of one Observation after another (no Feature given: the Thing's
    location is it): median, p95 and the SQL statements of one request."""
    from stadtkern.core.querycount import count_queries
    from stadtkern.sensors.models import Datastream

    progress.write("sta bench: POST of one Observation, one after another ...")
    ds = Datastream.objects.order_by("pk").values_list("pk", flat=True).first()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    moments = iter(START + timedelta(days=20000, seconds=n) for n in range(10**6))

    def post():
        body = json.dumps(
            {"phenomenonTime": next(moments).isoformat().replace("+00:00", "Z"), "result": 21.5}
        )
        response = client.post(f"/sta/v1.1/Datastreams({ds})/Observations", body,
                               content_type="application/json", **auth)  # fmt: skip
        if response.status_code != 201:
            raise RuntimeError(response.content[:300])

    for _ in range(20):
        post()  # warm: the token's last use is written once, caches filled
    with count_queries() as counted:
        post()
    return {**summary(timed(post, max(200, repeat * 10))), "statements": counted.count,
            "target_median_ms": 4}  # fmt: skip


def _ingest(client, secret, repeat, progress) -> dict:
    from stadtkern.sensors import services
    from stadtkern.sensors.models import Datastream, Observation

    progress.write(f"sta bench: CreateObservations of {INGEST_ROWS:,} observations ...")
    streams = list(Datastream.objects.order_by("pk").values_list("pk", flat=True)[:10])
    per = INGEST_ROWS // len(streams)
    runs = max(3, repeat // 10)
    offsets = iter(range(1, 1000))

    def body():
        base = START + timedelta(days=3000 + 30 * next(offsets))
        return json.dumps([
            {"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"],
             "dataArray": [[(base + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"), (i % 500) / 10] for i in range(per)]}
            for ds in streams
        ])  # fmt: skip

    bodies = [body() for _ in range(runs + 1)]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def post(b):
        response = client.post(
            "/sta/v1.1/CreateObservations", b, content_type="application/json", **auth
        )
        if response.status_code != 201:
            raise RuntimeError(response.content[:300])

    before = Observation.objects.count()
    pending = iter(bodies)
    samples = timed(lambda: post(next(pending)), runs)
    assert Observation.objects.count() == before + INGEST_ROWS * (runs + 1)
    foi = Observation.objects.values_list("feature_of_interest_id", flat=True).first()

    rounds = iter(range(runs + 1))

    def reference():
        k = next(rounds)
        base = START + timedelta(days=9000 + 30 * k)
        rows = [(ds, foi, base + timedelta(minutes=i), None, None, (i % 500) / 10, None, None, None, None, None)
                for ds in streams for i in range(per)]  # fmt: skip
        with transaction.atomic():
            services.insert_observations(rows)

    ref = timed(reference, runs)
    api, raw = summary(samples), summary(ref)
    return {
        "observations_per_request": INGEST_ROWS,
        "api": api,
        "observations_per_second": round(INGEST_ROWS / (api["median_ms"] / 1000)),
        "bulk_write_reference": raw,
        "reference": "COPY with reserved ids"
        if connection.vendor == "postgresql"
        else "executemany",
        "ratio": round(api["median_ms"] / max(raw["median_ms"], 0.001), 2),
    }


def _children_cpu() -> float:
    """CPU seconds of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _mqtt(progress) -> dict:
    from stadtkern.sensors.models import Datastream, Observation
    from stadtkern.sensors.mqtt import Worker

    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(exe).exists():
        return {"error": "Mosquitto is not installed (make system-deps installs it)."}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.TemporaryDirectory(prefix="stadtkern-mqtt-")
    conf = Path(tmp.name) / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n"
    )
    broker = subprocess.Popen(  # noqa: S603
        [exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(0.5)
        streams = list(Datastream.objects.order_by("pk").values_list("pk", flat=True)[:100])
        worker = Worker(
            f"mqtt://127.0.0.1:{port}", client_id="stadtkern-bench", storage_process=True
        )
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        if not worker.connected.wait(10):
            return {"error": "the worker did not connect"}
        time.sleep(0.3)
        before = Observation.objects.count()
        progress.write(
            f"sta bench: {SENSORS} sensors publish {MQTT_MESSAGES:,} observations over MQTT ..."
        )
        # The sensors are other processes, as they would be: they share no interpreter
        # with the worker.
        per = MQTT_MESSAGES // SENSORS
        procs = []
        cpu_before, children_before = time.process_time(), _children_cpu()
        started = time.perf_counter()
        for k in range(SENSORS):
            procs.append(subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", PUBLISHER, str(port), str(k), str(per), json.dumps(streams)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            ))  # fmt: skip
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            if proc.returncode:
                raise RuntimeError(f"a sensor failed: {err.decode()[-500:]}")
        published = time.perf_counter() - started
        sensors_cpu = _children_cpu() - children_before  # the sensors have been waited for
        deadline = time.monotonic() + 300
        while worker.stats.stored < MQTT_MESSAGES and time.monotonic() < deadline:
            time.sleep(0.02)
        stored_at = time.perf_counter() - started
        stop.set()
        thread.join(30)
        worker_cpu = time.process_time() - cpu_before
        storage_cpu = _children_cpu() - children_before - sensors_cpu  # joined when it stopped
        stored = Observation.objects.count() - before
        seconds = stored_at
        return {
            "published": MQTT_MESSAGES,
            "stored": stored,
            "refused": worker.stats.refused,
            "all_stored": stored == MQTT_MESSAGES,
            "seconds_to_publish": round(published, 2),
            "seconds_until_stored": round(seconds, 2),
            "observations_per_second": round(stored / seconds),
            "worker": worker.stats.as_dict(),
            # Where the two cores went: the sensors run on the same machine here, and
            # the worker's own cost says what it could take with them elsewhere.
            "cpu_seconds": {
                "sensors": round(sensors_cpu, 2),
                "worker_receiving": round(worker_cpu, 2),
                "worker_storing": round(storage_cpu, 2),
            },
            "worker_cpu_microseconds_per_observation": round(
                (worker_cpu + storage_cpu) / max(stored, 1) * 1e6, 1
            ),
        }
    finally:
        broker.terminate()
        broker.wait(10)
        tmp.cleanup()


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    client = Client()
    results = []
    with scratch_database():
        for size in sizes:
            municipality, secret, hours = _setup(size, progress)
            figures = {"observations": hours * DATASTREAMS, "datastreams": DATASTREAMS}
            figures.update(_reads(client, municipality, hours, repeat, progress))
            figures.update(_minutely(client, repeat, progress))
            figures["post_one_observation"] = _post_one(client, secret, repeat, progress)
            figures["create_observations"] = _ingest(client, secret, repeat, progress)
            mqtt = _mqtt(progress)
            ref = figures["create_observations"]["bulk_write_reference"]["median_ms"]
            if "observations_per_second" in mqtt:
                mqtt["ratio_to_bulk_write"] = round(
                    (MQTT_MESSAGES / mqtt["observations_per_second"] * 1000)
                    / (ref * MQTT_MESSAGES / INGEST_ROWS),
                    1,
                )
            figures["mqtt"] = mqtt
            results.append(figures)
    return {
        "benchmark": "sta",
        "database": connection.vendor,
        "repeat": repeat,
        "targets": (
            "latest of 1,000 datastreams: median under 50 ms (PostgreSQL); one day via $filter: median under 20 ms; "
            "hourly averages of a year: under 100 ms; CreateObservations: at least 50,000/s; MQTT: at least "
            "5,000/s sustained with every observation stored"
        ),  # fmt: skip
        "results": results,
    }
