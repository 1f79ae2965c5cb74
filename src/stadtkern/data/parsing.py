"""Cell values as municipal files write them, and the column types inferred from them.

Every parser takes the text of one cell and returns a Python value or raises ValueError;
an empty cell is None for every type. German conventions come first (decimal comma,
``dd.mm.yyyy``, ``ja``/``nein``), international ones are understood too. Timestamps are
stored in UTC; a timestamp without an offset is read as Europe/Berlin local time, which
is what a German municipality's file means by it.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

TYPES = ("integer", "decimal", "boolean", "date", "timestamp", "text", "geometry")
# Order in which inference tries the types: the most specific first.
INFERABLE = ("boolean", "integer", "decimal", "date", "timestamp")

TRUE = frozenset({"ja", "j", "true", "wahr", "yes", "y", "x"})
FALSE = frozenset({"nein", "n", "false", "falsch", "no"})

_INT = re.compile(r"[+-]?\d+")
_INT_GERMAN_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
_INT_ENGLISH_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")
_DEC_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+")
_DEC_DOT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)\.\d+(?:[eE][+-]?\d+)?|[+-]?\d+[eE][+-]?\d+")
_DATE_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DATE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_TS_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_TS_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?\s?(?:Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET_GAP = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$|Z$)")


def has_leading_zero(text: str) -> bool:
    """'05999001' or '0049' are codes, not numbers: reading them as integers loses the zero."""
    digits = text.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()


def parse_integer(text: str, decimal: str = ",") -> int | None:
    if not text:
        return None
    if _INT.fullmatch(text):
        if has_leading_zero(text):
            raise ValueError("leading zero: a code, not a number")
        return _in_range(int(text))
    grouped = _INT_GERMAN_GROUPED if decimal == "," else _INT_ENGLISH_GROUPED
    if grouped.fullmatch(text):
        return _in_range(int(text.replace("." if decimal == "," else ",", "")))
    raise ValueError("not a whole number")


def german_grouped(text: str) -> bool:
    """True for '83.252' or '1.234.567': thousands separated by points, the German way."""
    return bool(_INT_GERMAN_GROUPED.fullmatch(text))


def _in_range(value: int) -> int:
    if abs(value) > 2**63 - 1:
        raise ValueError("too large for a whole number; read it as text or decimal")
    return value


def parse_decimal(text: str, decimal: str = ",") -> float | None:
    if not text:
        return None
    if _INT.fullmatch(text):
        if has_leading_zero(text):
            raise ValueError("leading zero: a code, not a number")
        return float(text)
    if decimal == ",":
        if _DEC_COMMA.fullmatch(text) or _INT_GERMAN_GROUPED.fullmatch(text):
            return float(text.replace(".", "").replace(",", "."))
    elif _DEC_DOT.fullmatch(text) or _INT_ENGLISH_GROUPED.fullmatch(text):
        return float(text.replace(",", ""))
    raise ValueError("not a number")


def parse_boolean(text: str, decimal: str = ",") -> bool | None:
    if not text:
        return None
    low = text.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValueError("not ja/nein or true/false")


def parse_date(text: str, decimal: str = ",") -> date | None:
    if not text:
        return None
    m = _DATE_GERMAN.fullmatch(text)
    if m:
        return date(int(m[3]), int(m[2]), int(m[1]))
    if _DATE_ISO.fullmatch(text):
        return date.fromisoformat(text)
    raise ValueError("not a date (dd.mm.yyyy or yyyy-mm-dd)")


def parse_timestamp(text: str, decimal: str = ",") -> datetime | None:
    if not text:
        return None
    m = _TS_GERMAN.fullmatch(text)
    if m:
        value = datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0))
    elif _TS_ISO.fullmatch(text):
        value = datetime.fromisoformat(_OFFSET_GAP.sub("", text).replace(",", "."))
    else:
        raise ValueError("not a timestamp (ISO 8601 or dd.mm.yyyy hh:mm)")
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(UTC)


def parse_text(text: str, decimal: str = ",") -> str | None:
    return text if text else None


PARSERS = {
    "integer": parse_integer,
    "decimal": parse_decimal,
    "boolean": parse_boolean,
    "date": parse_date,
    "timestamp": parse_timestamp,
    "text": parse_text,
}


def decimal_mark(values, default: str = ",") -> str | None:
    """',' when the sample writes decimals the German way, '.' when the English way,
    ``default`` when it cannot tell.

    '1.234' alone is ambiguous; a value like '3,5' or '1.234,5' settles it, and so does
    '3.5'. German is the usual default, since the files come from German administrations.
    """
    comma = dot = 0
    for v in values:
        if _DEC_COMMA.fullmatch(v):
            comma += 1
        elif _DEC_DOT.fullmatch(v) and not _INT_GERMAN_GROUPED.fullmatch(v):
            dot += 1
    if dot == comma:
        return default
    return "." if dot > comma else ","


@dataclass
class Inference:
    """The type guessed for one column from a sample of its cells."""

    type: str
    non_empty: int
    examples: list[str] = field(default_factory=list)


def infer(values: list[str], decimal: str = ",") -> Inference:
    """The most specific type that reads every non-empty sample value; text otherwise."""
    present = [v for v in values if v]
    examples = list(dict.fromkeys(present))[:3]
    if not present:
        return Inference("text", 0, examples)
    for name in INFERABLE:
        parse = PARSERS[name]
        try:
            for v in present:
                parse(v, decimal)
        except (ValueError, OverflowError):
            continue
        return Inference(name, len(present), examples)
    return Inference("text", len(present), examples)
