"""The MQTT worker's storage step without a broker: a database failure loses nothing
(the messages wait, unacknowledged, and are stored on the next attempt); refused
messages are acknowledged and counted."""

import json

import pytest
from django.db import OperationalError

from stadtkern.sensors import models, services
from stadtkern.sensors.mqtt import Worker
from stadtkern.sensors.mqttwire import Message

pytestmark = pytest.mark.django_db


class FakeClient:
    def __init__(self):
        self.acked, self.published = [], []
        self.connections = 1

    def ack(self, message):
        self.acked.append(message.mid)

    def publish(self, topic, payload, qos=0):
        self.published.append((topic, json.loads(payload)))

    def flush(self):
        pass


def message(mid, ds, body, connection=1):
    return raw(mid, ds, json.dumps(body).encode(), connection)


def raw(mid, ds, payload: bytes, connection=1):
    return Message(mid, 1, f"v1.1/Datastreams({ds})/Observations", payload, connection)


def test_a_database_failure_keeps_the_messages_until_they_are_stored(station, monkeypatch):
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real = services.ingest

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "ingest", broken)
    monkeypatch.setattr("stadtkern.sensors.mqtt.time.sleep", lambda s: None)
    batch = [
        message(1, ds, {"result": 1}),
        message(2, ds, {"result": "x"}),
        message(3, ds, {"result": 3}),
    ]
    worker.handle(batch)
    assert worker.client.acked == []
    assert sorted(worker.waiting) == [(1, 1), (1, 2), (1, 3)]
    assert models.Observation.objects.count() == 0
    monkeypatch.setattr(services, "ingest", real)
    worker.handle(list(worker.waiting.values()))
    assert sorted(worker.client.acked) == [1, 2, 3]
    assert worker.waiting == {}
    assert sorted(models.Observation.objects.values_list("result_number", flat=True)) == [1.0, 3.0]
    assert worker.stats.received == 3 and worker.stats.stored == 2 and worker.stats.refused == 1
    topics = {t for t, _b in worker.client.published}
    assert f"v1.1/Datastreams({ds})/Observations" in topics and "v1.1/Observations" in topics


def test_announcements_carry_the_stored_entity(station):
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    worker.handle([message(7, ds, {"result": 2.5, "phenomenonTime": "2024-02-01T10:00:00+01:00"})])
    obs = models.Observation.objects.get()
    bodies = [b for t, b in worker.client.published if t == "v1.1/Observations"]
    assert bodies == [{
        "@iot.id": obs.pk, "@iot.selfLink": f"/sta/v1.1/Observations({obs.pk})", "phenomenonTime": "2024-02-01T09:00:00Z",
        "resultTime": None, "result": 2.5, "resultQuality": None, "validTime": None, "parameters": None,
        "Datastream@iot.navigationLink": f"/sta/v1.1/Observations({obs.pk})/Datastream",
        "FeatureOfInterest@iot.navigationLink": f"/sta/v1.1/Observations({obs.pk})/FeatureOfInterest",
    }]  # fmt: skip
    assert models.Datastream.objects.get(pk=ds).latest_id == obs.pk


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"result":' + b"[" * 30_000 + b"]" * 30_000 + b"}", "nested too deeply"),
        (b'{"result": ' + b"9" * 401 + b"}", "cannot be stored"),
        (b'{"result": 1, "phenomenonTime": "9999-12-31T23:59:59-14:00"}', ""),
        (b'{"result": "' + b"x" * (5 * 2**20) + b'"}', "larger than"),
        (b"\xff\xfe nicht JSON", "not JSON"),
        # no database column takes these; the reason quoting them must be written too
        (b'{"result": "\\ud800"}', "unpaired surrogate"),
        (b'{"result": 1, "parameters": {"t": "a\xed\xa0\x80"}}', "can't decode byte 0xed"),
        ('{"result": "\ud800"}'.encode("utf-16-le", "surrogatepass"), "can't decode"),
        (b'{"result": 1, "parameters": {"x": 1e400}}', "1e400 is too large"),
        (b'{"result": 1, "phenomenonTime": "9999-12-31T23:59:59Z"}', "outside the years"),
        (b'{"result": 1, "parameters": {"x": NaN}}', "NaN is not JSON"),
        (b'{"result": 1, "resultQuality": -Infinity}', "Infinity is not JSON"),
    ],
)
def test_a_message_that_cannot_be_stored_becomes_a_dead_letter_at_once(station, payload, reason):
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    batch = [message(1, ds, {"result": 1}), raw(2, ds, payload), message(3, ds, {"result": 3})]
    worker.handle(batch)
    # Everything acknowledged, nothing waits to be tried again; the valid ones are stored.
    assert sorted(worker.client.acked) == [1, 2, 3] and worker.waiting == {}
    assert sorted(models.Observation.objects.values_list("result_number", flat=True)) == [1, 3]
    letter = models.DeadLetter.objects.get()
    assert reason in letter.reason and letter.size == len(payload)
    assert len(bytes(letter.payload)) == min(len(payload), models.DeadLetter.KEEP)


