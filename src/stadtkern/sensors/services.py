"""Writes of the SensorThings service (OGC 18-088, 10): create with deep insert and links,
update by PATCH, PUT and JSON Patch, delete with the standard's cascades, and the
dataArray extension's CreateObservations.

Every write runs in one transaction: a deep insert that fails half-way leaves nothing.
Writes need a machine token; what it creates belongs to the token's municipality, it
links only to entities of that municipality, and a token scoped to datastreams writes
only Observations into those.
"""

import json
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from types import SimpleNamespace

import jsonpatch
import shapely
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from stadtkern.core.pagecache import READINGS

from .entities import INTERVAL, JSON, RESULT, TIME, TYPES, EntityType, Prop, value_of
from .models import (
    OBSERVATION_TYPES,
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    MachineToken,
    Observation,
)
from .odata import ODataError

MAX_DATA_ARRAY = 100_000  # observations in one CreateObservations request
GEO_ENCODINGS = ("application/geo+json", "application/vnd.geo+json", "application/json")
# Keys a client may send back unchanged from what it read; they are not properties.
_ANNOTATION = ("@iot.selfLink", "@iot.navigationLink", "@iot.count", "@iot.nextLink")


class Forbidden(ODataError):
    def __init__(self, message: str):
        super().__init__(message, status=403)


@dataclass
class Context:
    """Who writes: a municipality, through a token (HTTP) or the broker (MQTT, whose
    access control has let the message through), and the datastreams it may write."""

    municipality_id: int
    token: MachineToken | None = None
    scope: set[int] | None = None  # datastream ids, None: the whole municipality
    changed: list = field(default_factory=list)  # (event, entity type, object) for MQTT
    touched: set[int] = field(default_factory=set)  # datastreams whose observations changed

    @classmethod
    def of(cls, token: MachineToken | None) -> "Context":
        if token is None:
            raise ODataError(
                "Writing needs a machine token (Authorization: Bearer skm_...).", status=401
            )
        if not token.limited:  # set whenever a token is given datastreams (migration 0005)
            return cls(token.municipality_id, token, None)
        scope = set(token.datastreams.values_list("pk", flat=True))
        return cls(token.municipality_id, token, scope)

    def may_create(self, etype: EntityType) -> None:
        if self.scope is not None and etype.name not in ("Observation", "FeatureOfInterest"):
            raise Forbidden(
                f"This token writes Observations only; it cannot create a {etype.name}."
            )


def owner_id(etype: EntityType, obj) -> int:
    if etype.name == "Observation":
        return obj.datastream.municipality_id
    return obj.municipality_id


def check_owner(ctx: Context, etype: EntityType, obj) -> None:
    if owner_id(etype, obj) != ctx.municipality_id:
        raise Forbidden(f"{etype.name} {obj.pk} belongs to another municipality.")
    if ctx.scope is not None:
        ds = obj.datastream_id if etype.name == "Observation" else None
        if ds is None or ds not in ctx.scope:
            raise Forbidden(f"This token may not change {etype.name} {obj.pk}.")


def check_parent(ctx: Context, etype: EntityType, obj) -> None:
    """The entity a POST to a navigation path writes under (``FeaturesOfInterest(1)/
    Observations``): always the caller's municipality's; for a token limited to some
    datastreams, a Datastream only if it is one of them."""
    if owner_id(etype, obj) != ctx.municipality_id:
        raise Forbidden(f"{etype.name} {obj.pk} belongs to another municipality.")
    if ctx.scope is not None and etype.name == "Datastream" and obj.pk not in ctx.scope:
        raise Forbidden(f"This token may not write into Datastream {obj.pk}.")


# --- property values -----------------------------------------------------------------------


def parse_time(text, name: str) -> datetime:
    if not isinstance(text, str):
        raise ODataError(f"{name} is a date and time in ISO 8601, e.g. 2024-05-01T12:00:00Z.")
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ODataError(f"{name}: '{text[:60]}' is not an ISO 8601 date and time.") from None
    if value.tzinfo is None:
        raise ODataError(
            f"{name}: '{text[:60]}' has no time zone; add Z or an offset such as +01:00."
        )
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        value = None
    if value is None or not 1 <= value.year <= 9998:
        raise ODataError(f"{name}: '{text[:60]}' lies outside the years 1 to 9998.")
    return value


def parse_interval(text, name: str) -> tuple[datetime, datetime | None]:
    if isinstance(text, str) and "/" in text:
        start, _sep, end = text.partition("/")
        a, b = parse_time(start, name), parse_time(end, name)
        if b < a:
            raise ODataError(f"{name}: the interval ends before it starts.")
        return a, b
    return parse_time(text, name), None


def _geometry(value, name: str) -> None:
    import json

    geom = (
        value.get("geometry")
        if isinstance(value, dict) and value.get("type") == "Feature"
        else value
    )
    try:
        if not isinstance(geom, dict):
            raise ValueError
        shapely.from_geojson(json.dumps(geom))
    except (ValueError, TypeError, shapely.errors.GEOSException):
        raise ODataError(f"{name} is not a GeoJSON geometry or feature.") from None


def _check_result(datastream: Datastream, value) -> None:
    kind = OBSERVATION_TYPES.get(datastream.observation_type, "any")
    ok = {
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "integer": isinstance(value, int)
        and not isinstance(value, bool)
        or (isinstance(value, float) and value.is_integer()),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "any": True,
    }[kind]
    if not ok:
        kind_name = datastream.observation_type.rsplit("/", 1)[-1]
        raise ODataError(
            f"Datastream {datastream.pk} takes {kind_name} results ({kind}); "
            f"{_json_type(value)} {str(value)[:40]} is not one."
        )


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "object" if isinstance(value, dict) else "array"


