"""The MQTT bridge (`stadtkern mqtt`): Observations published to the broker are stored,
and created or changed entities are announced to subscribers (OGC 18-088, 14.2).

Sensors publish an Observation as JSON to ``v1.1/Datastreams(ID)/Observations``. The
worker subscribes to those topics with QoS 1 in a persistent session, so the broker
keeps what arrives while the worker is down, and acknowledges a message only after
the transaction that stored it has committed: nothing valid is lost. Messages are
stored in batches; a refused message (bad JSON, wrong result type, unknown
datastream) is counted and logged and never holds up the valid ones next to it.

The worker speaks MQTT 5 through its own session (``mqttwire``), which reads and
writes whole batches at a time. The subscription uses MQTT 5's "no local" option, so the worker does not receive its
own announcements on the same topics. Entities written over HTTP reach MQTT through
the outbox (``Notice``) that the worker drains.
"""

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import queue
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)

from stadtkern.core import strictjson

from . import broker, mqttwire, notices, services
from .entities import TYPES
from .models import DeadLetter, Notice

log = logging.getLogger("stadtkern.mqtt")
CREATE_TOPIC = re.compile(r"^v1\.1/Datastreams\((\d{1,18})\)/Observations$")
SUBSCRIPTION = "v1.1/+/Observations"
BATCH = 2000  # messages stored in one transaction
# Messages the broker may hand over before the worker acknowledges: two batches keep
# receiving and storing busy side by side, and at most some 260 MB of 64 KB messages
# wait in the worker (65,535, the protocol's most, would be 4 GB).
IN_FLIGHT = 2 * BATCH
WAIT = 0.05  # seconds to wait for more messages before storing a batch
SETTLE_POLL = 0.002  # seconds between looks at the storage process while a batch is out
OUTBOX_EVERY = 0.5  # seconds between looks into the outbox
RETRY_EVERY = 2.0  # seconds between attempts to store what the database refused
# Then a message the database keeps refusing while it stores others becomes a dead
# letter; while it stores nothing (away, or locked throughout), every message waits.
ATTEMPTS = 10
FEATURES_FOR = 60.0  # seconds the worker trusts the features it has looked up
ACCESS_EVERY = 3.0  # seconds between checks whether the broker's access files are current
# Seconds the storage process may take for one batch before it counts as hung: a batch
# of 2,000 takes well under a second, and a database that is locked fails each attempt
# after its lock or busy timeout (20 s by default; five attempts, see _retrying).
STORE_TIMEOUT = 300.0
READY = "ready"  # what a storage process says once it can store


@dataclass
class Stats:
    received: int = 0
    stored: int = 0
    refused: int = 0
    announced: int = 0
    batches: int = 0
    busy_seconds: float = 0.0  # spent storing and announcing
    reasons: dict = field(default_factory=dict)  # reason -> count, for the log

    def as_dict(self) -> dict:
        out = {
            k: getattr(self, k) for k in ("received", "stored", "refused", "announced", "batches")
        }
        return {**out, "busy_seconds": round(self.busy_seconds, 2)}


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None


PLAIN_SCHEMES, TLS_SCHEMES = ("mqtt", "tcp"), ("mqtts", "ssl")