def test_a_message_the_database_keeps_refusing_becomes_a_dead_letter(station, monkeypatch):
    """Refused again and again while the others of its batches are stored: the message's
    fault, not the database's."""
    from stadtkern.sensors import mqtt

    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real = services.ingest

    def refuses_one(items, *args, **kwargs):
        if any(body.get("result") == "gift" for _ds, body in items):
            raise OperationalError("database is locked")
        return real(items, *args, **kwargs)

    monkeypatch.setattr(services, "ingest", refuses_one)
    monkeypatch.setattr("stadtkern.sensors.mqtt.time.sleep", lambda s: None)
    poison = message(1, ds, {"result": "gift"})
    for n in range(mqtt.ATTEMPTS):
        worker.handle([poison, message(100 + n, ds, {"result": n})])
    assert sorted(worker.client.acked) == [1] + [100 + n for n in range(mqtt.ATTEMPTS)]
    assert worker.waiting == {}
    assert f"{mqtt.ATTEMPTS} attempts" in models.DeadLetter.objects.get().reason
    assert models.Observation.objects.count() == mqtt.ATTEMPTS


def test_while_the_database_stores_nothing_every_message_waits(station, monkeypatch):
    """A database away or locked for long makes no dead letters of good messages."""
    from stadtkern.sensors import mqtt

    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real = services.ingest

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "ingest", broken)
    monkeypatch.setattr("stadtkern.sensors.mqtt.time.sleep", lambda s: None)
    for _ in range(3 * mqtt.ATTEMPTS):
        worker.handle([message(1, ds, {"result": 1}), message(2, ds, {"result": 2})])
    assert worker.client.acked == [] and not models.DeadLetter.objects.exists()
    monkeypatch.setattr(services, "ingest", real)
    worker.handle(list(worker.waiting.values()))
    assert sorted(worker.client.acked) == [1, 2] and models.Observation.objects.count() == 2


def test_what_waits_from_an_earlier_connection_is_left_to_the_broker(station, monkeypatch):
    """Packet identifiers are reused on the next connection: a message that waited
    from the last one must neither be acknowledged under its old number (that would
    acknowledge another message, lost unstored) nor be overwritten by the new one
    under the same number. The broker delivers the old one again."""
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real = services.ingest

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "ingest", broken)
    monkeypatch.setattr("stadtkern.sensors.mqtt.time.sleep", lambda s: None)
    worker.handle([message(1, ds, {"result": 1}), message(2, ds, {"result": 2})])
    worker.client.connections = 2  # the connection was lost and made again
    monkeypatch.setattr(services, "ingest", real)
    worker.handle([message(1, ds, {"result": 10}, connection=2)])
    assert sorted(worker.waiting) == [(1, 1), (1, 2)]  # not overwritten by the new 1
    worker._forget_earlier_connections()
    assert worker.waiting == {} and worker.attempts == {}
    assert worker.client.acked == [1]  # the new message 1 only
    assert list(models.Observation.objects.values_list("result_number", flat=True)) == [10.0]


