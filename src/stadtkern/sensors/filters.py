"""``$filter`` of the SensorThings API (OGC 18-088, 9.3.3.5): parsed and turned into a
Django ``Q`` on both databases.

The grammar is OData's, with the operators and functions the standard lists:
comparison (eq ne gt ge lt le), logical (and or not), arithmetic (add sub mul div mod),
string (substringof, contains, startswith, endswith, length, indexof, substring,
tolower, toupper, trim, concat), date and time (year month day hour minute second
fractionalseconds date time totaloffsetminutes now mindatetime maxdatetime), math
(round floor ceiling) and geospatial (geo.distance geo.length geo.intersects st_equals
st_disjoint st_touches st_within st_overlaps st_crosses st_intersects st_contains
st_relate). Paths follow navigation properties (``Datastream/Thing/name``) and keys of
JSON properties (``properties/owner``).

Geospatial predicates compare one geometry property with literals. They are decided
by shapely over the table that holds the geometry (Locations, FeaturesOfInterest,
Datastreams: the small tables of a SensorThings service) and enter the query as a set
of ids, so they work the same on SQLite and PostgreSQL, with or without PostGIS.
Distances and lengths are in the units of the coordinates (degrees for WGS 84), as in
FROST-Server.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import shapely
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    Value,
)
from django.db.models import lookups as L
from django.db.models.fields.json import KT
from django.db.models.functions import (
    Cast,
    Ceil,
    Coalesce,
    Concat,
    Extract,
    Floor,
    Length,
    Lower,
    Now,
    StrIndex,
    Substr,
    Trim,
    TruncDate,
    TruncTime,
    Upper,
)

from .entities import (
    INTERVAL,
    JSON,
    RESULT,
    TIME,
    TYPES,
    EntityType,
    Prop,
    leaves_visibility,
    reverse_lookup,
)
from .odata import ODataError

MAX_LENGTH = 10_000
MAX_DEPTH = 50

# --- tokens -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<geo>(?:geography|geometry)'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_@$][\w.@$]*(?:/[\w.@$-]+)*)
  | (?P<punct>[(),])
  | (?P<minus>-)
    """,
    re.X,
)
_KEYWORDS = {"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "add", "sub", "mul",
             "div", "mod", "true", "false", "null"}  # fmt: skip
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ODataError(f"$filter is longer than {MAX_LENGTH} characters.")
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ODataError(f"$filter: unexpected '{text[pos : pos + 20]}' at position {pos}.")
        kind = match.lastgroup
        if kind != "ws":
            word = match.group()
            if kind == "name" and word in _KEYWORDS:
                kind = "keyword"
            out.append(Token(kind, word, pos))
        pos = match.end()
    return out


