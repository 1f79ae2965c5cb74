"""SensorThings over MQTT through a real Mosquitto broker, with paho-mqtt as the
sensors' and subscribers' client: publishing creates Observations, subscribers receive
new entities, invalid messages never cost a valid one, the worker reconnects and
nothing published while it is away is lost."""

import contextlib
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from django.db import OperationalError
from django.test import Client

from stadtkern.sensors import models, mqtt, tokens
from stadtkern.sensors.mqtt import Worker

from .conftest import free_port
from .things import post_station

pytestmark = pytest.mark.django_db(transaction=True)


class Broker:
    """A Mosquitto process on a free port, restartable on the same port."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.conf = tmp_path / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = None
        self.url = f"mqtt://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            [self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Mosquitto did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(params=[False, True], ids=["one-process", "storage-process"])
def storage_process(request):
    """The worker stores in its own process (as in a test) or in a storage process (as
    `stadtkern mqtt` does)."""
    return request.param


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


class Running:
    def __init__(self, url, storage_process=False):
        self.worker = Worker(
            url, client_id=f"stadtkern-test-{free_port()}", storage_process=storage_process
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.worker.connected.wait(10), "the worker did not connect"
        time.sleep(0.2)  # the subscription is acknowledged
        return self.worker

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)


def client(port, client_id=None) -> paho.Client:
    c = paho.Client(
        paho.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"t{free_port()}",
        protocol=paho.MQTTv5,
    )
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:  # SQLite's shared in-memory test database: the worker writes
            pass
        time.sleep(0.05)
    return False


@pytest.fixture
def sta(alpha, settings, broker):
    settings.MQTT_URL = broker.url
    _token, secret = tokens.token_create(municipality=alpha, name="Test")
    http = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    post_station(http)
    ds = models.Datastream.objects.get()
    models.Notice.objects.all().delete()
    return {"http": http, "ds": ds.pk}


def test_a_published_observation_is_stored(broker, sta, storage_process):
    with Running(broker.url, storage_process):
        sensor = client(broker.port)
        topic = f"v1.1/Datastreams({sta['ds']})/Observations"
        sensor.publish(
            topic, json.dumps({"result": 42, "phenomenonTime": "2024-05-01T10:00:00Z"}), qos=1
        ).wait_for_publish(5)
        assert wait_for(lambda: models.Observation.objects.count() == 1)
        sensor.loop_stop()
    obs = models.Observation.objects.get()
    assert obs.result == 42 and obs.datastream_id == sta["ds"]
    assert models.Datastream.objects.get(pk=sta["ds"]).latest_id == obs.pk


def test_a_storage_process_that_dies_is_replaced_and_nothing_is_lost(broker, sta):
    topic = f"v1.1/Datastreams({sta['ds']})/Observations"
    with Running(broker.url, storage_process=True) as worker:
        first = worker._storage.proc
        first.kill()
        first.join(5)
        sensor = client(broker.port)
        for i in range(3):
            sensor.publish(topic, json.dumps({"result": i}), qos=1)
        assert wait_for(lambda: models.Observation.objects.count() == 3, seconds=30)
        sensor.loop_stop()
        assert worker._storage.proc is not first and worker._storage.proc.is_alive()
    assert sorted(models.Observation.objects.values_list("result_number", flat=True)) == [0, 1, 2]
    assert worker.stats.stored == 3 and worker.waiting == {}


def test_a_storage_process_that_hangs_is_replaced_and_nothing_is_lost(broker, sta, monkeypatch):
    """A storage process that answers no more (here: stopped by SIGSTOP, as one waiting
    forever on a lock would be) is ended after STORE_TIMEOUT and its batch stored by the
    next one; the worker does not wait for it forever."""
    monkeypatch.setattr(mqtt, "STORE_TIMEOUT", 2.0)
    topic = f"v1.1/Datastreams({sta['ds']})/Observations"
    with Running(broker.url, storage_process=True) as worker:
        first = worker._storage.proc
        os.kill(first.pid, signal.SIGSTOP)
        sensor = client(broker.port)
        for i in range(3):
            sensor.publish(topic, json.dumps({"result": i}), qos=1)
        assert wait_for(lambda: models.Observation.objects.count() == 3, seconds=30)
        sensor.loop_stop()
        assert not first.is_alive()
        assert worker._storage.proc is not first and worker._storage.proc.is_alive()
    assert sorted(models.Observation.objects.values_list("result_number", flat=True)) == [0, 1, 2]
    assert worker.stats.stored == 3 and worker.waiting == {}


def test_invalid_messages_are_counted_and_never_cost_a_valid_one(broker, sta, storage_process):
    ds = sta["ds"]
    messages = []
    for i in range(300):
        messages.append((f"v1.1/Datastreams({ds})/Observations", json.dumps({"result": i})))
        if i % 3 == 0:
            messages.append((f"v1.1/Datastreams({ds})/Observations", "{kaputt"))
        if i % 5 == 0:
            messages.append(
                (f"v1.1/Datastreams({ds})/Observations", json.dumps({"result": "viele"}))
            )
        if i % 7 == 0:
            messages.append(("v1.1/Datastreams(987654321)/Observations", json.dumps({"result": 1})))
    refused = len(messages) - 300
    with Running(broker.url, storage_process) as worker:
        sensor = client(broker.port)
        for topic, payload in messages:
            sensor.publish(topic, payload, qos=1)
        assert wait_for(lambda: worker.stats.received == len(messages))
        sensor.loop_stop()
    assert models.Observation.objects.count() == 300
    assert sorted(models.Observation.objects.values_list("result_number", flat=True)) == [
        float(i) for i in range(300)
    ]
    assert worker.stats.refused == refused
    assert any("takes OM_CountObservation" in r for r in worker.stats.reasons)


def test_subscribers_receive_new_entities_from_mqtt_and_http(broker, sta, storage_process):
    ds = sta["ds"]
    received = []
    listener = client(broker.port)
    listener.on_message = lambda c, u, m: received.append((m.topic, json.loads(m.payload)))
    listener.subscribe([(f"v1.1/Datastreams({ds})/Observations", 0), ("v1.1/Things", 0)])
    time.sleep(0.3)
    with Running(broker.url, storage_process):
        sensor = client(broker.port)
        sensor.publish(f"v1.1/Datastreams({ds})/Observations", json.dumps({"result": 7}), qos=1)
        response = sta["http"].post(
            f"/sta/v1.1/Datastreams({ds})/Observations",
            {"result": 8},
            content_type="application/json",
        )
        assert response.status_code == 201
        response = sta["http"].post(
            "/sta/v1.1/Things", {"name": "Neu", "description": "-"}, content_type="application/json"
        )
        # A bulk write is one notice in the outbox and one message per observation.
        response = sta["http"].post(
            "/sta/v1.1/CreateObservations",
            [{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"],
              "dataArray": [["2025-05-01T10:00:00Z", 9], ["2025-05-01T10:15:00Z", 10]]}],
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 201
        assert wait_for(lambda: len([b for _t, b in received if "@iot.id" in b]) >= 5)
        sensor.loop_stop()
    listener.loop_stop()
    announced = [(t, b) for t, b in received if "@iot.id" in b]
    assert sorted(b["result"] for t, b in announced if t.endswith("/Observations")) == [
        7,
        8,
        9,
        10,
    ]
    assert [b["name"] for t, b in announced if t == "v1.1/Things"] == ["Neu"]
    assert models.Notice.objects.count() == 0  # the outbox is drained


def test_the_worker_reconnects_after_the_broker_restarts(broker, sta):
    with Running(broker.url) as worker:
        broker.stop()
        assert wait_for(lambda: not worker.connected.is_set())
        broker.start()
        assert wait_for(lambda: worker.connected.is_set(), 40)
        time.sleep(0.3)
        sensor = client(broker.port)
        sensor.publish(
            f"v1.1/Datastreams({sta['ds']})/Observations", json.dumps({"result": 5}), qos=1
        ).wait_for_publish(5)
        assert wait_for(lambda: models.Observation.objects.count() == 1)
        sensor.loop_stop()


def test_messages_published_while_the_worker_is_away_are_stored_later(broker, sta):
    worker_id = f"stadtkern-test-{free_port()}"
    first = Worker(broker.url, client_id=worker_id)
    stop = threading.Event()
    thread = threading.Thread(target=first.run, args=(stop,), daemon=True)
    thread.start()
    assert first.connected.wait(10)
    time.sleep(0.3)
    stop.set()
    thread.join(10)
    sensor = client(broker.port)
    for i in range(20):
        sensor.publish(
            f"v1.1/Datastreams({sta['ds']})/Observations", json.dumps({"result": i}), qos=1
        ).wait_for_publish(5)
    sensor.loop_stop()
    assert models.Observation.objects.count() == 0
    second = Worker(broker.url, client_id=worker_id)
    stop = threading.Event()
    thread = threading.Thread(target=second.run, args=(stop,), daemon=True)
    thread.start()
    assert wait_for(lambda: models.Observation.objects.count() == 20)
    stop.set()
    thread.join(10)


@pytest.fixture
def guarded(tmp_path, sta, beta):
    """A broker that checks logins and topics with the files the worker writes."""
    from stadtkern.sensors import broker as access

    b = Broker(tmp_path)
    files = {
        "password_file": str(tmp_path / "passwd"),
        "acl_file": str(tmp_path / "acl"),
        "pid_file": str(tmp_path / "pid"),
    }
    access.write_files(files["password_file"], files["acl_file"], "bridge", "bridge-secret")
    b.conf.write_text(
        f"listener {b.port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser {getpass.getuser()}\n"
        f"password_file {files['password_file']}\nacl_file {files['acl_file']}\n"
    )
    b.start()
    (tmp_path / "pid").write_text(str(b.proc.pid))
    yield b, files
    b.stop()


def login(port, user, password):
    c = paho.Client(
        paho.CallbackAPIVersion.VERSION2, client_id=f"t{free_port()}", protocol=paho.MQTTv5
    )
    c.username_pw_set(user, password)
    result = {}
    c.on_connect = lambda cl, u, f, reason, p: result.setdefault("reason", reason)
    c.connect("127.0.0.1", port)
    c.loop_start()
    assert wait_for(lambda: "reason" in result, 5)
    return c, result["reason"]


def test_the_broker_checks_tokens_and_topics(guarded, sta, alpha, beta):
    b, files = guarded
    ds = sta["ds"]
    beta_token, beta_secret = tokens.token_create(municipality=beta, name="Beta")
    worker = Worker(b.url, "bridge", "bridge-secret", client_id=f"w{free_port()}", access=files)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert worker.connected.wait(10)
        alpha_token, alpha_secret = tokens.token_create(municipality=alpha, name="Alpha sensor")
        assert wait_for(lambda: alpha_token.prefix in Path(files["acl_file"]).read_text(), 10)
        time.sleep(0.3)  # the broker has reloaded
        topic = f"v1.1/Datastreams({ds})/Observations"
        _c, reason = login(b.port, alpha_token.prefix, "wrong")
        assert reason.is_failure
        good, reason = login(b.port, alpha_token.prefix, alpha_secret)
        assert not reason.is_failure
        other, _reason = login(b.port, beta_token.prefix, beta_secret)
        anonymous = client(b.port)
        other.publish(topic, json.dumps({"result": 1}), qos=1).wait_for_publish(
            5
        )  # not its datastream
        anonymous.publish(topic, json.dumps({"result": 2}), qos=1).wait_for_publish(5)
        good.publish(topic, json.dumps({"result": 3}), qos=1).wait_for_publish(5)
        assert wait_for(lambda: models.Observation.objects.count() >= 1)
        time.sleep(0.5)
        assert list(models.Observation.objects.values_list("result_number", flat=True)) == [3.0]
        assert worker.stats.received == 1  # the broker let only the alpha token's message through
        tokens.token_revoke(token=alpha_token)
        assert wait_for(lambda: alpha_token.prefix not in Path(files["password_file"]).read_text())
        time.sleep(0.3)
        _c, reason = login(b.port, alpha_token.prefix, alpha_secret)
        assert reason.is_failure
    finally:
        stop.set()
        thread.join(10)


def test_a_token_writes_its_internal_datastreams_and_each_change_of_scope_reaches_the_broker(
    guarded, sta, alpha
):
    """An MQTT 3.1.1 sensor learns nothing when the broker drops its message: a token
    must never be denied the internal datastreams it writes. And a change that keeps
    every count (a token moved to another datastream, one Thing made internal and
    another public) must still reach the broker's files."""
    b, files = guarded
    post_station(
        sta["http"],
        name="Zweite Zählstelle",
        street="Haagstraße",
        at=(6.63, 51.45),
        counts="Radfahrer",
    )
    first = models.Datastream.objects.get(pk=sta["ds"])
    second = models.Datastream.objects.exclude(pk=first.pk).get()
    first.thing.public = False
    first.thing.save()
    token, secret = tokens.token_create(municipality=alpha, name="Sensor", datastreams=[first])
    worker = Worker(b.url, "bridge", "bridge-secret", client_id=f"w{free_port()}", access=files)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()

    def acl_says(line):
        def holds():
            text = Path(files["acl_file"]).read_text()
            return line in text.split(f"user {token.prefix}\n", 1)[-1].split("\n\n")[0]

        assert wait_for(holds, 10)
        time.sleep(0.3)  # the broker has reloaded

    def publish(ds, value):
        c = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=f"t{free_port()}", protocol=paho.MQTTv311
        )
        c.username_pw_set(token.prefix, secret)
        c.connect("127.0.0.1", b.port)
        c.loop_start()
        topic = f"v1.1/Datastreams({ds.pk})/Observations"
        # 3.1.1 acknowledges a message the broker drops just as one it takes
        c.publish(topic, json.dumps({"result": value}), qos=1).wait_for_publish(5)
        c.loop_stop()
        c.disconnect()

    def stored():
        time.sleep(0.5)
        return sorted(models.Observation.objects.values_list("datastream_id", "result_number"))

    try:
        assert worker.connected.wait(10)
        acl_says(f"topic write v1.1/Datastreams({first.pk})/Observations")
        publish(first, 1)
        assert wait_for(lambda: models.Observation.objects.count() == 1)
        # moved to the other datastream: the same number of tokens, links and streams
        token.datastreams.set([second])
        acl_says(f"topic write v1.1/Datastreams({second.pk})/Observations")
        publish(first, 2)
        publish(second, 3)
        assert stored() == [(first.pk, 1.0), (second.pk, 3.0)]
        # internal and public swap: the same number of internal Things
        models.Thing.objects.filter(pk=first.thing_id).update(public=True)
        models.Thing.objects.filter(pk=second.thing_id).update(public=False)
        public_acl = lambda: Path(files["acl_file"]).read_text().split("\n\n")[1]  # noqa: E731
        assert wait_for(lambda: f"deny v1.1/Datastreams({second.pk})/" in public_acl(), 10)
        assert f"deny v1.1/Datastreams({first.pk})/" not in public_acl()
        time.sleep(0.3)
        publish(second, 4)
        assert stored() == [(first.pk, 1.0), (second.pk, 3.0), (second.pk, 4.0)]
    finally:
        stop.set()
        thread.join(10)