@pytest.mark.django_db(transaction=True)
def test_while_another_client_holds_the_database_nothing_becomes_a_dead_letter(
    station, monkeypatch
):
    """The same with a real lock: another client holds SQLite's write lock, or the
    datastream's row on PostgreSQL, through many rounds. (A feature made in a round that
    was rolled back stayed in the worker's cache, and the messages citing it became dead
    letters once the lock was gone.)"""
    import sqlite3

    import psycopg
    from django.db import connection

    from stadtkern.sensors import mqtt

    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    monkeypatch.setattr("stadtkern.sensors.mqtt.time.sleep", lambda s: None)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        wait = "PRAGMA busy_timeout = 50"
        monkeypatch.setitem(db["OPTIONS"], "timeout", 0.05)  # also after a reconnect
    else:
        other = psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"],
        )  # fmt: skip
        other.execute("SELECT id FROM sensors_datastream WHERE id = %s FOR UPDATE", [ds])
        wait = "SET lock_timeout = '50ms'"
        # also after a reconnect (the worker drops a connection older than CONN_MAX_AGE):
        # else each round waits the configured 20 s
        options = f"{db['OPTIONS'].get('options', '')} -c lock_timeout=50"
        monkeypatch.setitem(db["OPTIONS"], "options", options)
    try:
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute(wait)
        for _ in range(2 * mqtt.ATTEMPTS):
            worker.handle([message(1, ds, {"result": 1}), message(2, ds, {"result": 2})])
        assert worker.client.acked == [] and len(worker.waiting) == 2
    finally:
        other.rollback() if connection.vendor != "sqlite" else other.execute("ROLLBACK")
        other.close()
        connection.close()
    assert not models.DeadLetter.objects.exists()
    worker.handle(list(worker.waiting.values()))
    assert sorted(worker.client.acked) == [1, 2] and models.Observation.objects.count() == 2


def test_a_reason_that_quotes_an_unwritable_text_is_written_and_nothing_stored_twice(station):
    """A value refused with its text quoted ("\\ud800 is not a number") made writing
    the dead letter fail after the batch's commit: the batch was stored again every
    two seconds, for ever, or the worker ended."""
    from stadtkern.sensors import mqtt

    ds = station["datastreams"][0]
    outcome = mqtt.Store()([(f"v1.1/Datastreams({ds})/Observations", b'{"result": 5}')])
    assert outcome.stored == 1
    mqtt.record_dead_letters([("v1.1/x", b"{}")], [(0, "text \ud800 is not one")])
    assert models.DeadLetter.objects.get().reason == "text \\ud800 is not one"


def test_an_unforeseen_error_fails_its_message_counted_and_never_its_neighbours(
    station, monkeypatch
):
    from stadtkern.sensors import mqtt

    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real = mqtt.Store.__call__

    def crashes_on_gift(store, items):
        if any(b"gift" in payload for _topic, payload in items):
            raise KeyError("a mistake of ours")
        return real(store, items)

    monkeypatch.setattr(mqtt.Store, "__call__", crashes_on_gift)
    poison = message(1, ds, {"result": "gift"})
    for n in range(mqtt.ATTEMPTS):
        worker.handle([poison, message(100 + n, ds, {"result": n})])
    # Its neighbours are stored at once; it is tried ATTEMPTS times, then a dead letter.
    assert sorted(worker.client.acked) == [1] + [100 + n for n in range(mqtt.ATTEMPTS)]
    assert worker.waiting == {} and models.Observation.objects.count() == mqtt.ATTEMPTS
    assert f"{mqtt.ATTEMPTS} attempts" in models.DeadLetter.objects.get().reason


def test_a_reason_quoting_a_nul_is_written(station):
    """PostgreSQL's text takes no NUL: the dead letter failed, and the message waited."""
    from stadtkern.sensors import mqtt

    assert mqtt.record_dead_letters([("v1.1/x", b"{}")], [(0, "time '\x00' is not one")])
    assert models.DeadLetter.objects.get().reason == "time '\\x00' is not one"