def _unstorable_text(value) -> str | None:
    """A text inside a JSON value that no database column can hold (NUL, or a lone
    surrogate that is no UTF-8), as a reason; None if all is well. Iterative, so that
    deep nesting cannot exhaust the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "contains a NUL character"
            try:
                item.encode()
            except UnicodeEncodeError:
                return "contains text that is not Unicode (a lone surrogate)"
    return None


def set_property(obj, etype: EntityType, prop: Prop, value) -> None:
    """Check a property's JSON value and store it on the model instance."""
    name = f"{etype.name}.{prop.name}"
    if value is None:
        if prop.required and prop.kind != RESULT:
            raise ODataError(f"{name} must not be null.")
        if prop.kind == INTERVAL:
            setattr(obj, prop.end, None)
        if prop.kind == RESULT:
            obj.result_number, obj.result_json = None, None
            return
        setattr(obj, prop.field, None if prop.field not in ("description", "metadata") else "")
        return
    if prop.kind == TIME:
        setattr(obj, prop.field, parse_time(value, name))
    elif prop.kind == INTERVAL:
        start, end = parse_interval(value, name)
        setattr(obj, prop.field, start)
        setattr(obj, prop.end, end)
    elif prop.kind == RESULT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                raise ODataError(f"{name} must be a finite number.")
            obj.result_number, obj.result_json = float(value), None
        else:
            reason = _unstorable_text(value)
            if reason:
                raise ODataError(f"{name} {reason}.")
            obj.result_number, obj.result_json = None, value
    elif prop.kind == JSON:
        reason = _unstorable_text(value)
        if reason:
            raise ODataError(f"{name} {reason}.")
        if prop.name in ("properties", "parameters", "unitOfMeasurement") and not isinstance(
            value, dict
        ):
            raise ODataError(f"{name} is a JSON object.")
        if prop.name in ("location", "feature", "observedArea"):
            _geometry(value, name)
        if prop.name == "unitOfMeasurement":
            extra = set(value) - {"name", "symbol", "definition"}
            if extra:
                raise ODataError(
                    f"{name} has name, symbol and definition, not {sorted(extra)[0][:40]}."
                )
        setattr(obj, prop.field, value)
    else:
        if not isinstance(value, str):
            raise ODataError(f"{name} is text.")
        limit = obj._meta.get_field(prop.field).max_length
        if limit and len(value) > limit:
            raise ODataError(f"{name} is longer than {limit} characters.")
        if "\x00" in value:
            raise ODataError(f"{name} contains a NUL character.")
        if prop.name == "observationType" and value not in OBSERVATION_TYPES:
            raise ODataError(f"{name} is one of: {', '.join(OBSERVATION_TYPES)}.")
        if (
            prop.name == "encodingType"
            and etype.name in ("Location", "FeatureOfInterest")
            and value not in GEO_ENCODINGS
        ):
            raise ODataError(f"{name} is application/geo+json.")
        setattr(obj, prop.field, value)


def _split_body(etype: EntityType, data) -> tuple[dict, dict]:
    """A request body's properties and navigation values; unknown keys are refused."""
    if not isinstance(data, dict):
        raise ODataError(f"A {etype.name} is a JSON object.")
    props, navs = {}, {}
    for key, value in data.items():
        if key in etype.prop_by_name:
            props[key] = value
        elif key in etype.nav_by_name:
            navs[key] = value
        elif key == "@iot.id" or key.endswith(_ANNOTATION):
            continue
        else:
            raise ODataError(f"{etype.name} has no property '{str(key)[:60]}'.")
    return props, navs


# --- create --------------------------------------------------------------------------------


def _relation(etype: EntityType, nav_name: str):
    """The Django field behind a navigation property."""
    return etype.model._meta.get_field(etype.nav_by_name[nav_name].field)