def test_a_token_whose_datastreams_are_gone_writes_nowhere(guarded, sta, alpha):
    """A token limited to a datastream that was deleted must not become a token of the
    whole municipality, on MQTT or over HTTP."""
    from stadtkern.sensors import broker as access

    post_station(sta["http"], name="Zweite", street="Haagstraße", at=(6.63, 51.45), counts="Rad")
    first = models.Datastream.objects.get(pk=sta["ds"])
    second = models.Datastream.objects.exclude(pk=first.pk).get()
    token, secret = tokens.token_create(municipality=alpha, name="Sensor", datastreams=[second])
    second.delete()
    section = access.acl_text("bridge").split(f"user {token.prefix}\n", 1)[1].split("\n\n")[0]
    assert "topic write" not in section
    http = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = http.post(
        f"/sta/v1.1/Datastreams({first.pk})/Observations", {"result": 1},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert not models.Observation.objects.exists()


# The worker's own MQTT 5 session (stadtkern.sensors.mqttwire) against the real broker.
class Inbox:
    def __init__(self):
        self.messages = []

    def __call__(self, messages):
        self.messages += messages


def session(port, inbox, client_id, **kw):
    from stadtkern.sensors.mqttwire import Session

    s = Session("127.0.0.1", port, client_id, "v1.1/+/Observations", inbox, **kw)
    s.start()
    return s


@contextlib.contextmanager
def connected_session(port, client_id):
    """A session of this client id, subscribed, and what it receives; closed after."""
    inbox = Inbox()
    s = session(port, inbox, client_id)
    try:
        assert s.connected.wait(10)
        yield s, inbox
    finally:
        s.close()


def delivered_on_connecting(port, client_id) -> list:
    """What the broker delivers to a session of this client id within half a second."""
    with connected_session(port, client_id) as (_s, inbox):
        time.sleep(0.5)
    return inbox.messages


def test_the_session_reads_what_any_client_publishes(broker):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    inbox = Inbox()
    s = session(broker.port, inbox, f"w{free_port()}")
    try:
        assert s.connected.wait(10)
        sensor = client(broker.port)
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [("quelle", "Zählstelle"), ("x", "y")]
        props.ContentType = "application/json"
        props.MessageExpiryInterval = 3600
        sensor.publish("v1.1/Datastreams(1)/Observations", b'{"result": 1}', 1, properties=props)
        sensor.publish("v1.1/Datastreams(2)/Observations", "ä" * 70_000, 0).wait_for_publish(5)
        sensor.publish("v1.1/Things", b"not subscribed", 1).wait_for_publish(5)
        assert wait_for(lambda: len(inbox.messages) == 2, 5)
        sensor.loop_stop()
    finally:
        s.close()
    first, second = sorted(inbox.messages, key=lambda m: m.topic)
    assert (first.topic, first.payload, first.qos) == (
        "v1.1/Datastreams(1)/Observations", b'{"result": 1}', 1,
    )  # fmt: skip
    assert first.mid > 0 and second.mid < 0  # QoS 1 carries its packet id; QoS 0 a key
    assert second.payload == ("ä" * 70_000).encode() and second.qos == 0


def test_an_acknowledgement_from_an_earlier_connection_is_not_sent(broker):
    """After a reconnect the broker's packet identifiers start over: an acknowledgement
    that was due on the lost connection could name another message on the new one.
    It is left out, and the broker delivers the message again."""
    worker_id = f"w{free_port()}"
    with connected_session(broker.port, worker_id) as (s, inbox):
        sensor = client(broker.port)
        for i in range(2):
            sensor.publish("v1.1/Datastreams(1)/Observations", str(i), 1).wait_for_publish(5)
        assert wait_for(lambda: len(inbox.messages) == 2, 5)
        first = list(inbox.messages)
        s._sock.shutdown(socket.SHUT_RDWR)  # the connection is lost
        assert wait_for(lambda: s.connections == 2 and len(inbox.messages) == 4, 10)
        for m in first:  # due on the lost connection
            s.ack(m)
        s.flush()
        time.sleep(0.3)
    with connected_session(broker.port, worker_id) as (_s, again):
        assert wait_for(lambda: len(again.messages) == 2, 10)
    assert sorted(m.payload for m in again.messages) == [b"0", b"1"]


def test_a_retained_message_is_not_delivered_again_at_each_subscription(broker):
    """The worker subscribes on every connection; a sensor that publishes with the
    retain flag would have its message stored again each time."""
    worker_id = f"w{free_port()}"
    with connected_session(broker.port, worker_id) as (s, inbox):
        sensor = client(broker.port)
        sensor.publish("v1.1/Datastreams(1)/Observations", b"1", 1, retain=True).wait_for_publish(5)
        assert wait_for(lambda: len(inbox.messages) == 1, 5)
        s.ack(inbox.messages[0])
        s.flush()
        time.sleep(0.3)
    for client_id in (worker_id, f"w{free_port()}"):  # the same session again, and a new one
        assert delivered_on_connecting(broker.port, client_id) == []


def test_nobody_who_guesses_a_client_id_takes_the_workers_queue(broker, sta):
    """A broker hands a persistent session to whoever connects with its client id: the
    worker's id is derived from its own password, so a public subscriber who connects
    as "stadtkern-mqtt" gets nothing of what waits for the worker."""
    from stadtkern.sensors.mqtt import private_client_id

    assert private_client_id("stadtkern", "geheim") != private_client_id("stadtkern", "anders")
    assert private_client_id("stadtkern", "geheim").startswith("stadtkern-")
    worker = Worker(broker.url, "stadtkern", "geheim")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    assert worker.connected.wait(10)
    stop.set()
    thread.join(10)
    sensor = client(broker.port)
    topic = f"v1.1/Datastreams({sta['ds']})/Observations"
    for i in range(3):
        sensor.publish(topic, json.dumps({"result": i}), qos=1).wait_for_publish(5)
    assert delivered_on_connecting(broker.port, "stadtkern-mqtt") == []
    again = Worker(broker.url, "stadtkern", "geheim")
    stop = threading.Event()
    thread = threading.Thread(target=again.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: models.Observation.objects.count() == 3)
    finally:
        stop.set()
        thread.join(10)


def test_a_subscription_granted_at_qos_0_is_refused_loudly(tmp_path, caplog):
    """max_qos 0 on the broker: nothing would be queued for the worker while it is away."""
    b = Broker(tmp_path)
    b.conf.write_text(b.conf.read_text() + "max_qos 0\n")
    b.start()
    try:
        s = session(b.port, Inbox(), f"w{free_port()}")
        try:
            assert not s.connected.wait(3)
        finally:
            s.close()
    finally:
        b.stop()
    assert "granted the subscription" in caplog.text and "QoS 0 only" in caplog.text


def test_what_is_not_acknowledged_comes_again_and_what_is_does_not(broker):
    worker_id = f"w{free_port()}"
    inbox = Inbox()
    s = session(broker.port, inbox, worker_id)
    assert s.connected.wait(10)
    sensor = client(broker.port)
    for i in range(4):
        sensor.publish("v1.1/Datastreams(1)/Observations", str(i), 1).wait_for_publish(5)
    assert wait_for(lambda: len(inbox.messages) == 4, 5)
    for m in inbox.messages[:2]:
        s.ack(m)
    s.close()
    again = Inbox()
    s = session(broker.port, again, worker_id)
    try:
        assert wait_for(lambda: len(again.messages) == 2, 10)
        for m in again.messages:
            s.ack(m)
        s.flush()
        time.sleep(0.3)
    finally:
        s.close()
    assert sorted(m.payload for m in again.messages) == [b"2", b"3"]
    assert delivered_on_connecting(broker.port, worker_id) == []
    sensor.loop_stop()


def test_the_session_pings_and_keeps_one_connection(broker):
    # The broker drops a client that is silent for one and a half keep-alive periods.
    s = session(broker.port, Inbox(), f"w{free_port()}", keepalive=1)
    try:
        assert s.connected.wait(10)
        time.sleep(4)
        assert s.connected.is_set() and s.connections == 1
    finally:
        s.close()


def test_a_refused_login_is_logged_and_never_connects(tmp_path, caplog):
    b = Broker(tmp_path)
    b.conf.write_text(f"listener {b.port} 127.0.0.1\nallow_anonymous false\npersistence false\n")
    b.start()
    try:
        s = session(b.port, Inbox(), f"w{free_port()}", username="stadtkern", password="falsch")
        try:
            assert not s.connected.wait(2)
        finally:
            s.close()
    finally:
        b.stop()
    assert s.connections == 0
    assert any("refused the connection" in r.getMessage() for r in caplog.records)


def test_a_broker_that_stops_answering_is_left_and_found_again(broker):
    import signal

    s = session(broker.port, Inbox(), f"w{free_port()}", keepalive=1)
    try:
        assert s.connected.wait(10)
        broker.proc.send_signal(signal.SIGSTOP)  # the connection stays open, nobody answers
        try:
            assert wait_for(lambda: not s.connected.is_set(), 10)
        finally:
            broker.proc.send_signal(signal.SIGCONT)
        assert wait_for(lambda: s.connected.is_set(), 40) and s.connections >= 2
    finally:
        s.close()