# --- syntax tree --------------------------------------------------------------------------
# Nodes are tuples: ("lit", value), ("path", [segments]), ("call", name, [args]),
# ("bin", operator, left, right), ("not", node), ("neg", node).


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def parse(self):
        if not self.tokens:
            raise ODataError("$filter is empty.")
        node = self.expression()
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            raise ODataError(f"$filter: unexpected '{tok.text[:40]}' at position {tok.pos}.")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ODataError("$filter ends too early.")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ODataError(
                f"$filter: expected '{text}' at position {tok.pos}, not '{tok.text[:40]}'."
            )

    def at(self, *words) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "keyword" and tok.text in words

    def expression(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ODataError(f"$filter nests deeper than {MAX_DEPTH} levels.")
        node = self.disjunction()
        self.depth -= 1
        return node

    def disjunction(self):
        node = self.conjunction()
        while self.at("or"):
            self.take()
            node = ("bin", "or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.at("and"):
            self.take()
            node = ("bin", "and", node, self.negation())
        return node

    def negation(self):
        if self.at("not"):
            self.take()
            return ("not", self.negation())
        return self.comparison()

    def comparison(self):
        node = self.additive()
        if self.at(*COMPARISONS):
            op = self.take().text
            node = ("bin", op, node, self.additive())
            if self.at(*COMPARISONS):
                raise ODataError("$filter: comparisons cannot be chained; join them with 'and'.")
        return node

    def additive(self):
        node = self.multiplicative()
        while self.at("add", "sub"):
            op = self.take().text
            node = ("bin", op, node, self.multiplicative())
        return node

    def multiplicative(self):
        node = self.unary()
        while self.at("mul", "div", "mod"):
            op = self.take().text
            node = ("bin", op, node, self.unary())
        return node

    def unary(self):
        tok = self.peek()
        if tok is not None and tok.kind == "minus":
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if tok.kind == "string":
            return ("lit", tok.text[1:-1].replace("''", "'"))
        if tok.kind == "number":
            return ("lit", _number(tok.text))
        if tok.kind == "time":
            return ("lit", _datetime(tok.text))
        if tok.kind == "date":
            try:
                return ("lit", date.fromisoformat(tok.text))
            except ValueError:
                raise ODataError(f"$filter: '{tok.text}' is not a valid date.") from None
        if tok.kind == "geo":
            return ("lit", _geometry(tok.text))
        if tok.kind == "keyword" and tok.text in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[tok.text])
        if tok.kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                return self.call(tok)
            path = tok.text.split("/")
            if len(path) > MAX_DEPTH:  # each step is a join or a JSON lookup: nested calls
                raise ODataError(f"$filter: a path has at most {MAX_DEPTH} steps.")
            return ("path", path)
        raise ODataError(f"$filter: unexpected '{tok.text[:40]}' at position {tok.pos}.")

    def call(self, name: Token):
        # OData 4.01: canonical function names are matched without regard to case.
        name = Token(name.kind, name.text.lower(), name.pos)
        if name.text not in FUNCTIONS:
            raise ODataError(
                f"$filter: unknown function '{name.text[:40]}' at position {name.pos}."
            )
        self.expect("(")
        args = []
        if self.peek() is not None and self.peek().text == ")":
            self.take()
        else:
            while True:
                args.append(self.expression())
                tok = self.take()
                if tok.text == ")":
                    break
                if tok.text != ",":
                    raise ODataError(f"$filter: expected ',' or ')' at position {tok.pos}.")
        low, high = FUNCTIONS[name.text][:2]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise ODataError(f"$filter: {name.text}() takes {wanted} arguments, not {len(args)}.")
        return ("call", name.text, args)


def parse(text: str):
    return Parser(text).parse()


def _number(text: str):
    if re.fullmatch(r"-?\d+", text):
        value = int(text)
        if abs(value) >= 2**63:
            raise ODataError(f"$filter: the number {text[:30]} is too large.")
        return value
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ODataError(f"$filter: the number {text[:30]} is too large.")
    return value


def _datetime(text: str) -> datetime:
    """The literal with its own offset (compared in UTC by the database)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ODataError(f"$filter: '{text}' is not a valid date and time.") from None
    if value.tzinfo is None:
        raise ODataError(f"$filter: '{text}' needs its offset, e.g. Z or +01:00.")
    try:
        in_range = 1 <= value.astimezone(UTC).year <= 9998
    except OverflowError:
        in_range = False
    if not in_range:
        raise ODataError(f"$filter: '{text}' lies outside the years 1 to 9998.")
    return value


def _geometry(text: str):
    wkt = text.split("'", 1)[1][:-1].replace("''", "'")
    if ";" in wkt and wkt.upper().startswith("SRID="):
        wkt = wkt.split(";", 1)[1]
    try:
        return shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        raise ODataError(f"$filter: '{wkt[:60]}' is not a WKT geometry.") from None


# --- functions ------------------------------------------------------------------------------
# name: (fewest arguments, most arguments, result type)
_GEO_PREDICATES = {
    "geo.intersects": "intersects",
    "st_equals": "equals",
    "st_disjoint": "disjoint",
    "st_touches": "touches",
    "st_within": "within",
    "st_overlaps": "overlaps",
    "st_crosses": "crosses",
    "st_intersects": "intersects",
    "st_contains": "contains",
}
FUNCTIONS = {
    "substringof": (2, 2, "bool"),
    "contains": (2, 2, "bool"),
    "startswith": (2, 2, "bool"),
    "endswith": (2, 2, "bool"),
    "length": (1, 1, "num"),
    "indexof": (2, 2, "num"),
    "substring": (2, 3, "str"),
    "tolower": (1, 1, "str"),
    "toupper": (1, 1, "str"),
    "trim": (1, 1, "str"),
    "concat": (2, 2, "str"),
    "year": (1, 1, "num"),
    "month": (1, 1, "num"),
    "day": (1, 1, "num"),
    "hour": (1, 1, "num"),
    "minute": (1, 1, "num"),
    "second": (1, 1, "num"),
    "fractionalseconds": (1, 1, "num"),
    "date": (1, 1, "date"),
    "time": (1, 1, "timeofday"),
    "totaloffsetminutes": (1, 1, "num"),
    "now": (0, 0, "time"),
    # No argument: the earliest and latest time there is (OData); with a time property,
    # the start or end of its interval (SensorThings' phenomenonTime, validTime).
    "mindatetime": (0, 1, "time"),
    "maxdatetime": (0, 1, "time"),
    "round": (1, 1, "num"),
    "floor": (1, 1, "num"),
    "ceiling": (1, 1, "num"),
    "geo.distance": (2, 2, "num"),
    "geo.length": (1, 1, "num"),
    "st_relate": (3, 3, "bool"),
    **{name: (2, 2, "bool") for name in _GEO_PREDICATES},
}
GEO_FUNCTIONS = {"geo.distance", "geo.length", "st_relate", *_GEO_PREDICATES}


EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def _utc_only(name: str, arg) -> None:
    # OData: a service that keeps times in UTC fails such functions on other offsets.
    if arg[0] == "lit" and isinstance(arg[1], datetime) and arg[1].utcoffset():
        raise ODataError(
            f"$filter: {name}() takes times in UTC here (Z); '{arg[1].isoformat()}' has an offset."
        )


class RoundHalfAway(Func):
    """round(): halves away from zero (OData), also on PostgreSQL, whose round() of a
    double breaks ties to even."""

    function = "ROUND"
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="ROUND(CAST(%(expressions)s AS numeric))::float8",
            **extra,
        )


class FractionalSeconds(Func):
    """The fraction of a second of a timestamp, 0 <= f < 1."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":  # %f is seconds with milliseconds
            sql = f"(CAST(strftime('%%f', {sql}) AS REAL) - CAST(strftime('%%S', {sql}) AS REAL))"
        else:
            sql = f"(EXTRACT(SECOND FROM {sql}) - FLOOR(EXTRACT(SECOND FROM {sql})))"
        return sql, (*params, *params)


class Modulo(Func):
    """The remainder with the sign of the dividend (OData's mod), for integers and
    decimals alike; SQLite's % would cut decimals to integers first."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        (a, a_params), (b, b_params) = (compiler.compile(e) for e in self.source_expressions)
        params = (*a_params, *b_params, *a_params, *b_params)
        if connection.vendor == "sqlite":
            sql = f"({a} - {b} * CAST(CAST({a} AS REAL) / {b} AS INTEGER))"
        else:
            sql = f"({a} - {b} * TRUNC(CAST({a} AS DOUBLE PRECISION) / {b}))"
        return sql, params


# --- compiling ----------------------------------------------------------------------------


@dataclass
class Resolved:
    """A path resolved against an entity type."""

    lookup: str  # Django lookup from the queried model, e.g. "datastream__thing__name"
    prop: Prop | None  # None for id
    keys: list[str]  # keys inside a JSON property
    owner: EntityType  # the entity type that holds the property
    owner_prefix: str  # lookup from the queried model to the owner ("" for itself)
    many: bool  # whether a to-many navigation was crossed


def resolve_path(etype: EntityType, segments: list[str]) -> Resolved:
    prefix, owner, many = "", etype, False
    for i, seg in enumerate(segments):
        if seg in owner.nav_by_name:
            nav = owner.nav_by_name[seg]
            prefix += nav.field + "__"
            many = many or nav.many
            owner = TYPES[nav.target]
            continue
        if seg in ("id", "@iot.id"):
            if i != len(segments) - 1:
                raise ODataError(f"$filter: '{'/'.join(segments)[:80]}': id has no parts.")
            return Resolved(prefix + "pk", None, [], owner, prefix, many)
        prop = owner.prop_by_name.get(seg)
        if prop is None:
            raise ODataError(f"$filter: {owner.name} has no property '{seg[:60]}'.")
        keys = segments[i + 1 :]
        if keys and prop.kind not in (JSON, RESULT):
            raise ODataError(f"$filter: the property {prop.name} has no parts.")
        field = "result_json" if prop.kind == RESULT and keys else prop.field
        lookup = prefix + field + "".join(f"__{k}" for k in keys)
        return Resolved(lookup, prop, keys, owner, prefix, many)
    raise ODataError(f"$filter: '{'/'.join(segments)[:80]}' names no property.")


_LOOKUPS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_LOOKUP_CLASSES = {"eq": L.Exact, "gt": L.GreaterThan, "ge": L.GreaterThanOrEqual,
                   "lt": L.LessThan, "le": L.LessThanOrEqual}  # fmt: skip
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


class Compiler:
    """Turns a syntax tree into a ``Q`` for a queryset of ``etype``."""

    def __init__(self, etype: EntityType, guard=None):
        self.etype = etype
        self.guard = guard
        self.many = False  # set when a to-many navigation is crossed: the caller adds distinct()

    # Boolean nodes -------------------------------------------------------------------------
    def q(self, node) -> Q:
        kind = node[0]
        hops = self.hidden_hops(node) if self.guard is not None else set()
        if hops:
            if kind == "not":
                return ~self.q(node[1])
            if kind == "bin" and node[1] in ("and", "or"):
                left, right = self.q(node[2]), self.q(node[3])
                return left & right if node[1] == "and" else left | right
            hop = next(iter(hops))
            if len(hops) > 1 or any(p[: len(hop)] != hop for p in map(tuple, _paths(node))):
                raise ODataError(
                    "$filter: a condition compares values reached through one navigation "
                    "path only, e.g. Datastreams/name eq 'x'."
                )
            return self.through(node, list(hop))
        if _uses_geo(node):
            return self.geo_q(node)
        if kind == "bin" and node[1] in ("and", "or"):
            left, right = self.q(node[2]), self.q(node[3])
            return left & right if node[1] == "and" else left | right
        if kind == "not":
            return ~self.q(node[1])
        if kind == "bin" and node[1] in COMPARISONS:
            return self.comparison(node[1], node[2], node[3])
        if kind == "call" and FUNCTIONS[node[1]][2] == "bool":
            return self.string_predicate(node[1], node[2])
        if kind == "lit" and isinstance(node[1], bool):
            return Q(pk__isnull=False) if node[1] else Q(pk__isnull=True)
        if kind == "path":  # true/false results and JSON values stand alone
            res = self.resolve(node[1])
            if res.prop is not None and (res.keys or res.prop.kind == RESULT):
                lookup = res.lookup.replace("result_number", "result_json")
                return Q(**{lookup: True})
        raise ODataError("$filter must be a condition (true or false), e.g. name eq 'x'.")

    # Visibility on every path ------------------------------------------------------------
    def hidden_hops(self, node) -> set[tuple[str, ...]]:
        """Return the paths up to the first navigation into entities the caller's view of
        this entity does not vouch for (Sensor to Datastreams, FeatureOfInterest to
        Observations, ...); empty when every path stays within what is visible."""
        hops = set()
        for segments in _paths(node):
            owner = self.etype
            for i, seg in enumerate(segments):
                nav = owner.nav_by_name.get(seg)
                if nav is None:
                    break
                if leaves_visibility(owner, nav):
                    hops.add(tuple(segments[: i + 1]))
                    break
                owner = TYPES[nav.target]
        return hops

    def through(self, node, hop: list[str]) -> Q:
        """The condition as: some visible entity behind ``hop`` fulfils it (EXISTS)."""
        owner, outer = self.etype, ""
        for seg in hop[:-1]:
            nav = owner.nav_by_name[seg]
            outer += nav.field + "__"
            # The way to the EXISTS joins the outer rows: across a to-many navigation an
            # entity would come once per row it is joined to.
            self.many = self.many or nav.many
            owner = TYPES[nav.target]
        nav = owner.nav_by_name[hop[-1]]
        target = TYPES[nav.target]
        inner = Compiler(target, self.guard).q(_strip(node, len(hop)))
        linked = self.guard(target.name).filter(
            **{reverse_lookup(owner, nav): OuterRef(outer + "pk")}
        )
        return Q(Exists(linked.filter(inner)))

    def resolve(self, segments) -> Resolved:
        res = resolve_path(self.etype, segments)
        self.many = self.many or res.many
        return res

    def comparison(self, op, left, right) -> Q:
        if left[0] == "lit" and right[0] == "path":
            op, left, right = _FLIP[op], right, left
        if left[0] == "path" and right[0] == "lit":
            return self.compare_path(op, self.resolve(left[1]), right[1])
        lhs, ltype = self.value(left)
        rhs, rtype = self.value(right)
        if right[0] == "lit" and right[1] is None:
            return Q(L.IsNull(lhs, op == "eq")) if op in ("eq", "ne") else _never()
        lhs, rhs = _align(lhs, ltype, rhs, rtype)
        if op == "ne":
            return ~Q(L.Exact(lhs, rhs))
        return Q(_LOOKUP_CLASSES[op](lhs, rhs))

    def compare_path(self, op, res: Resolved, value) -> Q:
        if value is None:
            if op not in ("eq", "ne"):
                return _never()
            return Q(**{f"{res.lookup}__isnull": op == "eq"})
        lookup = res.lookup
        if (
            res.prop is not None
            and res.prop.kind == RESULT
            and not res.keys
            and isinstance(value, (bool, str))
        ):
            lookup = res.lookup.replace("result_number", "result_json")
        if isinstance(value, shapely.Geometry):
            raise ODataError("$filter: a geometry can only be used in geospatial functions.")
        if res.keys and isinstance(value, date):  # JSON holds times as ISO 8601 text
            value = value.isoformat().replace("+00:00", "Z")
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)  # its midnight
        _check_type(res, value)
        if op == "ne":
            return ~Q(**{lookup: value}) | Q(**{f"{lookup}__isnull": True})
        return Q(**{f"{lookup}__{_LOOKUPS[op]}": value})

    def string_predicate(self, name, args) -> Q:
        if name == "substringof":  # substringof(needle, haystack)
            args = [args[1], args[0]]
        lookup = {"substringof": "contains", "contains": "contains",
                  "startswith": "startswith", "endswith": "endswith"}[name]  # fmt: skip
        if args[0][0] == "path" and args[1][0] == "lit" and isinstance(args[1][1], str):
            res = self.resolve(args[0][1])
            if not res.keys:
                return Q(**{f"{res.lookup}__{lookup}": args[1][1]})
        haystack = self.text(args[0])
        needle = self.text(args[1])
        cls = {"contains": L.Contains, "startswith": L.StartsWith, "endswith": L.EndsWith}[lookup]
        return Q(cls(haystack, needle))

    # Value nodes -----------------------------------------------------------------------------
    def value(self, node):
        """(expression, type) of a value node; types: str num time date timeofday bool json."""
        kind = node[0]
        if kind == "lit":
            v = node[1]
            if isinstance(v, bool):
                return Value(v, BooleanField()), "bool"
            if isinstance(v, int | float):
                return Value(v), "num"
            if isinstance(v, datetime):
                return Value(v), "time"
            if isinstance(v, date):
                return Value(v), "date"
            if isinstance(v, str):
                return Value(v, TextField()), "str"
            if v is None:
                return Value(None), "null"
            raise ODataError("$filter: a geometry can only be used in geospatial functions.")
        if kind == "path":
            res = self.resolve(node[1])
            if res.prop is None:
                return F(res.lookup), "num"
            if res.keys:
                return KT(res.lookup), "json"
            if res.prop.kind in (TIME, INTERVAL):
                return F(res.lookup), "time"
            if res.prop.kind == RESULT:
                return F(res.lookup), "num"
            if res.prop.kind == JSON:
                raise ODataError(
                    f"$filter: compare a part of {res.prop.name}, e.g. {res.prop.name}/key."
                )
            return F(res.lookup), "str"
        if kind == "neg":
            expr = self.number(node[1])
            return expr * Value(-1), "num"
        if kind == "bin" and node[1] in ("add", "sub", "mul", "div", "mod"):
            left, right = self.number(node[2]), self.number(node[3])
            op = node[1]
            if op == "add":
                return left + right, "num"
            if op == "sub":
                return left - right, "num"
            if op == "mul":
                return left * right, "num"
            if op == "div":
                return Cast(left, FloatField()) / Cast(right, FloatField()), "num"
            return Modulo(left, right), "num"
        if kind == "call":
            return self.function(node[1], node[2])
        raise ODataError("$filter: a condition stands where a value is expected.")

    def number(self, node):
        expr, typ = self.value(node)
        if typ == "json":
            return Cast(expr, FloatField())
        if typ not in ("num",):
            raise ODataError("$filter: arithmetic needs numbers.")
        return expr

    def text(self, node):
        expr, typ = self.value(node)
        if typ not in ("str", "json"):
            raise ODataError("$filter: this function needs text.")
        return expr

    def time(self, node):
        expr, typ = self.value(node)
        if typ != "time":
            raise ODataError("$filter: this function needs a date and time.")
        return expr

    def function(self, name, args):
        typ = FUNCTIONS[name][2]
        if typ == "bool":
            raise ODataError(f"$filter: {name}() is a condition, not a value.")
        if name == "length":
            return Length(self.text(args[0])), typ
        if name == "indexof":
            return StrIndex(self.text(args[0]), self.text(args[1])) - Value(1), typ
        if name == "substring":
            for arg in args[1:]:
                if arg[0] == "lit" and isinstance(arg[1], int | float) and arg[1] < 0:
                    raise ODataError("$filter: substring() takes a start and length from 0.")
            start = self.number(args[1]) + Value(1)
            if len(args) == 3:
                return Substr(self.text(args[0]), start, self.number(args[2])), typ
            return Substr(self.text(args[0]), start), typ
        if name in ("tolower", "toupper", "trim"):
            cls = {"tolower": Lower, "toupper": Upper, "trim": Trim}[name]
            return cls(self.text(args[0])), typ
        if name == "concat":
            return Concat(self.text(args[0]), self.text(args[1]), output_field=TextField()), typ
        if name in ("year", "month", "day", "hour", "minute", "second", "date", "time"):
            _utc_only(name, args[0])
        if name in ("year", "month", "day", "hour", "minute", "second"):
            return Extract(self.time(args[0]), name, tzinfo=UTC, output_field=IntegerField()), typ
        if name == "fractionalseconds":
            return FractionalSeconds(self.time(args[0])), typ
        if name == "date":
            return TruncDate(self.time(args[0]), tzinfo=UTC), typ
        if name == "time":
            return TruncTime(self.time(args[0]), tzinfo=UTC), typ
        if name == "totaloffsetminutes":
            self.time(args[0])
            if args[0][0] == "lit":  # a literal keeps its own offset
                return Value(int(args[0][1].utcoffset().total_seconds() // 60)), typ
            return Value(0), typ  # every stored time is in UTC
        if name == "now":
            return Now(), typ
        if name in ("mindatetime", "maxdatetime") and not args:
            return Value(EARLIEST if name == "mindatetime" else LATEST), typ
        if name in ("mindatetime", "maxdatetime"):
            arg = args[0]
            if arg[0] != "path":
                raise ODataError(f"$filter: {name}() takes a time property.")
            res = self.resolve(arg[1])
            if res.prop is None or res.prop.kind not in (TIME, INTERVAL):
                raise ODataError(f"$filter: {name}() takes a time property.")
            start = F(res.lookup)
            if name == "mindatetime" or res.prop.kind == TIME:
                return start, typ
            return Coalesce(F(res.owner_prefix + res.prop.end), start), typ
        if name in ("round", "floor", "ceiling"):
            cls = {"round": RoundHalfAway, "floor": Floor, "ceiling": Ceil}[name]
            return cls(self.number(args[0])), typ
        raise ODataError(f"$filter: {name}() is not supported here.")  # pragma: no cover

    # Geospatial ------------------------------------------------------------------------------
    def geo_q(self, node) -> Q:
        paths = _paths(node)
        geometry_paths = [p for p in paths if _is_geometry(self.etype, p)]
        if paths and (len({tuple(p) for p in paths}) != 1 or len(geometry_paths) != 1):
            raise ODataError(
                "$filter: a geospatial condition compares one geometry property "
                "(location, feature, observedArea) with literals."
            )
        if not paths:  # only literals: the same answer for every row
            return Q() if _evaluate(node, None) else _never()
        res = self.resolve(geometry_paths[0])
        ids = []
        rows = res.owner.model.objects.values_list("pk", res.prop.field)
        for pk, geojson in rows.iterator(chunk_size=2000):
            geom = _shape(geojson)
            if geom is not None and _evaluate(node, geom):
                ids.append(pk)
        return Q(**{f"{res.owner_prefix}pk__in": ids})


def _never() -> Q:
    return Q(pk__in=[])


def _check_type(res: Resolved, value) -> None:
    if res.prop is None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ODataError("$filter: id is compared with a whole number.")
        return
    if res.keys:
        return
    kind = res.prop.kind
    if kind in (TIME, INTERVAL) and not isinstance(value, datetime):
        raise ODataError(
            f"$filter: {res.prop.name} is compared with a date and time, e.g. 2024-01-01T00:00:00Z."
        )
    if kind == RESULT:
        if isinstance(value, datetime):
            raise ODataError("$filter: result is compared with a number, text or true/false.")
        return
    if kind == JSON:
        raise ODataError(f"$filter: compare a part of {res.prop.name}, e.g. {res.prop.name}/key.")
    if kind not in (TIME, INTERVAL) and not isinstance(value, str):
        raise ODataError(f"$filter: {res.prop.name} is text and is compared with text in quotes.")


def _align(lhs, ltype, rhs, rtype):
    """Make the two sides of a comparison comparable."""
    if ltype == "json" and rtype == "num":
        return Cast(lhs, FloatField()), rhs
    if rtype == "json" and ltype == "num":
        return lhs, Cast(rhs, FloatField())
    if {ltype, rtype} <= {"num"} or ltype == rtype or "json" in (ltype, rtype):
        return lhs, rhs
    if {ltype, rtype} == {"date", "time"}:
        return lhs, rhs
    raise ODataError(
        f"$filter: a {_TYPE_NAMES[ltype]} cannot be compared with a {_TYPE_NAMES[rtype]}."
    )


_TYPE_NAMES = {"str": "text", "num": "number", "time": "date and time", "date": "date",
               "timeofday": "time of day", "bool": "true/false value", "json": "JSON value",
               "null": "null"}  # fmt: skip


def _uses_geo(node) -> bool:
    if node[0] == "call":
        return node[1] in GEO_FUNCTIONS or any(_uses_geo(a) for a in node[2])
    if node[0] == "bin":
        if node[1] in ("and", "or"):
            return False  # each side is decided on its own
        return _uses_geo(node[2]) or _uses_geo(node[3])
    if node[0] in ("not", "neg"):
        return node[0] == "neg" and _uses_geo(node[1])
    return False


def _paths(node) -> list[list[str]]:
    if node[0] == "path":
        return [node[1]]
    if node[0] == "call":
        return [p for a in node[2] for p in _paths(a)]
    if node[0] == "bin":
        return _paths(node[2]) + _paths(node[3])
    if node[0] in ("not", "neg"):
        return _paths(node[1])
    return []


def _strip(node, n: int):
    """The node with the first ``n`` segments taken off every path in it."""
    kind = node[0]
    if kind == "path":
        return ("path", node[1][n:])
    if kind == "call":
        return ("call", node[1], [_strip(a, n) for a in node[2]])
    if kind == "bin":
        return ("bin", node[1], _strip(node[2], n), _strip(node[3], n))
    if kind in ("not", "neg"):
        return (kind, _strip(node[1], n))
    return node


def _is_geometry(etype: EntityType, segments) -> bool:
    try:
        res = resolve_path(etype, segments)
    except ODataError:
        return False
    return res.prop is not None and res.prop.name in ("location", "feature", "observedArea")


def _shape(geojson):
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict):
        return None
    try:
        import json

        return shapely.from_geojson(json.dumps(geojson))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None


def _line_length(geom) -> float:
    """The length of the lines in a geometry; areas and points have none (as PostGIS's
    ST_Length, not shapely's perimeter)."""
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return shapely.length(geom)
    if geom.geom_type == "GeometryCollection":
        return sum(_line_length(g) for g in geom.geoms)
    return 0.0


def _evaluate(node, geom):
    """Evaluate a geospatial condition in Python, the path standing for ``geom``."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "path":
        return geom
    if kind == "neg":
        return -_evaluate(node[1], geom)
    if kind == "call":
        name, args = node[1], [_evaluate(a, geom) for a in node[2]]
        try:
            if name == "geo.distance":
                return shapely.distance(*args)
            if name == "geo.length":
                return _line_length(args[0])
            if name == "st_relate":
                return bool(shapely.relate_pattern(args[0], args[1], str(args[2])))
            if name in _GEO_PREDICATES:
                return bool(getattr(shapely, _GEO_PREDICATES[name])(args[0], args[1]))
        except (TypeError, shapely.errors.GEOSException):
            raise ODataError(
                f"$filter: {name}() takes geometries, e.g. geography'POINT(7 51)'."
            ) from None
        raise ODataError(f"$filter: {name}() cannot be combined with a geometry.")
    if kind == "bin":
        left, right = _evaluate(node[2], geom), _evaluate(node[3], geom)
        op = node[1]
        try:
            if op in COMPARISONS:
                return {"eq": left == right, "ne": left != right}.get(op) if op in ("eq", "ne") else {
                    "gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right,
                }[op]  # fmt: skip
            return {"add": lambda: left + right, "sub": lambda: left - right,
                    "mul": lambda: left * right, "div": lambda: left / right,
                    "mod": lambda: left % right}[op]()  # fmt: skip
        except (TypeError, ZeroDivisionError):
            raise ODataError(
                "$filter: the geospatial condition compares values of different kinds."
            ) from None
    if kind == "not":
        return not _evaluate(node[1], geom)
    raise ODataError("$filter: this geospatial condition is not supported.")  # pragma: no cover


def filter_q(etype: EntityType, text: str, guard=None) -> tuple[Q, bool]:
    """The ``Q`` for a ``$filter`` and whether the query needs ``distinct()``.

    ``guard(type name)`` returns the entities of a type the caller may see (None: all).
    """
    compiler = Compiler(etype, guard)
    q = compiler.q(parse(text))
    return q, compiler.many
