"""The worker's side of MQTT 5 (OASIS MQTT Version 5.0): the packets it exchanges with
the broker, and the session that carries them.

Why not a general client library: the worker receives thousands of QoS 1 messages a
second and answers each with an acknowledgement and several announcements. A general
client handles every packet on its own (objects, locks, a wake-up write per packet),
which made the worker's network thread the bottleneck. This session reads whole socket
buffers, parses them in one pass, and writes the acknowledgements and announcements of
a batch in one system call. It speaks only what the worker needs: CONNECT with a
persistent session, one SUBSCRIBE, incoming PUBLISH with QoS 0 and 1, outgoing PUBLISH
with QoS 0, PUBACK, PINGREQ and DISCONNECT. Sensors and subscribers use any client.
"""

import contextlib
import itertools
import logging
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("stadtkern.mqtt")

CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 0x82, 0x90, 0xC0, 0xD0, 0xE0, 0xF0
MAX_REMAINING = 268_435_455  # the largest length four bytes of variable integer can say
PINGREQ_PACKET = bytes([PINGREQ, 0])
DISCONNECT_PACKET = bytes([DISCONNECT, 0])

# Property identifiers by the kind of value that follows them (MQTT 5, 2.2.2.2).
_BYTE = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
_TWO = {0x13, 0x21, 0x22, 0x23}
_FOUR = {0x02, 0x11, 0x18, 0x27}
_VARINT = {0x0B}
_TEXT = {0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F}
_BINARY = {0x09, 0x16}
_PAIR = {0x26}
SESSION_EXPIRY, RECEIVE_MAXIMUM, SERVER_KEEP_ALIVE = 0x11, 0x21, 0x13
MAXIMUM_PACKET_SIZE, REASON_STRING = 0x27, 0x1F


class ProtocolError(Exception):
    """The broker sent something this session cannot take; the connection is dropped."""


@dataclass(slots=True)
class Message:
    """A PUBLISH received. ``mid`` is the packet identifier of a QoS 1 message, and a
    negative number unique in this process for QoS 0 (which is never acknowledged).
    ``connection`` counts the connections of its session: a packet identifier means
    this message only on the connection that delivered it."""

    mid: int
    qos: int
    topic: str
    payload: bytes
    connection: int = 0


# Encoding ----------------------------------------------------------------------------------
def varint(n: int) -> bytes:
    if not 0 <= n <= MAX_REMAINING:
        raise ValueError(f"{n} does not fit a variable byte integer")
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | 0x80 if n else digit)
        if not n:
            return bytes(out)


def _text(s: str) -> bytes:
    raw = s.encode()
    if len(raw) > 65535:
        raise ValueError("an MQTT string holds at most 65,535 bytes")
    return len(raw).to_bytes(2, "big") + raw


def _packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + varint(len(body)) + body


def connect_packet(
    client_id: str, username: str | None = None, password: str | None = None,
    keepalive: int = 30, clean_start: bool = False, session_expiry: int = 0,
    receive_maximum: int = 65535,
):  # fmt: skip
    flags = (0x02 if clean_start else 0) | (0x80 if username else 0) | (0x40 if password else 0)
    props = bytes([SESSION_EXPIRY]) + session_expiry.to_bytes(4, "big")
    props += bytes([RECEIVE_MAXIMUM]) + receive_maximum.to_bytes(2, "big")
    body = _text("MQTT") + bytes([5, flags]) + keepalive.to_bytes(2, "big")
    body += varint(len(props)) + props + _text(client_id)
    if username:
        body += _text(username)
    if password:
        body += _text(password)
    return _packet(CONNECT, body)


# A session expiry interval of 0xFFFFFFFF: the broker keeps the session (and what is
# queued for it) however long its client is away.
NEVER_EXPIRES = 0xFFFFFFFF


def subscribe_packet(packet_id: int, topic_filter: str, qos: int = 1, no_local: bool = True):
    # Retain handling 2: a retained message is not sent again at each subscription
    # (the worker subscribes on every connection and would store it every time).
    options = qos | (0x04 if no_local else 0) | 0x20
    return _packet(
        SUBSCRIBE, packet_id.to_bytes(2, "big") + b"\x00" + _text(topic_filter) + bytes([options])
    )


def puback_packet(packet_id: int) -> bytes:
    return bytes([PUBACK, 2]) + packet_id.to_bytes(2, "big")


def publish_packet(topic: str, payload: bytes, qos: int = 0, packet_id: int = 0) -> bytes:
    body = _text(topic) + (packet_id.to_bytes(2, "big") if qos else b"") + b"\x00" + payload
    return _packet(PUBLISH | (qos << 1), body)