def test_a_message_writes_into_its_own_datastream_only(station):
    """The broker let its sender publish on this topic and no other: what the message
    links or creates besides is a FeatureOfInterest (a nested observation of another
    datastream was stored, and a nested Datastream and Thing were created)."""
    ds, other = station["datastreams"]
    things = models.Thing.objects.count()
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    nested = {"name": "Ort", "description": "x", "encodingType": "application/geo+json",
              "feature": {"type": "Point", "coordinates": [6, 51]},
              "Observations": [{"result": 666, "Datastream": {"@iot.id": other}}]}  # fmt: skip
    new_stream = {"name": "neu", "description": "x", "unitOfMeasurement": {},
                  "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                  "Thing": {"name": "neu", "description": "x"},
                  "Sensor": {"name": "s", "description": "x", "encodingType": "text/html", "metadata": "x"},
                  "ObservedProperty": {"name": "p", "definition": "x", "description": "x"}}  # fmt: skip
    worker.handle([
        message(1, ds, {"result": 1, "FeatureOfInterest": nested}),
        message(2, ds, {"result": 2, "Datastream": new_stream}),
        message(3, ds, {"result": 3}),
    ])  # fmt: skip
    assert sorted(worker.client.acked) == [1, 2, 3]
    assert list(models.Observation.objects.values_list("result_number", flat=True)) == [3]
    assert models.Thing.objects.count() == things
    # Refused, the first left nothing behind: no feature of its own.
    assert not models.FeatureOfInterest.objects.filter(name="Ort").exists()
    assert models.DeadLetter.objects.count() == 2


def test_one_bad_message_costs_a_few_transactions_not_one_per_message(station, monkeypatch):
    """The database refuses one message of 2,000: the batch is stored in halves."""
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    real, calls = services.ingest, []

    def refuses_one(items, *args, **kwargs):
        calls.append(len(items))
        if any(body.get("result") == 1234 for _ds, body in items):
            raise ValueError("out of range for the database")
        return real(items, *args, **kwargs)

    monkeypatch.setattr(services, "ingest", refuses_one)
    worker.handle([message(i, ds, {"result": i}) for i in range(1, 2001)])
    assert len(worker.client.acked) == 2000 and worker.waiting == {}
    assert models.Observation.objects.count() == 1999
    assert "the database refused it" in models.DeadLetter.objects.get().reason
    assert len(calls) <= 2 * 12  # two per halving, 11 halvings


def test_a_feature_deleted_meanwhile_is_looked_up_again(station, sta):
    """The worker remembers a datastream's feature; deleted over HTTP, the next messages
    get a new one instead of becoming dead letters."""
    ds = station["datastreams"][0]
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    worker.handle([message(1, ds, {"result": 1})])
    foi = models.Observation.objects.get().feature_of_interest_id
    assert sta.delete(f"FeaturesOfInterest({foi})").status_code in (200, 204)
    worker.handle([message(i, ds, {"result": i}) for i in range(2, 12)])
    assert models.DeadLetter.objects.count() == 0
    assert models.Observation.objects.count() == 10  # the first went with its feature
    assert sorted(worker.client.acked) == list(range(1, 12))


def test_a_feature_one_municipality_may_cite_is_not_anothers_by_memory(
    client, alpha_token, beta_token
):
    """Its link checked for one municipality's message, the feature was remembered for
    every municipality's."""
    from .conftest import StaClient, thing_body

    def station_of(secret, name):
        sta = StaClient(client, secret)
        thing = sta.post("Things", thing_body(name=name)).json()["@iot.id"]
        streams = sta.get(f"Things({thing})/Datastreams", **{"$orderby": "id"}).json()
        return sta, streams["value"][0]["@iot.id"]

    alpha_sta, ds_a = station_of(alpha_token, "A")
    _beta_sta, ds_b = station_of(beta_token, "B")
    foi = alpha_sta.post("FeaturesOfInterest", {
        "name": "Messpunkt", "description": "x", "encodingType": "application/geo+json",
        "feature": {"type": "Point", "coordinates": [6, 51]}}).json()["@iot.id"]  # fmt: skip
    worker = Worker("mqtt://127.0.0.1:1")
    worker.client = FakeClient()
    cite = {"FeatureOfInterest": {"@iot.id": foi}}
    worker.handle([message(1, ds_a, {"result": 1, **cite})])
    worker.handle([message(2, ds_b, {"result": 2, **cite})])
    assert models.Observation.objects.filter(datastream_id=ds_b).count() == 0
    assert "does not exist" in models.DeadLetter.objects.get().reason