def _link(ctx: Context, etype: EntityType, value, where: str):
    """The existing entity a ``{"@iot.id": n}`` names, if it is one of the caller's."""
    ident = value.get("@iot.id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        raise ODataError(f"{where}: @iot.id is a whole number.")
    qs = etype.model.objects.all()
    if etype.name == "Observation":
        qs = qs.select_related("datastream").filter(datastream__municipality_id=ctx.municipality_id)
    else:
        qs = qs.filter(municipality_id=ctx.municipality_id)
    obj = qs.filter(pk=ident).first()
    if obj is None:
        raise ODataError(f"{where}: {etype.name} {ident} does not exist.")
    if etype.name == "Datastream" and ctx.scope is not None and obj.pk not in ctx.scope:
        # every way of linking to it (create, PATCH, PUT, $batch): a limited token
        # writes into its own datastreams only
        raise Forbidden(f"{where}: this token may not write into Datastream {obj.pk}.")
    return obj


def _related(ctx: Context, etype: EntityType, value, where: str):
    """A linked or a newly created entity for a navigation value."""
    if isinstance(value, dict) and "@iot.id" in value:
        return _link(ctx, etype, value, where)
    return create(ctx, etype, value)


def create(ctx: Context, etype: EntityType, data, parent=None, noted: bool = False):
    """Create an entity and what it contains (deep insert). ``parent`` is
    ``(entity type, object, navigation name)`` when posting to a navigation path; an
    Observation created ``noted`` is noted in its datastream as it is inserted."""
    ctx.may_create(etype)
    props, navs = _split_body(etype, data)
    obj = etype.model()
    if etype.name != "Observation":
        obj.municipality_id = ctx.municipality_id
    later = []  # (navigation name, values) of to-many navigations, set after saving
    parent_field = None
    if parent is not None:
        ptype, pobj, pnav = parent
        rel = _relation(ptype, pnav)
        if rel.one_to_many:
            parent_field = rel.field.name
            setattr(obj, parent_field, pobj)
    for nav in etype.navs:
        if nav.many:
            if nav.name in navs:
                if not isinstance(navs[nav.name], list):
                    raise ODataError(f"{etype.name}.{nav.name} is a JSON array.")
                later.append((nav, navs[nav.name]))
            continue
        if nav.field == parent_field:
            if nav.name in navs:
                raise ODataError(f"{etype.name}.{nav.name} is given by the path already.")
            continue
        if nav.name in navs:
            target = TYPES[nav.target]
            setattr(
                obj, nav.field, _related(ctx, target, navs[nav.name], f"{etype.name}.{nav.name}")
            )
    for prop in etype.props:
        if prop.name in props:
            set_property(obj, etype, prop, props[prop.name])
        elif prop.required and not (etype.name == "Observation" and prop.name == "result"):
            raise ODataError(f"A {etype.name} needs {prop.name}.")
    if etype.name == "Observation":
        _prepare_observation(ctx, obj, props)
    else:
        for nav in etype.navs:
            if not nav.many and getattr(obj, f"{nav.field}_id", None) is None:
                raise ODataError(
                    f'A {etype.name} needs {nav.name}, e.g. "{nav.name}": {{"@iot.id": 1}}.'
                )
    if noted:
        insert_noted_observation(obj)
    else:
        obj.save()
    ctx.changed.append(("create", etype, obj))
    if parent is not None and parent_field is None:  # many-to-many: link to the parent
        getattr(pobj, ptype.nav_by_name[pnav].field).add(obj)
    locations_added = []
    for nav, values in later:
        target = TYPES[nav.target]
        rel = etype.model._meta.get_field(nav.field)
        for i, value in enumerate(values):
            where = f"{etype.name}.{nav.name}[{i}]"
            if rel.one_to_many:
                if isinstance(value, dict) and "@iot.id" in value:
                    raise ODataError(
                        f"{where}: a {target.name} belongs to one {etype.name} and cannot be linked; create it here."
                    )
                create(ctx, target, value, parent=(etype, obj, nav.name))
            else:
                other = _related(ctx, target, value, where)
                getattr(obj, nav.field).add(other)
                if etype.name == "Thing" and nav.name == "Locations":
                    locations_added.append(other)
                if etype.name == "Location" and nav.name == "Things":
                    _history(ctx, other, [obj])
    if locations_added:
        _history(ctx, obj, locations_added)
    if parent is not None and etype.name == "Location" and parent[0].name == "Thing":
        _history(ctx, parent[1], [obj])
    if etype.name == "Observation" and not noted:
        ctx.touched.add(obj.datastream_id)
    return obj


def _history(ctx: Context, thing, locations) -> None:
    """A Thing's new locations are recorded as a HistoricalLocation (10.2.1.1)."""
    hist = HistoricalLocation.objects.create(
        municipality_id=thing.municipality_id, thing=thing, time=timezone.now()
    )
    hist.locations.set(locations)
    ctx.changed.append(("create", TYPES["HistoricalLocation"], hist))


def _prepare_observation(ctx: Context, obs: Observation, props: dict) -> None:
    if obs.datastream_id is None:
        raise ODataError('An Observation needs its Datastream, e.g. "Datastream": {"@iot.id": 1}.')
    ds = obs.datastream
    if ds.municipality_id != ctx.municipality_id:
        raise ODataError(f"Datastream {ds.pk} does not exist.")
    if ctx.scope is not None and ds.pk not in ctx.scope:
        raise Forbidden(f"This token may not write into Datastream {ds.pk}.")
    if "result" not in props:
        raise ODataError("An Observation needs a result.")
    _check_result(ds, props["result"])
    if "phenomenonTime" not in props or props["phenomenonTime"] is None:
        obs.phenomenon_time = timezone.now()
    if obs.feature_of_interest_id is None:
        found = newest_feature_id(ds.pk, hold=True)
        if found is not None:  # found and held in one statement: every reading but the first
            obs.feature_of_interest_id = found
            return
        obs.feature_of_interest_id = feature_for(ctx, ds).pk
    hold_references([obs.datastream_id], [obs.feature_of_interest_id])


def feature_id_for(ctx: Context, ds: Datastream) -> int:
    """The id of feature_for's feature in one query when it exists (every reading after a
    location's first)."""
    found = newest_feature_id(ds.pk)
    return found if found is not None else feature_for(ctx, ds).pk


def newest_feature_id(datastream_id: int, hold: bool = False) -> int | None:
    """The id of the feature made from the newest location of the datastream's Thing, in
    one statement; None if the datastream is gone or that feature is not made yet. With
    ``hold``, the datastream and the feature are held as hold_references holds them."""
    sql = (
        "SELECT f.id FROM sensors_datastream d JOIN sensors_featureofinterest f"
        " ON f.from_location_id = (SELECT tl.location_id FROM sensors_thing_locations tl"
        " WHERE tl.thing_id = d.thing_id ORDER BY tl.location_id DESC LIMIT 1) WHERE d.id = %s"
    )
    if hold and connection.vendor == "postgresql":
        sql += " FOR KEY SHARE"
    with connection.cursor() as cur:
        cur.execute(sql, [datastream_id])
        row = cur.fetchone()
    return row[0] if row else None


def feature_for(ctx: Context, ds: Datastream) -> FeatureOfInterest:
    """The FeatureOfInterest of an Observation that names none: its Thing's location
    (10.2.1.2), one feature per location, made the first time it is needed."""
    location = ds.thing.locations.order_by("-pk").first()
    if location is None:
        raise ODataError(
            f"The Observation names no FeatureOfInterest and the Thing of Datastream {ds.pk} has no Location to take it from."
        )
    foi = FeatureOfInterest.objects.filter(from_location=location).first()
    if foi is None:
        foi = FeatureOfInterest.objects.create(
            municipality_id=location.municipality_id,
            name=location.name,
            description=location.description,
            encoding_type=location.encoding_type,
            feature=location.location,
            from_location=location,
        )
        ctx.changed.append(("create", TYPES["FeatureOfInterest"], foi))
    return foi


# --- summaries of datastreams -------------------------------------------------------------


def refresh_datastreams(ids) -> None:
    """Recompute the time spans and the latest observation of datastreams."""
    for ds_id in ids:
        qs = Observation.objects.filter(datastream_id=ds_id)
        agg = qs.aggregate(
            p0=Min("phenomenon_time"), p1=Max("phenomenon_time"), pe=Max("phenomenon_time_end"),
            r0=Min("result_time"), r1=Max("result_time"),
        )  # fmt: skip
        latest = (
            qs.order_by("-phenomenon_time", "-pk")
            .values_list("pk", "phenomenon_time", "result_number", "result_json")
            .first()
        ) or (None, None, None, None)
        end = max((t for t in (agg["p1"], agg["pe"]) if t is not None), default=None)
        Datastream.objects.filter(pk=ds_id).update(
            phenomenon_time_start=agg["p0"], phenomenon_time_end=end,
            result_time_start=agg["r0"], result_time_end=agg["r1"], latest_id=latest[0],
            latest_time=latest[1], latest_result_number=latest[2], latest_result_json=latest[3],
            observation_count=qs.count(),
        )  # fmt: skip


def note_new_observations(rows: dict[int, list]) -> None:
    """Extend the spans and move the latest observation after inserts, without scanning
    and without reading the datastreams first: one UPDATE per datastream, sent together,
    that compares the new values with the stored ones in the database. Two writers to one
    datastream at once therefore cannot undo each other's latest value (a read in Python
    and a write back could)."""
    by_sql: dict[str, list] = {}
    for ds_id, observations in rows.items():
        newest = max(observations, key=_time_and_pk)
        clauses, params = _noting(observations, newest, newest.pk)
        # Marked as readings: they change no page's data version (core/pagecache.py).
        sql = f"{READINGS} UPDATE sensors_datastream SET {clauses} WHERE id = %s"  # noqa: S608 (our columns)
        by_sql.setdefault(sql, []).append([*params, ds_id])
    with connection.cursor() as cur:
        for sql, param_rows in by_sql.items():
            cur.executemany(sql, param_rows)


def _noting(observations: list, newest, newest_id) -> tuple[str, list]:
    """The SET clauses of note_new_observations for one datastream and their parameters;
    ``newest_id`` is the newest's id, or "NEW" where the statement inserts it."""
    adapt = connection.ops.adapt_datetimefield_value
    as_json = Datastream._meta.get_field("latest_result_json").get_db_prep_value
    starts = list(map(_start, observations))
    # The latest end of (end or start) of each: ends are never before their starts.
    ends = [t for t in map(_end, observations) if t is not None]
    results = [t for t in map(_result_time, observations) if t is not None]
    first, last = adapt(min(starts)), adapt(max([*starts, *ends]))
    new_id = "(SELECT id FROM new)" if newest_id == "NEW" else "%s"
    newer = (
        f"(latest_id IS NULL OR latest_time < %s OR (latest_time = %s AND latest_id < {new_id}))"
    )
    when = [adapt(newest.phenomenon_time), adapt(newest.phenomenon_time)]
    when += [] if newest_id == "NEW" else [newest_id]
    sets = [("phenomenon_time_start", "<", first), ("phenomenon_time_end", ">", last)]
    if results:
        sets += [
            ("result_time_start", "<", adapt(min(results))),
            ("result_time_end", ">", adapt(max(results))),
        ]
    clauses, params = [], []
    for column, beyond, value in sets:
        clauses.append(
            f"{column} = CASE WHEN {column} IS NULL OR %s {beyond} {column} THEN %s ELSE {column} END"
        )
        params += [value, value]
    for column, value in (
        ("latest_result_number", newest.result_number),
        ("latest_result_json", as_json(newest.result_json, connection)),
        ("latest_time", adapt(newest.phenomenon_time)),
    ):
        clauses.append(f"{column} = CASE WHEN {newer} THEN %s ELSE {column} END")
        params += [*when, value]
    clauses.append(f"latest_id = CASE WHEN {newer} THEN {new_id} ELSE latest_id END")
    params += when + ([] if newest_id == "NEW" else [newest_id])
    clauses.append("observation_count = observation_count + %s")
    params.append(len(observations))
    return ", ".join(clauses), params


_JSON_FIELDS = [
    Observation._meta.get_field(n) for n in ("result_json", "result_quality", "parameters")
]


def insert_noted_observation(obs: Observation) -> None:
    """Insert one Observation and note it in its datastream (note_new_observations) in
    one statement, one round trip to PostgreSQL; the UPDATE sees the new row's id.

    The JSON values come back as stored: jsonb keeps numbers as decimals (1e308 becomes
    an integer of 309 digits, -0.0 becomes 0), and the answer must be what a GET shows."""
    fields = [f for f in Observation._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obs, True), connection) for f in fields]
    clauses, params = _noting([obs], obs, "NEW")
    stored = ", ".join(f.column for f in _JSON_FIELDS)
    sql = (
        f"{READINGS} WITH new AS (INSERT INTO sensors_observation ({', '.join(f.column for f in fields)})"  # noqa: S608 (our columns)
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id, {stored}),"
        f" noted AS (UPDATE sensors_datastream SET {clauses} WHERE id = %s)"
        f" SELECT id, {stored} FROM new"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*values, *params, obs.datastream_id])
        obs.pk, *json_values = cur.fetchone()
    for json_field, value in zip(_JSON_FIELDS, json_values, strict=True):
        setattr(obs, json_field.attname, json_field.from_db_value(value, None, connection))
    obs._state.adding = False
    obs._state.db = connection.alias