# Decoding ----------------------------------------------------------------------------------
def _read_varint(buf, pos: int, end: int) -> tuple[int, int] | None:
    """The variable byte integer at ``pos``, and the position after it; None when the
    buffer ends first."""
    value, shift = 0, 0
    for i in range(4):
        if pos + i >= end:
            return None
        byte = buf[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + i + 1
        shift += 7
    raise ProtocolError("a variable byte integer longer than four bytes")


def properties(body, pos: int, end: int) -> tuple[dict, int]:
    """The properties at ``pos`` (length first) as {identifier: value}, and the position
    after them. Repeated ones (user properties) keep the last value."""
    found = _read_varint(body, pos, end)
    if found is None:
        raise ProtocolError("the properties are cut off")
    length, pos = found
    stop = pos + length
    if stop > end:
        raise ProtocolError("the properties are longer than the packet")
    out = {}

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > stop:
            raise ProtocolError("a property runs past its packet")
        pos += n
        return bytes(body[pos - n : pos])

    while pos < stop:
        ident = take(1)[0]
        if ident in _BYTE:
            value = take(1)[0]
        elif ident in _TWO or ident in _FOUR:
            value = int.from_bytes(take(2 if ident in _TWO else 4), "big")
        elif ident in _VARINT:
            found = _read_varint(body, pos, stop)
            if found is None:
                raise ProtocolError("a property is cut off")
            value, pos = found
        elif ident in _TEXT or ident in _BINARY:
            value = take(int.from_bytes(take(2), "big"))
            if ident in _TEXT:
                value = value.decode(errors="replace")
        elif ident in _PAIR:
            value = (take(int.from_bytes(take(2), "big")), take(int.from_bytes(take(2), "big")))
        else:
            raise ProtocolError(f"unknown property {ident:#04x}")
        out[ident] = value
    return out, stop


class Reader:
    """Cuts the bytes from the broker into packets, however the stream was split."""

    def __init__(self, qos0_ids=None):
        self.buf = bytearray()
        self._qos0 = qos0_ids or itertools.count(-1, -1)  # keys for QoS 0 messages

    def feed(self, data: bytes) -> list[tuple[int, object]]:
        """The complete packets in what has arrived so far: (type, Message) for PUBLISH,
        (first byte, body bytes) for the others. A partial packet waits for more."""
        buf = self.buf
        buf += data
        end, pos, out = len(buf), 0, []
        while pos < end:
            first = buf[pos]
            found = _read_varint(buf, pos + 1, end)
            if found is None:
                break
            length, start = found
            stop = start + length
            if stop > end:
                break
            if first & 0xF0 == PUBLISH:
                out.append((PUBLISH, self._publish(first, buf, start, stop)))
            else:
                out.append((first, bytes(buf[start:stop])))
            pos = stop
        del buf[:pos]
        return out

    def _publish(self, first: int, buf, pos: int, stop: int) -> Message:
        qos = (first >> 1) & 0x03
        if qos > 1:
            raise ProtocolError("a PUBLISH with QoS 2 on a subscription of QoS 1")
        if pos + 2 > stop:
            raise ProtocolError("a PUBLISH without a topic")
        size = int.from_bytes(buf[pos : pos + 2], "big")
        pos += 2
        if pos + size > stop:
            raise ProtocolError("a PUBLISH whose topic is longer than the packet")
        topic = buf[pos : pos + size].decode(errors="replace")
        pos += size
        if qos:
            if pos + 2 > stop:
                raise ProtocolError("a PUBLISH without its packet identifier")
            mid = int.from_bytes(buf[pos : pos + 2], "big")
            if not mid:
                raise ProtocolError("a PUBLISH with packet identifier 0")
            pos += 2
        else:
            mid = next(self._qos0)
        if pos < stop and buf[pos] == 0:  # no properties, the usual case
            pos += 1
        else:
            found = _read_varint(buf, pos, stop)
            if found is None:
                raise ProtocolError("a PUBLISH without its properties")
            length, pos = found
            pos += length
            if pos > stop:
                raise ProtocolError("a PUBLISH whose properties are longer than the packet")
        return Message(mid, qos, topic, bytes(buf[pos:stop]))


# The session -------------------------------------------------------------------------------
class Session:
    """A persistent MQTT 5 session with one subscription, kept up by its own thread.

    The thread connects (again, after 1 to 30 seconds, whenever the connection is lost),
    subscribes, hands each socket read's PUBLISH packets to ``on_messages`` as a list,
    and pings the broker. ``ack`` and ``publish`` only queue bytes; ``flush`` writes
    them in one go. An acknowledgement that is lost with a connection makes the broker
    deliver the message again: QoS 1 is at least once."""

    def __init__(
        self, host: str, port: int, client_id: str, subscription: str, on_messages,
        username: str | None = None, password: str | None = None, keepalive: int = 30,
        session_expiry: int = NEVER_EXPIRES, tls: ssl.SSLContext | None = None,
        receive_maximum: int = 65535,
    ):  # fmt: skip
        self.host, self.port, self.client_id = host, port, client_id
        self.receive_maximum = receive_maximum  # messages the broker may send unacknowledged
        self.tls = tls  # mqtts://: the connection is wrapped, the broker's certificate checked
        self.subscription, self.on_messages = subscription, on_messages
        self.username, self.password = username, password
        self.keepalive, self.session_expiry = keepalive, session_expiry
        self.connected = threading.Event()  # set once the subscription is acknowledged
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()  # the two threads write whole packets in turn
        self._queued = bytearray()
        self._acks: list[Message] = []
        self._queue_lock = threading.Lock()
        self._last_send = time.monotonic()
        self._max_packet = MAX_REMAINING
        self._accepted = False  # the current connection got past CONNACK
        self.connections = 0  # accepted by the broker so far
        self._qos0_ids = itertools.count(-1, -1)
        self._thread: threading.Thread | None = None

    # Called from the worker ----------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mqtt-session", daemon=True)
        self._thread.start()

    def ack(self, message: Message) -> None:
        if message.qos and message.mid > 0:
            with self._queue_lock:
                self._acks.append(message)

    def publish(self, topic: str, payload: bytes | str, qos: int = 0) -> None:
        """Queue a QoS 0 message; one larger than the broker takes is left out (logged)."""
        if qos:
            raise ValueError("the worker publishes with QoS 0 only")
        packet = publish_packet(topic, payload.encode() if isinstance(payload, str) else payload)
        if len(packet) > self._max_packet:
            log.warning("an announcement on %s is larger than the broker takes", topic[:120])
            return
        with self._queue_lock:
            self._queued += packet

    def flush(self) -> None:
        with self._queue_lock:
            data, self._queued = self._queued, bytearray()
            acks, self._acks = self._acks, []
        if data or acks:
            self._send(data, acks)

    def close(self) -> None:
        self.flush()
        self._stop.set()
        self._send(DISCONNECT_PACKET)
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(10)

    # The session's thread ------------------------------------------------------------------
    def _send(self, data: bytes, acks: list[Message] = ()) -> bool:
        with self._send_lock:
            sock = self._sock
            if sock is None:
                return False
            # An acknowledgement of an earlier connection is left out: its packet
            # identifier may name another message now, which would be lost unstored.
            # The broker delivers the message again instead.
            current = [puback_packet(m.mid) for m in acks if m.connection == self.connections]
            if current:
                data = b"".join(current) + data
            try:
                sock.sendall(data)
            except OSError:
                # A packet may be cut off: the connection is unusable. Ending it makes the
                # session's thread connect again, and the broker resend what is unacknowledged.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                return False
            self._last_send = time.monotonic()
            return True

    def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                sock = self._connect()
            except OSError as exc:
                log.warning("cannot reach the MQTT broker %s:%s (%s)", self.host, self.port, exc)
            else:
                self._accepted = False
                try:
                    self._serve(sock)
                except (OSError, ProtocolError) as exc:
                    if not self._stop.is_set():
                        log.warning("lost the MQTT broker (%s); reconnecting", exc)
                finally:
                    if self._accepted:
                        delay = 1.0
                    self.connected.clear()
                    with self._send_lock:
                        self._sock = None
                    sock.close()
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, 30.0)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=10)
        if self.tls is None:
            return sock
        try:
            return self.tls.wrap_socket(sock, server_hostname=self.host)
        except OSError:
            sock.close()
            raise

    def _receive(self, sock: socket.socket) -> bytes | None:
        """What the broker sent within a second; None when nothing came."""
        if self.tls is None:
            return sock.recv(1 << 18) if select.select([sock], [], [], 1.0)[0] else None
        # TLS keeps decrypted bytes of its own that select() does not see; and OpenSSL
        # must not read and write one connection in two threads at once, so reading
        # takes the lock that writing holds.
        with self._send_lock:
            pending = sock.pending()
        if not pending and not select.select([sock], [], [], 1.0)[0]:
            return None
        with self._send_lock:
            # Without waiting: a record that carries no data (a TLS 1.3 ticket) must not
            # hold the lock, and with it the acknowledgements, for a keep-alive period.
            sock.settimeout(0.0)
            try:
                return sock.recv(1 << 18)
            except (ssl.SSLWantReadError, BlockingIOError):
                return None
            finally:
                sock.settimeout(max(self.keepalive, 5))

    def _serve(self, sock: socket.socket) -> None:
        """One connection, until it ends."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._max_packet = MAX_REMAINING
        keepalive = self.keepalive
        # The worker's writes reach this connection only once it is accepted (below):
        # nothing may go before the CONNECT.
        sock.settimeout(10)
        sock.sendall(
            connect_packet(
                self.client_id, self.username, self.password, keepalive,
                session_expiry=self.session_expiry, receive_maximum=self.receive_maximum,
            )
        )  # fmt: skip
        self._last_send = time.monotonic()
        reader, ping_sent = Reader(self._qos0_ids), None
        # Blocking writes (a dead broker is found by the pings, which ends them); reads wait
        # at most a second, so that pings go out on time. Over TLS, writes wait at most a
        # keep-alive period for a broker that stops reading; reads never wait (_receive).
        sock.settimeout(None if self.tls is None else max(self.keepalive, 5))
        while not self._stop.is_set():
            data = self._receive(sock)
            if data == b"":
                raise OSError("the broker closed the connection")
            now = time.monotonic()
            if data:
                ping_sent = None  # any packet shows the broker is alive
                messages = []
                for kind, item in reader.feed(data):
                    if kind == PUBLISH:
                        messages.append(item)
                    elif kind == CONNACK:
                        keepalive = self._connack(item) or keepalive
                        with self._send_lock:
                            self._accepted = True
                            self.connections += 1
                            self._sock = sock
                        self._send(subscribe_packet(1, self.subscription))
                    elif kind == SUBACK:
                        self._suback(item)
                    elif kind == DISCONNECT:
                        raise OSError(f"the broker disconnected ({_reason(item)})")
                    elif kind not in (PINGRESP, PUBACK):
                        raise ProtocolError(f"unexpected packet {kind:#04x}")
                if messages:
                    if not self._accepted:
                        raise ProtocolError("a PUBLISH before CONNACK")
                    for message in messages:
                        message.connection = self.connections
                    self.on_messages(messages)
            if ping_sent is not None and now - ping_sent > keepalive:
                raise OSError("the broker does not answer pings")
            if keepalive and now - self._last_send > keepalive / 2 and ping_sent is None:
                ping_sent = now
                self._send(PINGREQ_PACKET)

    def _connack(self, body: bytes) -> int | None:
        if len(body) < 3:
            raise ProtocolError("a CONNACK that is too short")
        code = body[1]
        props, _ = properties(body, 2, len(body))
        if code >= 0x80:
            reason = props.get(REASON_STRING) or CONNACK_REASONS.get(code, f"reason {code:#04x}")
            log.error("the MQTT broker refused the connection: %s", reason)
            raise OSError(f"refused: {reason}")
        self._max_packet = props.get(MAXIMUM_PACKET_SIZE, MAX_REMAINING)
        if not body[0] & 0x01:
            log.info("the broker holds no session for %s; a new one begins", self.client_id)
        log.info("connected to %s:%s", self.host, self.port)
        return props.get(SERVER_KEEP_ALIVE)

    def _suback(self, body: bytes) -> None:
        _props, pos = properties(body, 2, len(body))
        codes = body[pos:]
        if not codes or codes[0] >= 0x80:
            log.error(
                "the MQTT broker refused the subscription to %s (%s)",
                self.subscription,
                f"reason {codes[0]:#04x}" if codes else "no reason",
            )
            raise OSError("subscription refused")
        if codes[0] == 0:
            # Granted at QoS 0 (max_qos 0 on the listener): the broker would queue
            # nothing while the worker is away and expect no acknowledgement. Refused
            # loudly rather than losing what sensors were told was received.
            log.error(
                "the MQTT broker granted the subscription to %s at QoS 0 only; the worker "
                "needs QoS 1 (max_qos)", self.subscription,
            )  # fmt: skip
            raise OSError("subscription granted at QoS 0 only")
        self.connected.set()


CONNACK_REASONS = {
    0x84: "unsupported protocol version", 0x85: "client identifier not valid",
    0x86: "bad user name or password", 0x87: "not authorized", 0x88: "server unavailable",
    0x89: "server busy", 0x8A: "banned", 0x8C: "bad authentication method",
}  # fmt: skip


def _reason(body: bytes) -> str:
    return f"reason {body[0]:#04x}" if body else "normal"
