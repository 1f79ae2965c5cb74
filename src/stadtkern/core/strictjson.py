"""JSON as RFC 8259 has it, for what machines send (SensorThings bodies, MQTT
messages): Python's reader also takes NaN and Infinity, which no database column
holds, and unpaired surrogates (``"\\ud800"``), which no UTF-8 text holds; both failed
only when written, as a 500 or a worker that stored a batch again and again."""

import json


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes | str):
    """The document; ValueError (or RecursionError for deep nesting) otherwise."""
    data = json.loads(raw, parse_constant=_no_constant)
    # Unpaired surrogates come only from \u escapes, or from surrogate bytes (which the
    # reader lets through as "surrogatepass"): the document is checked only then.
    probe = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if b"\\u" in probe or b"\xed" in probe:
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ValueError("a text holds an unpaired surrogate") from None
    return data