_time_and_pk = attrgetter("phenomenon_time", "pk")
_start = attrgetter("phenomenon_time")
_end = attrgetter("phenomenon_time_end")
_result_time = attrgetter("result_time")


# No savepoint of its own: a request is one transaction already, and a batch gives each
# of its requests a savepoint (views._batch_one).
@transaction.atomic(savepoint=False)
def create_entity(ctx: Context, etype: EntityType, data, parent=None):
    # The usual request, one reading: on PostgreSQL inserted and noted in one statement.
    noted = etype.name == "Observation" and connection.vendor == "postgresql"
    obj = create(ctx, etype, data, parent, noted=noted)
    _finish(ctx)
    return obj


def _finish(ctx: Context) -> None:
    if ctx.touched:
        created = {}
        for event, etype, obj in ctx.changed:
            if event == "create" and etype.name == "Observation" and not isinstance(obj, list):
                created.setdefault(obj.datastream_id, []).append(obj)
        if (
            created
            and set(created) == ctx.touched
            and not any(e != "create" for e, t, _ in ctx.changed if t.name == "Observation")
        ):
            note_new_observations(created)
        else:
            refresh_datastreams(ctx.touched)
        ctx.touched.clear()


# --- update and delete -----------------------------------------------------------------


def entity_json_props(etype: EntityType, obj) -> dict:
    return {p.name: value_of(obj, p) for p in etype.props}


