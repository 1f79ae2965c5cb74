"""The worker's MQTT 5 packets: what the broker sends is read back exactly, however the
stream is cut into reads, and bytes that are no MQTT end in a ProtocolError, nothing
else."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stadtkern.sensors import mqttwire
from stadtkern.sensors.mqttwire import PUBLISH, ProtocolError, Reader


def _text(s: str) -> bytes:
    raw = s.encode()
    return len(raw).to_bytes(2, "big") + raw


# Properties a broker may forward with a message: expiry, content type, user properties,
# subscription identifier, payload format.
prop = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda n: b"\x02" + n.to_bytes(4, "big")),
    st.text(max_size=20).map(lambda s: b"\x03" + _text(s)),
    st.tuples(st.text(max_size=10), st.text(max_size=10)).map(
        lambda kv: b"\x26" + _text(kv[0]) + _text(kv[1])
    ),
    st.integers(1, 268_435_455).map(lambda n: b"\x0b" + mqttwire.varint(n)),
    st.sampled_from([b"\x01\x00", b"\x01\x01"]),
)
publish = st.tuples(
    st.text(min_size=1, max_size=60),
    st.binary(max_size=300),
    st.sampled_from([0, 1]),
    st.integers(1, 65535),
    st.lists(prop, max_size=4).map(b"".join),
    st.booleans(),  # DUP
)


def encode(topic, payload, qos, mid, props, dup) -> bytes:
    body = _text(topic) + (mid.to_bytes(2, "big") if qos else b"")
    body += mqttwire.varint(len(props)) + props + payload
    return (
        bytes([PUBLISH | (qos << 1) | (0x08 if dup and qos else 0)])
        + mqttwire.varint(len(body))
        + body
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(publish, max_size=12), st.lists(st.integers(0, 5000), max_size=8))
def test_publishes_are_read_back_however_the_stream_is_cut(messages, cuts):
    stream = b"".join(encode(*m) for m in messages)
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    reader, got = Reader(), []
    for a, b in zip(points, points[1:], strict=False):
        got += reader.feed(stream[a:b])
    assert reader.buf == b""
    assert [kind for kind, _m in got] == [PUBLISH] * len(messages)
    for (_kind, message), (topic, payload, qos, mid, _props, _dup) in zip(
        got, messages, strict=True
    ):
        assert (message.topic, message.payload, message.qos) == (topic, payload, qos)
        assert message.mid == mid if qos else message.mid < 0


def test_qos_0_messages_get_keys_of_their_own():
    reader = Reader()
    got = reader.feed(encode("a", b"1", 0, 1, b"", False) + encode("a", b"2", 0, 1, b"", False))
    assert len({m.mid for _k, m in got}) == 2


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_bytes_that_are_no_mqtt_end_in_a_protocol_error_or_wait(data):
    reader = Reader()
    try:
        for kind, item in reader.feed(data):
            if kind == PUBLISH:
                assert isinstance(item.topic, str) and isinstance(item.payload, bytes)
    except ProtocolError:
        pass


@given(st.integers(0, mqttwire.MAX_REMAINING))
def test_variable_byte_integers_round_trip(n):
    raw = mqttwire.varint(n)
    assert len(raw) <= 4
    assert mqttwire._read_varint(raw, 0, len(raw)) == (n, len(raw))


def test_a_variable_byte_integer_of_five_bytes_is_refused():
    with pytest.raises(ProtocolError):
        Reader().feed(b"\x30\xff\xff\xff\xff\x01")
    with pytest.raises(ValueError):
        mqttwire.varint(mqttwire.MAX_REMAINING + 1)


def test_qos_2_and_packet_identifier_0_are_refused():
    with pytest.raises(ProtocolError):
        Reader().feed(b"\x34\x07" + _text("a") + b"\x00\x01\x00x")
    with pytest.raises(ProtocolError):
        Reader().feed(b"\x32\x07" + _text("a") + b"\x00\x00\x00x")


def test_connack_properties_are_read():
    props = b"\x27" + (1000).to_bytes(4, "big") + b"\x13\x00\x0a" + b"\x1f" + _text("ok")
    body = b"\x01\x00" + mqttwire.varint(len(props)) + props
    found, end = mqttwire.properties(body, 2, len(body))
    assert found == {0x27: 1000, 0x13: 10, 0x1F: "ok"} and end == len(body)


def test_packets_the_worker_sends():
    assert mqttwire.puback_packet(258) == b"\x40\x02\x01\x02"
    assert mqttwire.publish_packet("v1.1/Things", b"{}") == b"\x30\x10\x00\x0bv1.1/Things\x00{}"
    sub = mqttwire.subscribe_packet(1, "v1.1/+/Observations")
    assert sub[0] == 0x82 and sub[-1] == 0x25  # QoS 1, no local, retained not sent again
    connect = mqttwire.connect_packet("w", "user", "secret", 30, session_expiry=60)
    assert connect[2:10] == b"\x00\x04MQTT\x05\xc0"  # version 5, user name and password
    assert connect.endswith(_text("w") + _text("user") + _text("secret"))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_properties_that_are_no_mqtt_end_in_a_protocol_error(data):
    try:
        found, end = mqttwire.properties(data, 0, len(data))
    except ProtocolError:
        return
    assert end <= len(data) and isinstance(found, dict)


def test_the_worker_log_writes_each_line_once():
    from stadtkern.sensors.management.commands.mqtt import worker_log

    log = worker_log()
    worker_log()  # set up twice: still one handler
    ours = [h for h in log.handlers if getattr(h, "stadtkern_worker", False)]
    # One handler of its own, and nothing passed on to the root logger's handler too.
    assert len(ours) == 1 and log.propagate is False
