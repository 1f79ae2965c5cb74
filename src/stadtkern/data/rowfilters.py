"""Query-string parameters of the rows API turned into a datastore query.

``?status=leer&flaeche__gte=100&sort=-flaeche&fields=adresse,status&bbox=6.6,51.4,6.7,51.5``

A column whose name is one of the reserved parameters (limit, sort, ...) is filtered
with an explicit operator: ``?limit__eq=5``.

Every other parameter names a column, optionally with an operator: ``eq`` (default), ``ne``,
``lt``, ``lte``, ``gt``, ``gte``, ``in`` (comma-separated), ``contains`` (text, case
insensitive) and ``null`` (true/false). Values are read with the column's own type, with
international number and date formats (``3.5``, ``2024-05-01``) as well as German ones.
"""

from .datastore import Query, decode_cursor, encode
from .parsing import PARSERS

RESERVED = {
    "limit",
    "offset",
    "cursor",
    "count",
    "sort",
    "fields",
    "bbox",
    "f",
    "format",
    "datetime",
    "lang",
}
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "null")


class FilterError(ValueError):
    """A parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_value(column: dict, text: str, field: str):
    kind = column["type"]
    if kind == "geometry":
        raise FilterError(field, "Geometry columns are filtered with bbox.")
    parse = PARSERS[kind]
    try:
        value = parse(text, ".") if kind == "decimal" and "," not in text else parse(text, ",")
        if value is None:
            raise ValueError("empty value; use __null=true for missing values")
    except (ValueError, OverflowError) as exc:
        raise FilterError(field, f"'{text[:50]}' is not a {kind}: {exc}") from None
    if kind == "integer" and abs(value) > 2**63 - 1:
        raise FilterError(field, "number out of range")
    return encode(kind, value)


def parse_bbox(text: str, field: str = "bbox") -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise FilterError(field, "bbox is four numbers: minLon,minLat,maxLon,maxLat") from None
    if len(numbers) == 6:  # with heights, as OGC API allows
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or any(n != n or abs(n) == float("inf") for n in numbers):
        raise FilterError(field, "bbox is four numbers: minLon,minLat,maxLon,maxLat")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise FilterError(field, "bbox minimum is greater than its maximum")
    return minx, miny, maxx, maxy


def build_query(dataset, params, *, reserved=RESERVED) -> Query:
    """A Query for the dataset from a mapping of parameters; FilterError for bad ones."""
    columns = {c["name"]: c for c in dataset.columns}
    filters = []
    for key in params:
        if key in reserved:
            continue
        name, _sep, op = key.partition("__")
        op = op or "eq"
        if name not in columns:
            raise FilterError(key, f"Unknown column '{name[:63]}'. Columns: {', '.join(columns)}.")
        if op not in OPERATORS:
            raise FilterError(
                key, f"Unknown operator '{op[:20]}'. Operators: {', '.join(OPERATORS)}."
            )
        for raw in _values(params, key):
            if "\x00" in raw:  # PostgreSQL stores no NUL in text, and no value has one
                raise FilterError(key, "The value contains a NUL character.")
            if op == "null":
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise FilterError(key, "null takes true or false")
                filters.append((name, "null", raw.lower() in ("true", "1")))
            elif op == "in":
                items = [
                    parse_value(columns[name], v.strip(), key) for v in raw.split(",") if v.strip()
                ]
                if not items or len(items) > 500:
                    raise FilterError(key, "in takes 1 to 500 comma-separated values")
                filters.append((name, "in", items))
            elif op == "contains":
                if columns[name]["type"] != "text":
                    raise FilterError(key, "contains works on text columns")
                filters.append((name, "contains", raw))
            else:
                filters.append((name, op, parse_value(columns[name], raw, key)))
    sort = None
    if params.get("sort"):
        raw = params.get("sort")
        desc = raw.startswith("-")
        name = raw.lstrip("-+")
        if name not in columns or columns[name]["type"] == "geometry":
            raise FilterError("sort", f"Cannot sort by '{name[:63]}'.")
        sort = (name, desc)
    fields = None
    if params.get("fields"):
        fields = [f.strip() for f in params.get("fields").split(",") if f.strip()]
        unknown = [f for f in fields if f not in columns and f != "geometry"]
        if unknown:
            raise FilterError("fields", f"Unknown field(s): {', '.join(u[:63] for u in unknown)}.")
    bbox = None
    if params.get("bbox"):
        if not dataset.has_geometry:
            raise FilterError("bbox", "This dataset has no geometry.")
        bbox = parse_bbox(params.get("bbox"))
    return Query(dataset, filters=filters, sort=sort, fields=fields, bbox=bbox)


def _values(params, key) -> list[str]:
    if hasattr(params, "getlist"):
        return params.getlist(key)
    value = params[key]
    return value if isinstance(value, list) else [value]


def parse_cursor(query: Query, text: str) -> list:
    """A cursor of ``query.page()`` read back and checked, for the database to compare."""
    foreign = FilterError("cursor", "The cursor is not one this API handed out.")
    try:
        after = decode_cursor(text)
    except ValueError:
        raise foreign from None
    if len(after) != (1 if query.sort is None else 2):
        raise FilterError("cursor", "The cursor belongs to another sort order.")
    last_id = after[-1]
    if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id < 2**63:
        raise foreign
    if query.sort is None or after[0] is None:
        return after
    column = next(c for c in query.dataset.columns if c["name"] == query.sort[0])
    value, kind = after[0], column["type"]
    if kind == "text":
        ok = isinstance(value, str) and "\x00" not in value
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind in ("integer", "decimal"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and abs(value) <= (2**63 - 1 if kind == "integer" else 1.8e308)
    else:  # date, timestamp: ISO text, read as a filter value is
        if not isinstance(value, str):
            raise foreign
        return [parse_value(column, value, "cursor"), last_id]
    if not ok:
        raise foreign
    return [encode(kind, value), last_id]