@transaction.atomic
def update_entity(ctx: Context, etype: EntityType, obj, data, *, replace: bool = False, patch=None):
    """PATCH (``data`` holds what changes), PUT (``replace``: what is not given returns
    to its default) or JSON Patch (``patch``: RFC 6902 operations on the properties)."""
    check_owner(ctx, etype, obj)
    if patch is not None:
        if not isinstance(patch, list):
            raise ODataError("A JSON Patch is a JSON array of operations.")
        before = entity_json_props(etype, obj)
        try:
            after = jsonpatch.apply_patch(before, patch)
        except (
            jsonpatch.JsonPatchException,
            jsonpatch.JsonPointerException,
            TypeError,
            KeyError,
        ) as exc:
            raise ODataError(f"The JSON Patch cannot be applied: {str(exc)[:200]}") from None
        if not isinstance(after, dict):
            raise ODataError("The JSON Patch must leave an object.")
        for key in after:
            if key not in etype.prop_by_name:
                raise ODataError(f"{etype.name} has no property '{str(key)[:60]}'.")
        data = {k: v for k, v in after.items() if before.get(k, object()) != v}
        data.update({k: None for k in before if k not in after})
    props, navs = _split_body(etype, data)
    if replace:
        for prop in etype.props:
            if prop.name not in props:
                if prop.required:
                    raise ODataError(
                        f"PUT replaces the whole {etype.name}; {prop.name} is missing."
                    )
                props[prop.name] = None
    for name, value in props.items():
        set_property(obj, etype, etype.prop_by_name[name], value)
    if etype.name == "Observation" and "result" in props:
        _check_result(obj.datastream, props["result"])
    new_locations = None
    for name, value in navs.items():
        nav = etype.nav_by_name[name]
        target = TYPES[nav.target]
        if nav.many:
            if etype.name == "Thing" and name == "Locations" and isinstance(value, list):
                new_locations = []
                for i, v in enumerate(value):
                    where = f"Thing.Locations[{i}]"
                    if not isinstance(v, dict) or "@iot.id" not in v:
                        raise ODataError(
                            f'{where}: an update links Locations by {{"@iot.id": n}}; '
                            f"new ones are created with POST to Things({obj.pk})/Locations."
                        )
                    new_locations.append(_link(ctx, target, v, where))
                continue
            raise ODataError(
                f"{etype.name}.{name} cannot be changed here; POST to {etype.set}({obj.pk})/{name}."
            )
        if not isinstance(value, dict) or "@iot.id" not in value:
            raise ODataError(f'{etype.name}.{name} is changed by a link, e.g. {{"@iot.id": 1}}.')
        other = _link(ctx, target, value, f"{etype.name}.{name}")
        if etype.name == "Observation" and name == "Datastream":
            ctx.touched.add(obj.datastream_id)
            _check_result(other, obj.result)
        setattr(obj, nav.field, other)
    if etype.name == "Observation":
        hold_references([obj.datastream_id], [obj.feature_of_interest_id])
    obj.save()
    if new_locations is not None:
        obj.locations.set(new_locations)
        _history(ctx, obj, new_locations)
    if etype.name == "Observation":
        ctx.touched.add(obj.datastream_id)
        ctx.changed.append(("update", etype, obj))
        refresh_datastreams(ctx.touched)
        ctx.touched.clear()
    else:
        ctx.changed.append(("update", etype, obj))
    return obj


@transaction.atomic
def delete_entity(ctx: Context, etype: EntityType, obj) -> None:
    """Delete with the standard's cascades (10.4): a Thing takes its Datastreams and
    HistoricalLocations, a Datastream, Sensor or ObservedProperty its Datastreams and
    their Observations, a FeatureOfInterest its Observations, a Location the
    HistoricalLocations that are left without a location."""
    check_owner(ctx, etype, obj)
    if etype.name == "FeatureOfInterest":
        # Waits for writers holding it (hold_references), and keeps new ones out.
        list(FeatureOfInterest.objects.select_for_update().filter(pk=obj.pk))
    touched = set()
    if etype.name == "Observation":
        touched.add(obj.datastream_id)
    if etype.name == "FeatureOfInterest":
        touched.update(obj.observations.values_list("datastream_id", flat=True).distinct())
    history = []
    if etype.name == "Location":
        history = list(obj.historical_locations.values_list("pk", flat=True))
    if etype.name in ("Datastream", "Thing", "Sensor", "ObservedProperty"):
        # Observations first: one bulk delete instead of Django's cascade in memory.
        streams = Datastream.objects.filter(**{
            "Datastream": {"pk": obj.pk}, "Thing": {"thing": obj}, "Sensor": {"sensor": obj},
            "ObservedProperty": {"observed_property": obj},
        }[etype.name])  # fmt: skip
        # Locked first: writers holding them finish before their observations are
        # deleted, and later ones find them gone (hold_references).
        list(streams.select_for_update().order_by("pk").values_list("pk", flat=True))
        Datastream.objects.filter(pk__in=streams).update(
            latest=None, latest_time=None, latest_result_number=None, latest_result_json=None,
            observation_count=0,
        )  # fmt: skip
        Observation.objects.filter(datastream__in=streams)._raw_delete(Observation.objects.db)
    obj.delete()
    if history:
        HistoricalLocation.objects.filter(pk__in=history, locations__isnull=True).delete()
    refresh_datastreams(touched)
    ctx.changed.append(("delete", etype, obj))