def broker_address(url: str) -> BrokerAddress:
    """mqtt://host:1883 or, over TLS, mqtts://host:8883 (user and password may be given)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in PLAIN_SCHEMES + TLS_SCHEMES or not parts.hostname:
        raise ValueError(
            f"MQTT_URL {url!r} is not of the form mqtt://host:port or mqtts://host:port."
        )
    tls = parts.scheme in TLS_SCHEMES
    return BrokerAddress(
        host=parts.hostname,
        port=port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Checks the broker's certificate and name: against MQTT_CA_FILE when set (a
    municipality's own CA), else against the system's certificate authorities."""
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(
            f"MQTT_CA_FILE {ca_file!r} cannot be read as certificates ({exc})."
        ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _refresh_connection() -> None:
    """Drop a broken or aged database connection before the next round (not inside a
    transaction someone else holds, such as a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _retrying(func, *args, attempts: int = 5):
    """Run ``func``, again after a pause when the database is busy or locked."""
    for attempt in range(attempts):
        try:
            return func(*args)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    return None  # pragma: no cover


@dataclass
class Outcome:
    """What storing a batch came to, by position in the batch."""

    stored: int = 0
    refused: list = field(default_factory=list)  # (position, reason)
    failed: list = field(default_factory=list)  # positions the database could not take
    announcements: list = field(default_factory=list)  # (JSON text, topics)
    crashed: list = field(default_factory=list)  # positions whose storing ended in an error


def _safe_text(text, limit: int) -> str:
    """Text any database column takes: what no UTF-8 holds, and NUL (which PostgreSQL's
    text refuses), written as escapes."""
    text = str(text)[:limit].replace("\x00", "\\x00")
    return text.encode("utf-8", "backslashreplace").decode()


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _key(message) -> tuple[int, int]:
    return (message.connection, message.mid)


def _items(batch) -> list[tuple[str, bytes]]:
    return [(m.topic, m.payload) for m in batch]


class Store:
    """Turns a batch of ``(topic, payload)`` into stored Observations (in this process,
    or in the storage process), with the features it has looked up kept for a while."""

    def __init__(self):
        self.features: dict = {}
        self._since = time.monotonic()

    def __call__(self, items: list[tuple[str, bytes]]) -> Outcome:
        _refresh_connection()
        outcome = Outcome()
        parsed, positions = [], []
        for i, (topic, payload) in enumerate(items):
            match = CREATE_TOPIC.match(topic)
            if not match:
                outcome.refused.append((i, "not a topic that creates Observations"))
                continue
            if len(payload) > settings.MQTT_MAX_PAYLOAD:
                outcome.refused.append(
                    (i, f"the message is larger than {settings.MQTT_MAX_PAYLOAD // 1024} KB")
                )
                continue
            try:
                data = strictjson.loads(payload)
            except (ValueError, UnicodeDecodeError) as exc:
                outcome.refused.append((i, f"the message is not JSON: {_safe_text(exc, 200)}"))
                continue
            except RecursionError:
                outcome.refused.append((i, "the message's JSON is nested too deeply"))
                continue
            parsed.append((int(match.group(1)), data))
            positions.append(i)
        if not parsed:
            return outcome
        if time.monotonic() - self._since > FEATURES_FOR:
            self.features, self._since = {}, time.monotonic()
        try:
            created, refused = self._ingest(parsed)
            failed = []
        except Exception:  # a database failure: store in halves, so only the culprit fails
            log.exception("storing a batch failed; storing it in parts")
            self.features = {}  # a feature deleted meanwhile is no reason to refuse
            created, refused, failed = self._in_parts(parsed, list(range(len(parsed))))
        outcome.refused += [(positions[p], reason) for p, reason in refused]
        outcome.failed = [positions[p] for p in failed]
        outcome.stored = len(created)
        # What follows is after the commit: an error here must not make the stored
        # messages look unstored, or they would be stored again and again.
        try:
            if created:
                outcome.announcements = notices.observation_messages(created)
        except Exception:
            log.exception("announcing stored observations failed")
        if outcome.refused and not record_dead_letters(items, outcome.refused):
            # Not written down: not acknowledged either; the broker keeps them.
            outcome.failed += [p for p, _reason in outcome.refused]
            outcome.refused = []
        return outcome

    def guarded(self, items: list[tuple[str, bytes]]) -> Outcome:
        """Storing ``items``; an unforeseen error never ends the worker. The batch is
        then stored message by message, so that only the message that errs fails (to
        be tried again, and counted towards its dead letter), not its neighbours. What
        ends in an error does so before its transaction commits: nothing after it raises."""
        try:
            return self(items)
        except Exception:
            log.exception("storing %s messages ended in an error", len(items))
            if len(items) == 1:
                return Outcome(failed=[0], crashed=[0])
        outcome = Outcome()
        for i, item in enumerate(items):
            one = self.guarded([item])
            outcome.stored += one.stored
            outcome.refused += [(i, reason) for _p, reason in one.refused]
            outcome.failed += [i] if one.failed else []
            outcome.announcements += one.announcements
            outcome.crashed += [i] if one.crashed else []
        return outcome

    def _ingest(self, parsed, attempts: int = 5):
        """services.ingest, once more with features looked up afresh when one the
        worker remembered was deleted meanwhile (the message is not at fault)."""
        try:
            return _retrying(services.ingest, parsed, self.features, attempts=attempts)
        except services.GoneReference:
            self.features = {}
            return _retrying(services.ingest, parsed, self.features, attempts=attempts)

    def _in_parts(self, parsed, part: list[int]):
        """Store ``part`` (positions in ``parsed``) in one transaction, or in halves when
        the database refuses it: one bad message among 2,000 costs some 20
        transactions, not 2,000."""
        try:
            done, bad = self._ingest([parsed[i] for i in part], attempts=1)
        except (OperationalError, InterfaceError):
            if len(part) > 1:  # busy or away, or one message it cannot take: each alone
                results = [self._in_parts(parsed, [i]) for i in part]
                return tuple(sum(r, []) for r in zip(*results, strict=True))
            # The database is away or busy: the message waits and is tried again.
            log.exception(
                "a message to Datastream %s could not be stored; it waits", parsed[part[0]][0]
            )
            return [], [], list(part)
        except Exception as exc:
            if len(part) > 1:
                half = len(part) // 2
                first = self._in_parts(parsed, part[:half])
                second = self._in_parts(parsed, part[half:])
                return tuple(a + b for a, b in zip(first, second, strict=True))
            # The database refuses this message itself (a value out of its range):
            # trying again would fail again, and hold up the others.
            reason = f"the database refused it: {_first_line(exc)}"
            return [], [(part[0], reason)], []
        return done, [(part[p], reason) for p, reason in bad], []


def record_dead_letters(items: list[tuple[str, bytes]], refused: list) -> bool:
    """Write the refused messages down with their reasons; False if the database is away."""
    letters = [
        DeadLetter(
            topic=_safe_text(items[p][0], 500),
            payload=bytes(items[p][1][: DeadLetter.KEEP]),
            size=len(items[p][1]),
            reason=_safe_text(reason, 2000),  # it may quote the message's text
        )  # fmt: skip
        for p, reason in refused
    ]
    try:
        _retrying(DeadLetter.objects.bulk_create, letters)
    except Exception:  # the database away, or a mistake of ours: never past a commit
        log.exception("writing dead letters failed; the messages wait")
        return False
    return True


def serve_storage(conn) -> None:
    """The storage process: batches in, outcomes out, until it is told to stop, or the
    worker is gone (killed, too: the pipe's other end closes and recv() ends)."""
    store = Store()
    try:
        while True:
            items = conn.recv()
            if items is None:
                return
            conn.send(store.guarded(items))
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        connections.close_all()


class StorageProcess:
    """Storing in a second process: the worker's own process receives, acknowledges and
    announces (the session's thread) while this one parses and writes, so that the two
    halves run on two cores instead of taking turns in one interpreter. A batch is
    stored while the outcome of the one before is being acknowledged and announced.

    The process is a new interpreter (see ``storage_child``). If it dies, or gives no
    answer for ``timeout`` seconds (stopped, or waiting on something forever), it is
    ended and another one started; the batch it held waits and is sent again."""

    def __init__(self):
        self.timeout = STORE_TIMEOUT
        self._sent_at = time.monotonic()
        self._start()

    def _start(self) -> None:
        from . import storage_child

        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.proc = context.Process(
            target=storage_child.main,
            args=(child, storage_child.settings_to_hand_over(), os.getpid()),
            daemon=True,
        )
        self.proc.start()
        child.close()  # else a dead process's pipe would never read as closed here
        # Until it has started Python and Django (a second or so), nothing is stored: the
        # worker waits for it before it takes messages, which would otherwise pile up
        # unacknowledged and, were the worker killed then, all be delivered again.
        try:
            if self.conn.poll(STORE_TIMEOUT) and self.conn.recv() == READY:
                return
        except (EOFError, OSError):
            pass
        log.error("the storage process did not start; its first batch will show why")

    def send(self, items) -> bool:
        self._sent_at = time.monotonic()
        try:
            self.conn.send(items)
            return True
        except (BrokenPipeError, OSError):
            return False

    def ready(self) -> bool:
        """Whether ``receive`` would answer at once: the outcome is in, or the process
        has died or is overdue (then the outcome is that nothing was stored)."""
        return (
            self.conn.poll()
            or not self.proc.is_alive()
            or time.monotonic() - self._sent_at >= self.timeout
        )

    def receive(self, size: int) -> Outcome:
        """The outcome of the batch sent last; if the process died or hangs, nothing of
        the batch is stored (it waits and is sent again) and a new process is started."""
        deadline = self._sent_at + self.timeout
        try:
            while True:
                if not self.conn.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
                    if not self.proc.is_alive():
                        log.error("the storage process ended; starting a new one")
                        return self._replace(size)
                    if time.monotonic() >= deadline:
                        log.error(
                            "the storage process gave no answer in %s s; starting a new one",
                            self.timeout,
                        )
                        # Most likely the database or the network stalled, not a message:
                        # the batch waits without counting towards dead letters.
                        return self._replace(size, crashed=False)
                    continue
                answer = self.conn.recv()
                if answer != READY:  # a start that took longer than the worker waited
                    return answer
        except (EOFError, OSError):
            log.error("the storage process ended; starting a new one")
            return self._replace(size)

    def _replace(self, size: int, crashed: bool = True) -> Outcome:
        self._end(wait=0.0)
        outcome = None
        # An answer written just before it ended is still in the pipe: what the batch
        # stored counts, or it would be stored twice.
        with contextlib.suppress(EOFError, OSError):
            while outcome is None and self.conn.poll():
                answer = self.conn.recv()
                outcome = None if answer == READY else answer
        self.conn.close()
        self._start()
        # Else which message it was is not known: each is counted.
        return outcome or Outcome(
            failed=list(range(size)), crashed=list(range(size)) if crashed else []
        )

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(None)
        self._end(wait=10.0)
        self.conn.close()

    def _end(self, wait: float) -> None:
        self.proc.join(wait)
        if self.proc.is_alive():
            self.proc.kill()  # SIGTERM would not end a stopped process
            self.proc.join(5)


def private_client_id(username: str, password: str) -> str:
    """The worker's MQTT client id: a broker hands a persistent session, and the messages
    queued for it, to whoever connects with its client id, whatever their login. So the
    id is derived from the worker's own password, which nobody else knows."""
    if not password:
        return "stadtkern-mqtt"  # a broker without logins: nothing to keep apart
    digest = hashlib.sha256(f"stadtkern-mqtt\0{username}\0{password}".encode()).hexdigest()
    return f"stadtkern-{digest[:24]}"


class Worker:
    def __init__(
        self, url: str, username: str = "", password: str = "", client_id: str = "",
        access: dict | None = None, storage_process: bool = False,
    ):  # fmt: skip
        address = broker_address(url)
        self.host, self.port = address.host, address.port
        self.username = username or address.username
        self.password = password or address.password
        # {"password_file", "acl_file", "pid_file"}: the broker's access files to keep current
        ok = access and access.get("password_file") and access.get("acl_file")
        self.access = access if ok else None
        self._access_state = None
        self._access_error: str | None = None
        self.store = Store()
        self.storage_process = storage_process  # store in a second process (see StorageProcess)
        self._storage: StorageProcess | None = None
        self._in_flight: list | None = None  # the batch the storage process is storing
        # (connection, mid) -> message the database could not take yet, and how often
        # storing it has failed: a packet identifier names a message on one connection only
        self.waiting: dict = {}
        self.attempts: dict = {}
        self.stats = Stats()
        self.inbox: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.client = mqttwire.Session(
            self.host, self.port,
            client_id or private_client_id(self.username or "", self.password or ""),
            SUBSCRIPTION, self.inbox.put,
            self.username or None, self.password or None,
            tls=tls_context(settings.MQTT_CA_FILE) if address.tls else None,
            receive_maximum=IN_FLIGHT,
        )  # fmt: skip
        self.connected = self.client.connected  # set once the subscription is acknowledged

    def start(self) -> None:
        self.client.start()

    def run(self, stop: threading.Event | None = None) -> None:
        """Store and announce until ``stop`` (or ``self.stop``) is set."""
        stop = stop or self.stop
        self.sync_access()  # before connecting: the worker's own login may be new
        if self.storage_process:
            self._storage = StorageProcess()
        self.start()
        last_outbox = last_retry = 0.0
        last_access = time.monotonic()
        last_log = time.monotonic()
        try:
            while not stop.is_set():
                batch = self._collect()
                now = time.monotonic()
                if self.waiting and now - last_retry >= RETRY_EVERY:
                    self._forget_earlier_connections()
                    busy = {_key(m) for m in self._in_flight or ()}
                    batch = [m for key, m in self.waiting.items() if key not in busy] + batch
                    last_retry = now
                self._store_batch(batch)
                if now - last_outbox >= OUTBOX_EVERY:
                    try:
                        _retrying(self.drain_outbox)
                    except DatabaseError:  # the notices stay in the outbox for the next round
                        log.exception("reading the outbox failed")
                    last_outbox = now
                if now - last_access >= ACCESS_EVERY:
                    try:
                        self.sync_access()
                    except DatabaseError:
                        log.exception("updating the broker's access files failed")
                    last_access = now
                if now - last_log >= 60:
                    log.info("mqtt %s", json.dumps(self.stats.as_dict()))
                    last_log = now
            self._store_batch(self._collect(wait=0))
            self._store_batch([], finish=True)
        finally:
            self.stop.set()
            if self._storage is not None:
                self._storage.close()
            self.client.close()
            connections.close_all()  # this thread's connections

    def _store_batch(self, batch: list, finish: bool = False) -> None:
        """Store ``batch`` here, or hand it to the storage process and settle the batch
        before it, whose outcome is in by then."""
        if self._storage is None:
            if batch:
                self.handle(batch)
            return
        done, outcome = None, None
        if self._in_flight is not None and (batch or finish or self._storage.ready()):
            started = time.perf_counter()
            done, outcome = self._in_flight, self._storage.receive(len(self._in_flight))
            self._in_flight = None
            self.stats.busy_seconds += time.perf_counter() - started
        if batch:
            self._count_received(batch)
            if self._storage.send(_items(batch)):
                self._in_flight = batch
            else:
                self._settle(batch, self._storage.receive(len(batch)))
            self.stats.batches += 1
        if done is not None:
            self._settle(done, outcome)
        if finish and self._in_flight is not None:
            self._store_batch([], finish=True)

    def _collect(self, wait: float = WAIT) -> list:
        """The messages received so far (the inbox holds them as read, a list per read),
        after waiting up to ``wait`` seconds for the first and then for more. While the
        storage process holds a batch, the wait ends as soon as its outcome is in: that
        batch is acknowledged at once instead of after the window. Stored but not yet
        acknowledged is what a worker killed in that moment has the broker deliver
        again."""
        batch: list = []
        end = time.monotonic() + wait  # for the first message; then for more
        while len(batch) < BATCH:
            if wait and self._in_flight is not None and self._storage.ready():
                break  # (not in the last round before stopping: that takes everything)
            left = max(0.0, end - time.monotonic())
            step = min(left, SETTLE_POLL) if self._in_flight is not None else left
            try:
                got = self.inbox.get(timeout=step)
            except queue.Empty:
                if step >= left:  # the window is over
                    break
                continue
            if not batch:
                end = time.monotonic() + wait
            batch += got
        return batch

    def handle(self, batch) -> None:
        """Store a batch of messages, acknowledge them, announce what was stored."""
        started = time.perf_counter()
        try:
            self._count_received(batch)
            self._settle(batch, self.store.guarded(_items(batch)))
        finally:
            self.stats.batches += 1
            self.stats.busy_seconds += time.perf_counter() - started

    def _count_received(self, batch) -> None:
        self.stats.received += sum(1 for m in batch if _key(m) not in self.waiting)

    def _forget_earlier_connections(self) -> None:
        """The broker delivers an unacknowledged QoS 1 message again on the next
        connection; the copy of the lost one is not kept (its acknowledgement could
        not be sent there anyway)."""
        current = self.client.connections
        for key, message in list(self.waiting.items()):
            if message.qos and message.connection != current:
                del self.waiting[key]
                self.attempts.pop(key, None)

    def _settle(self, batch, outcome: "Outcome") -> None:
        """Acknowledge what is stored or refused, keep what is not, announce the new."""
        for position, reason in outcome.refused:
            self._refuse(batch[position], reason)
        self.stats.stored += outcome.stored
        # What the database could not take is neither acknowledged nor dropped: it is tried
        # again, and if the worker stops first the broker delivers it again. Only a
        # message that keeps failing while others are stored, or that ends storing in an
        # error, is (perhaps) the message's fault; it becomes a dead letter after
        # ATTEMPTS such rounds.
        unstored, crashed = set(outcome.failed), set(outcome.crashed)
        for i, message in enumerate(batch):
            key = _key(message)
            if i in unstored:
                tries = self.attempts.get(key, 0) + (outcome.stored > 0 or i in crashed)
                if tries < ATTEMPTS or not record_dead_letters(
                    [(message.topic, message.payload)],
                    [(0, f"the database could not store it in {ATTEMPTS} attempts")],
                ):
                    self.attempts[key] = tries
                    self.waiting[key] = message
                    continue
                self._refuse(message, "given up after repeated database failures")
            self.attempts.pop(key, None)
            self.waiting.pop(key, None)
            self.client.ack(message)
        for text, topics in outcome.announcements:
            payload = text.encode()  # once for all its topics
            for topic in topics:
                self.client.publish(topic, payload, qos=0)
                self.stats.announced += 1
        self.client.flush()  # acknowledgements and announcements in one write

    def _refuse(self, message, reason: str) -> None:
        self.stats.refused += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        log.warning("refused a message on %s: %s", message.topic[:120], reason)

    def announce(self, etype, ids, created: bool = False) -> None:
        for chunk_start in range(0, len(ids), 5000):
            objs = notices.public(etype, ids[chunk_start : chunk_start + 5000])
            for body, topics in notices.messages(etype, objs, created):
                payload = json.dumps(body, ensure_ascii=False)
                for topic in topics:
                    self.client.publish(topic, payload, qos=0)
                    self.stats.announced += 1
            self.client.flush()

    def sync_access(self) -> bool:
        """Rewrite the broker's password and ACL files when tokens or datastreams changed."""
        if self.access is None:
            return False
        _refresh_connection()
        current = broker.state(self.username or "", settings.MQTT_PUBLIC_USERNAME)
        if current == self._access_state:
            return False
        try:
            broker.write_files(
                self.access["password_file"],
                self.access["acl_file"],
                self.username or "",
                self.password or "",
                group=settings.MQTT_BROKER_GROUP,
                public_user=settings.MQTT_PUBLIC_USERNAME,
                public_password=settings.MQTT_PUBLIC_PASSWORD,
            )
        except (OSError, broker.AccessFilesError) as exc:
            if self._access_error != str(exc):  # once, not every few seconds
                log.error("the broker's access files were not updated: %s", exc)
                self._access_error = str(exc)
            return False
        self._access_error = None
        self._access_state = current
        log.info("broker access files updated")
        if self.access.get("pid_file"):
            problem = broker.reload_broker(self.access["pid_file"])
            if problem:
                # Until the broker reloads, new tokens are refused and revoked ones
                # still let in: said loudly, every time the files change.
                log.error("the broker's access files changed, but %s", problem)
        return True

    def drain_outbox(self) -> None:
        """Announce what the web process wrote; a notice is deleted once published."""
        _refresh_connection()
        while True:
            with transaction.atomic():
                pending = list(Notice.objects.order_by("pk")[:5000])
                if not pending:
                    return
                by_type: dict[tuple[str, str], list[int]] = {}
                for notice in pending:
                    by_type.setdefault((notice.entity, notice.event), []).extend(
                        notices.ids_of(notice)
                    )
                for (name, event), ids in by_type.items():
                    if name in TYPES:
                        self.announce(TYPES[name], ids, created=event == "create")
                Notice.objects.filter(pk__in=[n.pk for n in pending]).delete()
