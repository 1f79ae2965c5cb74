"""JSON as RFC 8259 has it, for what machines send (SensorThings bodies, MQTT
messages). Python's reader also takes NaN, Infinity and numbers that overflow to
infinity (``1e400``), which no database column holds, unpaired surrogates
(``"\\ud800"``), which no UTF-8 text holds, and UTF-16 and UTF-32 documents; all of
them failed only when written, as a 500 or a worker that stored a batch again and
again."""

import json
import math


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def loads(raw: bytes | str):
    """The document; ValueError (UnicodeDecodeError among them) or RecursionError."""
    # UTF-8 only, strictly: surrogates encoded as bytes are refused here already.
    text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    data = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    if "\\u" in text or not text.isascii():  # only then can a surrogate stand alone
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ValueError("a text holds an unpaired surrogate") from None
    return data