# --- dataArray -----------------------------------------------------------------------------

_COMPONENTS = {"phenomenonTime", "resultTime", "result", "resultQuality", "validTime",
               "parameters", "FeatureOfInterest/id"}  # fmt: skip


@transaction.atomic
def create_observations(ctx: Context, body) -> list[list[int]]:
    """The dataArray extension's CreateObservations (14.4): all rows are checked first,
    then written in bulk; one bad row refuses the whole request with its position."""
    if not isinstance(body, list):
        raise ODataError(
            "CreateObservations takes a JSON array of {Datastream, components, dataArray}."
        )
    total = 0
    plans = []
    for i, group in enumerate(body):
        where = f"[{i}]"
        if not isinstance(group, dict):
            raise ODataError(f"{where} is a JSON object.")
        extra = set(group) - {"Datastream", "components", "dataArray", "dataArray@iot.count"}
        if extra:
            raise ODataError(f"{where}: unknown member '{sorted(extra)[0][:40]}'.")
        ds_ref = group.get("Datastream")
        if not isinstance(ds_ref, dict) or "@iot.id" not in ds_ref:
            raise ODataError(f'{where}: Datastream is {{"@iot.id": n}}.')
        ds = _link(ctx, TYPES["Datastream"], ds_ref, f"{where}.Datastream")
        if ctx.scope is not None and ds.pk not in ctx.scope:
            raise Forbidden(f"This token may not write into Datastream {ds.pk}.")
        components = group.get("components")
        if not isinstance(components, list) or not components:
            raise ODataError(f"{where}: components is a non-empty JSON array of names.")
        for c in components:
            if c not in _COMPONENTS:
                raise ODataError(
                    f"{where}: unknown component '{str(c)[:40]}'. Components: {', '.join(sorted(_COMPONENTS))}."
                )
        if len(set(components)) != len(components) or "result" not in components:
            raise ODataError(f"{where}: components name result once, and each name once.")
        rows = group.get("dataArray")
        if not isinstance(rows, list):
            raise ODataError(f"{where}: dataArray is a JSON array of rows.")
        total += len(rows)
        if total > MAX_DATA_ARRAY:
            raise ODataError(
                f"CreateObservations takes at most {MAX_DATA_ARRAY} observations per request.",
                status=413,
            )
        plans.append((ds, components, rows))
    out, rows_all = [], []
    features: dict = {}
    for gi, (ds, components, rows) in enumerate(plans):
        parse = _row_parser(ds, components)
        index = {c: k for k, c in enumerate(components)}
        default_foi = None
        group = []
        for ri, row in enumerate(rows):
            try:
                values = parse(row)
            except ODataError as exc:
                raise ODataError(f"[{gi}].dataArray[{ri}]: {exc}", status=exc.status) from None
            if "FeatureOfInterest/id" in index:
                fid = row[index["FeatureOfInterest/id"]]
                key = ("link", fid)
                if key not in features:
                    where = f"[{gi}].dataArray[{ri}].FeatureOfInterest/id"
                    features[key] = _link(
                        ctx, TYPES["FeatureOfInterest"], {"@iot.id": fid}, where
                    ).pk
                values[1] = features[key]
            else:
                if default_foi is None:
                    default_foi = feature_id_for(ctx, ds)
                values[1] = default_foi
            group.append(tuple(values))
        rows_all.extend(group)
        out.append(len(group))
    ids = insert_observations(rows_all)
    _note_rows(ctx, rows_all, ids)
    grouped, start = [], 0
    for n in out:
        grouped.append(ids[start : start + n])
        start += n
    return grouped


# Columns of a row for insert_observations, in this order.
OBS_COLUMNS = ["datastream_id", "feature_of_interest_id", "phenomenon_time", "phenomenon_time_end",
               "result_time", "result_number", "result_json", "result_quality", "valid_time_start",
               "valid_time_end", "parameters"]  # fmt: skip
_JSON_COLUMNS = {6, 7, 10}
Seen = namedtuple(
    "Seen",
    "pk datastream_id phenomenon_time phenomenon_time_end result_time result_number result_json",
)


def _instant(text, name: str) -> tuple[datetime, datetime | None]:
    """A time or interval of a dataArray row; the common case (an instant) fast."""
    if isinstance(text, str) and "/" not in text:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return parse_interval(text, name)
        if value.tzinfo is UTC and 1 <= value.year <= 9998:
            return value, None
        if value.tzinfo is not None and 2 <= value.year <= 9997:  # an offset moves a day
            return value.astimezone(UTC), None
    return parse_interval(text, name)  # and its message for what the fast path left


def _row_parser(ds: Datastream, components: list[str]):
    """A function turning one dataArray row into the values of OBS_COLUMNS (the
    feature of interest is filled in by the caller)."""
    etype = TYPES["Observation"]
    index = {c: k for k, c in enumerate(components)}
    width = len(components)
    kind = OBSERVATION_TYPES.get(ds.observation_type, "any")
    now = timezone.now()
    r_i, p_i = index["result"], index.get("phenomenonTime")
    rest = [
        (n, index[n])
        for n in ("resultTime", "resultQuality", "validTime", "parameters")
        if n in index
    ]

    def parse(row) -> list:
        if type(row) is not list or len(row) != width:
            raise ODataError(f"the row is an array of {width} values, one for each component.")
        number, other = _result_columns(ds, kind, row[r_i])
        start, end = (
            (now, None) if p_i is None or row[p_i] is None else _instant(row[p_i], "phenomenonTime")
        )
        values = [ds.pk, None, start, end, None, number, other, None, None, None, None]
        if rest:
            holder = SimpleNamespace(result_time=None, result_quality=None, valid_time_start=None,
                                     valid_time_end=None, parameters=None)  # fmt: skip
            for name, k in rest:
                set_property(holder, etype, etype.prop_by_name[name], row[k])
            values[4], values[7] = holder.result_time, holder.result_quality
            values[8], values[9], values[10] = (
                holder.valid_time_start,
                holder.valid_time_end,
                holder.parameters,
            )
        return values

    return parse


