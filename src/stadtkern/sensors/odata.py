"""Resource paths and query options of the SensorThings API (OGC 18-088, 9.2 and 9.3).

A path is a chain of segments: an entity set (``Things``), an entity (``Things(1)``),
a navigation (``Things(1)/Datastreams``), a property (``Things(1)/name``), and at the
end ``$value`` or ``$ref``. Query options are read against the entity type they apply
to, so that an unknown property is refused with its name; ``$expand`` carries its own
options in parentheses, separated by ``;``.
"""

import re
from dataclasses import dataclass, field, replace

from .entities import BY_SET, TYPES, EntityType, Nav, Prop

DEFAULT_TOP = 100
MAX_TOP = 10_000
MAX_EXPAND_DEPTH = 8
_SEGMENT = re.compile(r"^([A-Za-z]+)(?:\((\d+)\))?$")


class ODataError(ValueError):
    """A request the service cannot answer; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Step:
    etype: EntityType
    id: int | None = None  # an entity of the set, or the whole set
    nav: Nav | None = None  # how this step was reached from the one before


@dataclass
class Path:
    steps: list[Step]
    prop: Prop | None = None  # a single property at the end
    value: bool = False  # $value
    ref: bool = False  # $ref

    @property
    def last(self) -> Step:
        return self.steps[-1]

    @property
    def single(self) -> bool:
        """Whether the path names one entity (not a collection)."""
        last = self.last
        return last.id is not None or (last.nav is not None and not last.nav.many)


def parse_path(text: str) -> Path:
    segments = [s for s in text.strip("/").split("/") if s]
    if not segments:
        raise ODataError("The path names no entity set.")
    steps: list[Step] = []
    path = Path(steps)
    for i, segment in enumerate(segments):
        rest = len(segments) - i - 1
        if segment in ("$value", "$ref"):
            if rest:
                raise ODataError(f"{segment} must end the path.")
            if segment == "$value" and path.prop is None:
                raise ODataError("$value follows a property, e.g. Things(1)/name/$value.")
            if segment == "$ref" and (path.prop is not None or not steps):
                raise ODataError("$ref follows an entity or a collection.")
            path.value, path.ref = segment == "$value", segment == "$ref"
            continue
        if path.prop is not None:
            raise ODataError(f"'{segment}' cannot follow the property '{path.prop.name}'.")
        match = _SEGMENT.match(segment)
        if not match:
            raise ODataError(f"'{segment[:80]}' is not a resource path segment.")
        name, ident = match.group(1), match.group(2)
        if not steps:
            if name not in BY_SET:
                raise ODataError(
                    f"Unknown entity set '{name}'. Sets: {', '.join(BY_SET)}.", status=404
                )
            steps.append(Step(BY_SET[name], int(ident) if ident else None))
            continue
        current = steps[-1]
        if current.id is None and (current.nav is None or current.nav.many):
            raise ODataError(f"'{name}' must follow one entity, e.g. {current.etype.set}(1).")
        if name in current.etype.nav_by_name:
            nav = current.etype.nav_by_name[name]
            if ident and not nav.many:
                raise ODataError(f"'{name}' is one entity and takes no id.")
            steps.append(Step(TYPES[nav.target], int(ident) if ident else None, nav))
        elif name in current.etype.prop_by_name and not ident:
            path.prop = current.etype.prop_by_name[name]
        else:
            raise ODataError(
                f"{current.etype.name} has no property or navigation '{name}'.", status=404
            )
    return path


@dataclass
class Options:
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    select: list[str] | None = None  # property and navigation names; None: all
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    expand: list["Expand"] = field(default_factory=list)
    filter: str | None = None
    result_format: str | None = None
    top_given: bool = False


@dataclass
class Expand:
    nav: Nav
    options: Options


NOT_IMPLEMENTED = ("$search", "$format", "$levels", "$apply", "$compute", "$index")
KNOWN = ("$top", "$skip", "$count", "$select", "$orderby", "$expand", "$filter", "$resultFormat")


def parse_options(etype: EntityType, params, depth: int = 0) -> Options:
    """Query options for ``etype`` from a mapping of option name to text."""
    if depth > MAX_EXPAND_DEPTH:
        raise ODataError(f"$expand is nested at most {MAX_EXPAND_DEPTH} levels deep.")
    options = Options()
    for key in params:
        if key in NOT_IMPLEMENTED:
            # OGC 18-088 Req request-data/query-status-code: known but not offered.
            raise ODataError(f"The query option {key} is not implemented here.", 501)
        if key.startswith("$") and key not in KNOWN:
            raise ODataError(f"Unknown query option '{key[:40]}'. Options: {', '.join(KNOWN)}.")
    if "$top" in params:
        options.top = _integer(params["$top"], "$top")
        options.top_given = True
        if options.top > MAX_TOP:
            raise ODataError(f"$top is at most {MAX_TOP}.")
    if "$skip" in params:
        options.skip = _integer(params["$skip"], "$skip")
    if "$count" in params:
        text = params["$count"].strip().lower()
        if text not in ("true", "false"):
            raise ODataError("$count is true or false.")
        options.count = text == "true"
    if "$select" in params:
        names = [n.strip() for n in params["$select"].split(",") if n.strip()]
        if not names:
            raise ODataError("$select names no property.")
        for n in names:
            if n != "id" and n not in etype.prop_by_name and n not in etype.nav_by_name:
                raise ODataError(f"$select: {etype.name} has no property '{n[:60]}'.")
        options.select = names
    if "$orderby" in params:
        options.orderby = _orderby(etype, params["$orderby"])
    if "$expand" in params:
        options.expand = _merged(
            [_expand(etype, item, depth + 1) for item in _split(params["$expand"], ",")]
        )
    if "$filter" in params:
        options.filter = params["$filter"]
    if "$resultFormat" in params:
        if params["$resultFormat"] != "dataArray":
            raise ODataError("$resultFormat takes dataArray.")
        options.result_format = "dataArray"
    return options


def _integer(text: str, name: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 9:
        raise ODataError(f"{name} is a whole number from 0.")
    return int(text)


def _orderby(etype: EntityType, text: str) -> list[tuple[str, bool]]:
    out = []
    for item in _split(text, ","):
        parts = item.split()
        if len(parts) == 2:  # FROST's clients send ASC and DESC
            parts[1] = parts[1].lower()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("asc", "desc")):
            raise ODataError(f"$orderby: '{item[:60]}' is 'property [asc|desc]'.")
        name = parts[0]
        if name != "id" and name not in etype.prop_by_name:
            raise ODataError(f"$orderby: {etype.name} has no property '{name[:60]}'.")
        out.append((name, len(parts) == 2 and parts[1] == "desc"))
    return out


def _expand(etype: EntityType, item: str, depth: int) -> Expand:
    if depth > MAX_EXPAND_DEPTH:
        raise ODataError(f"$expand is nested at most {MAX_EXPAND_DEPTH} levels deep.")
    item = item.strip()
    if "/" in item.split("(", 1)[0]:  # Datastreams/Observations: one level after another
        head, rest = item.split("/", 1)
        nav = _nav(etype, head)
        return Expand(nav, Options(expand=[_expand(TYPES[nav.target], rest, depth + 1)]))
    match = re.match(r"^([A-Za-z]+)(?:\((.*)\))?$", item, re.S)
    if not match:
        raise ODataError(f"$expand: '{item[:60]}' is not a navigation property.")
    nav = _nav(etype, match.group(1))
    params = {}
    for part in _split(match.group(2) or "", ";"):
        key, sep, value = part.partition("=")
        if not sep:
            raise ODataError(f"$expand: '{part[:60]}' is not an option such as $top=1.")
        params[key.strip()] = value
    return Expand(nav, parse_options(TYPES[nav.target], params, depth))


def _merged(expands: list[Expand]) -> list[Expand]:
    """One expansion per navigation property: ``Datastreams/Sensor,Datastreams/
    ObservedProperty`` is one, with both inside; the same one with other options is
    a question with two answers."""
    out: dict[str, Expand] = {}
    for item in expands:
        first = out.setdefault(item.nav.name, item)
        if first is item:
            continue
        if replace(first.options, expand=[]) != replace(item.options, expand=[]):
            raise ODataError(f"$expand: {item.nav.name} is expanded twice with different options.")
        first.options.expand = _merged(first.options.expand + item.options.expand)
    return list(out.values())


def _nav(etype: EntityType, name: str) -> Nav:
    nav = etype.nav_by_name.get(name)
    if nav is None:
        raise ODataError(f"$expand: {etype.name} has no navigation property '{name[:60]}'.")
    return nav


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quote = not quote
        elif quote:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ODataError("Unbalanced parentheses in a query option.")
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        raise ODataError("Unbalanced parentheses or quotes in a query option.")
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def entities_per(options: Options) -> int:
    """Return the most entities one entity with these expansions can bring (itself included)."""
    total = 1
    for exp in options.expand:
        total += (exp.options.top if exp.nav.many else 1) * entities_per(exp.options)
    return total