_INF = float("inf")


def _result_columns(ds: Datastream, kind: str | None, result) -> tuple[float | None, object]:
    """(result_number, result_json) of a result checked against the datastream's
    observationType; a number for a measurement takes the short way."""
    if kind == "number" and type(result) in (int, float):
        if result != result or result in (_INF, -_INF):
            raise ODataError("result must be a finite number.")
        return float(result), None
    _check_result(ds, result)
    holder = SimpleNamespace()
    set_property(holder, TYPES["Observation"], TYPES["Observation"].prop_by_name["result"], result)
    return holder.result_number, holder.result_json


_SQLITE_MAX_VARIABLES = 32766  # SQLite's limit since 3.32


class GoneReference(ODataError):
    """An entity the observations reference was deleted meanwhile."""


def hold_references(datastreams, features) -> None:
    """Check that the datastreams and features observations are about to reference
    exist, and keep them from being deleted until the transaction ends: the lock a
    foreign key constraint takes for each row (FOR KEY SHARE), taken once per write.
    SQLite has one writer at a time, so what exists now exists at commit."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    if len(set(datastreams)) == 1 and len(set(features)) == 1:
        # One reading (the usual POST): both rows in one statement; a lock on a join
        # locks the rows of both tables.
        with connection.cursor() as cur:
            sql = f"SELECT d.id FROM sensors_datastream d, sensors_featureofinterest f WHERE d.id = %s AND f.id = %s{lock}"  # noqa: S608 (no input in the text)
            cur.execute(sql, [next(iter(datastreams)), next(iter(features))])
            if cur.fetchone() is not None:
                return
    for model, ids in ((Datastream, datastreams), (FeatureOfInterest, features)):
        wanted = sorted(set(ids))
        if not wanted:
            continue
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id FROM {model._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(wanted))}) ORDER BY id{lock}",  # noqa: S608
                wanted,
            )
            found = {r[0] for r in cur.fetchall()}
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            name = "Datastream" if model is Datastream else "FeatureOfInterest"
            raise GoneReference(f"{name} {missing[0]} does not exist (any more).", status=409)


def insert_observations(rows: list[tuple]) -> list[int]:
    """Write observation rows (values in OBS_COLUMNS order) in bulk and return their ids
    in the same order: PostgreSQL reserves the ids from the sequence and COPYs, SQLite
    inserts with executemany under the transaction's write lock, so ids are consecutive."""
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_observations runs inside a transaction.")
    hold_references({r[0] for r in rows}, {r[1] for r in rows})
    columns = ", ".join(OBS_COLUMNS)
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        with connection.cursor() as cur:
            # The sequence's name is looked up once (MATERIALIZED): inside nextval() the
            # look-up would run for every id and cost ten times the ids themselves.
            cur.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('sensors_observation', "
                "'id')::regclass AS seq) SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [len(rows)],
            )
            ids = [r[0] for r in cur.fetchall()]
            with cur.cursor.copy(f"COPY sensors_observation (id, {columns}) FROM STDIN") as copy:
                write = copy.write_row
                for pk, row in zip(ids, rows, strict=True):
                    if row[6] is None and row[7] is None and row[10] is None:  # the usual row
                        write((pk, *row))
                    else:
                        write(
                            (
                                pk,
                                *(
                                    Jsonb(v) if i in _JSON_COLUMNS and v is not None else v
                                    for i, v in enumerate(row)
                                ),
                            )
                        )
        return ids
    adapt = _sqlite_time
    encoded = [
        (r[0], r[1], adapt(r[2]), adapt(r[3]) if r[3] else None, adapt(r[4]) if r[4] else None, r[5],
         *(None if v is None else json.dumps(v, ensure_ascii=False) for v in (r[6], r[7])),
         adapt(r[8]) if r[8] else None, adapt(r[9]) if r[9] else None,
         None if r[10] is None else json.dumps(r[10], ensure_ascii=False))
        for r in rows
    ]  # fmt: skip
    # Many rows per statement: one call into SQLite per chunk instead of one per row,
    # which also keeps other threads (the MQTT network loop) from stalling each row.
    per = max(1, min(2000, _SQLITE_MAX_VARIABLES // len(OBS_COLUMNS)))
    group = "(" + ", ".join(["?"] * len(OBS_COLUMNS)) + ")"
    raw = connection.connection
    for start in range(0, len(encoded), per):
        chunk = encoded[start : start + per]
        sql = (
            f"INSERT INTO sensors_observation ({columns}) VALUES {', '.join([group] * len(chunk))}"  # noqa: S608
        )
        raw.execute(sql, [v for row in chunk for v in row])
    last = raw.execute("SELECT last_insert_rowid()").fetchone()[0]
    return list(range(last - len(rows) + 1, last + 1))


def _sqlite_time(value: datetime) -> str:
    """A time as Django stores it in SQLite (UTC, without offset); times in UTC, which
    is what the parsers give, the short way (Django's adapter costs most of a write)."""
    if value.tzinfo is UTC:
        return value.isoformat(" ")[:-6]
    return connection.ops.adapt_datetimefield_value(value)


def _note_rows(ctx: Context, rows: list[tuple], ids: list[int]) -> None:
    """After insert_observations: move the datastreams' spans and latest observations,
    and remember the new observations for MQTT (one entry for all of them)."""
    seen: dict[int, list] = {}
    for pk, r in zip(ids, rows, strict=True):
        group = seen.get(r[0])
        if group is None:
            group = seen[r[0]] = []
        group.append(Seen(pk, r[0], r[2], r[3], r[4], r[5], r[6]))
    if seen:
        note_new_observations(seen)
        ctx.changed.append(("create", TYPES["Observation"], ids))


# --- MQTT ingest ---------------------------------------------------------------------------


_PLAIN_KEYS = frozenset({"phenomenonTime", "result", "resultTime"})


def build_observation(ctx: Context, ds: Datastream, data, features: dict) -> tuple:
    """A row for insert_observations from an Observation as POSTed over HTTP; checks
    everything before the one write it may do (a FeatureOfInterest it needs).
    ``features`` caches feature ids by link and by datastream across a batch."""
    if _is_plain(data):  # the usual sensor message, fast
        return _plain_row(ctx, ds, data, features)
    etype = TYPES["Observation"]
    props, navs = _split_body(etype, data)
    given = navs.get("Datastream")
    if given is not None and (not isinstance(given, dict) or given.get("@iot.id") != ds.pk):
        raise ODataError(f"The Observation names another Datastream than the topic ({ds.pk}).")
    if "result" not in props:
        raise ODataError("An Observation needs a result.")
    _check_result(ds, props["result"])
    obs = SimpleNamespace(phenomenon_time=None, phenomenon_time_end=None, result_time=None, result_number=None,
                          result_json=None, result_quality=None, valid_time_start=None, valid_time_end=None,
                          parameters=None)  # fmt: skip
    for prop in etype.props:
        if prop.name in props:
            set_property(obs, etype, prop, props[prop.name])
    if obs.phenomenon_time is None:
        obs.phenomenon_time = timezone.now()
    foi = navs.get("FeatureOfInterest")
    if isinstance(foi, dict) and "@iot.id" in foi:
        # kept per municipality: a feature one municipality may cite another may not
        key = ("link", ctx.municipality_id, foi["@iot.id"])
        if key not in features:
            features[key] = _link(ctx, TYPES["FeatureOfInterest"], foi, "FeatureOfInterest").pk
        foi_id = features[key]
    elif foi is not None:
        foi_id = create(ctx, TYPES["FeatureOfInterest"], foi).pk
    else:
        foi_id = _default_feature(ctx, ds, features)
    return (ds.pk, foi_id, obs.phenomenon_time, obs.phenomenon_time_end, obs.result_time, obs.result_number,
            obs.result_json, obs.result_quality, obs.valid_time_start, obs.valid_time_end, obs.parameters)  # fmt: skip


def _is_plain(data) -> bool:
    return type(data) is dict and data.keys() <= _PLAIN_KEYS


def _default_feature(ctx: Context, ds: Datastream, features: dict) -> int:
    key = ("stream", ds.pk)
    if key not in features:
        features[key] = feature_id_for(ctx, ds)
    return features[key]


def _plain_row(ctx: Context, ds: Datastream, data: dict, features: dict) -> tuple:
    if "result" not in data:
        raise ODataError("An Observation needs a result.")
    number, other = _result_columns(ds, OBSERVATION_TYPES.get(ds.observation_type), data["result"])
    time_text = data.get("phenomenonTime")
    start, end = (
        (timezone.now(), None) if time_text is None else _instant(time_text, "phenomenonTime")
    )
    result_time = data.get("resultTime")
    result_time = None if result_time is None else parse_time(result_time, "resultTime")
    return (ds.pk, _default_feature(ctx, ds, features), start, end, result_time, number, other,
            None, None, None, None)  # fmt: skip


def ingest(
    messages: list[tuple[int, object]], features: dict | None = None
) -> tuple[list[tuple[int, tuple]], list[tuple[int, str]]]:
    """Store Observations that arrived over MQTT as ``(datastream id, JSON)``; returns
    the stored ones as ``(id, row)`` and ``(position, reason)`` for each refused
    message. A refused message never keeps the others from being stored."""
    streams = Datastream.objects.select_related("thing").in_bulk({ds for ds, _data in messages})
    refused, built = [], []
    kept = {} if features is None else features  # ids of features, kept by the caller
    # A feature made here is kept only once its transaction is in: after a rollback its
    # id names nothing, and every later message citing it was refused.
    features = dict(kept)
    with transaction.atomic():
        contexts: dict[int, Context] = {}
        for i, (ds_id, data) in enumerate(messages):
            ds = streams.get(ds_id)
            if ds is None:
                refused.append((i, f"Datastream {ds_id} does not exist."))
                continue
            # A message writes into its topic's datastream only, as a token limited to
            # it would (the broker let the sender publish there, nothing more): what it
            # links or creates besides is a FeatureOfInterest.
            ctx = contexts.get(ds.pk)  # one per datastream, not one per message
            if ctx is None:
                ctx = contexts[ds.pk] = Context(ds.municipality_id, scope={ds.pk})
            try:
                if _is_plain(data):
                    built.append(_plain_row(ctx, ds, data, features))
                else:  # may create a feature: undone with the message if it is refused
                    before = dict(features)
                    try:
                        with transaction.atomic():
                            built.append(build_observation(ctx, ds, data, features))
                    except Exception:
                        features.clear()  # ids made in the undone part name nothing
                        features.update(before)
                        raise
            except ODataError as exc:
                refused.append((i, str(exc)))
            except (ValueError, OverflowError, TypeError, RecursionError) as exc:
                # What no database could hold (a 401-digit number, the year 10000): the
                # message's own fault, refused like a bad one, never retried.
                refused.append((i, f"The message cannot be stored: {str(exc)[:200]}"))
        rows = built
        ids = insert_observations(rows)
        _note_rows(Context(0), rows, ids)
    kept.update(features)
    return list(zip(ids, rows, strict=True)), refused
