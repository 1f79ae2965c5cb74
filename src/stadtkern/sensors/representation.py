"""The JSON form of SensorThings entities and collections (OGC 18-088, 9.2 and 14.3)."""

import json
from datetime import UTC

from django.core.exceptions import EmptyResultSet
from django.db import connection

from .entities import TYPES, EntityType, iso, value_of
from .odata import Options


class Links:
    """Absolute addresses under the service root."""

    def __init__(self, root: str):
        self.root = root  # ends with "/"

    def entity(self, etype: EntityType, pk) -> str:
        return f"{self.root}{etype.set}({pk})"


def entity(obj, etype: EntityType, options: Options, links: Links) -> dict:
    select = options.select
    out: dict = {}
    self_link = links.entity(etype, obj.pk)
    if select is None or "id" in select:
        out["@iot.id"] = obj.pk
        out["@iot.selfLink"] = self_link
    for prop in etype.props:
        if select is None or prop.name in select:
            out[prop.name] = whole(value_of(obj, prop))
    expanded = {e.nav.name: e for e in options.expand}
    for nav in etype.navs:
        if nav.name in expanded:
            continue
        if select is None or nav.name in select:
            out[f"{nav.name}@iot.navigationLink"] = f"{self_link}/{nav.name}"
    for name, exp in expanded.items():
        target = TYPES[exp.nav.target]
        items = getattr(obj, f"x_{exp.nav.field}", None)
        if not exp.nav.many:
            related = (items[0] if items else None) if isinstance(items, list) else items
            if related is not None:
                out[name] = entity(related, target, exp.options, links)
            continue
        items = list(items or [])
        more = len(items) > exp.options.top
        items = items[: exp.options.top]
        if exp.options.count:
            out[f"{name}@iot.count"] = getattr(obj, f"n_{exp.nav.field}", len(items))
        out[name] = [entity(item, target, exp.options, links) for item in items]
        if more:
            skip = exp.options.skip + exp.options.top
            out[f"{name}@iot.nextLink"] = f"{self_link}/{name}?$top={exp.options.top}&$skip={skip}"
    return out


def whole(value):
    """Whole numbers read back as written (results are stored as floating point)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


DATA_ARRAY_COMPONENTS = ["id", "phenomenonTime", "resultTime", "result", "resultQuality",
                         "validTime", "parameters"]  # fmt: skip


def data_array(observations, options: Options, links: Links) -> list[dict]:
    """Observations grouped by datastream as rows of their components (14.3)."""
    etype = TYPES["Observation"]
    components = [c for c in DATA_ARRAY_COMPONENTS if options.select is None or c in options.select]
    groups: dict[int, list] = {}
    for obs in observations:
        row = []
        for c in components:
            row.append(obs.pk if c == "id" else whole(value_of(obs, etype.prop_by_name[c])))
        groups.setdefault(obs.datastream_id, []).append(row)
    out = []
    for ds_id, rows in groups.items():
        out.append(
            {
                "Datastream@iot.navigationLink": links.entity(TYPES["Datastream"], ds_id),
                "components": components,
                "dataArray@iot.count": len(rows),
                "dataArray": rows,
            }
        )
    return out


__all__ = ["Links", "entity", "data_array", "iso"]


# --- Observations straight from the rows ------------------------------------------------

# The columns an Observation's JSON is made of, in the order of OBSERVATION_PROPS' fields.
OBSERVATION_COLUMNS = ("id", "phenomenon_time", "phenomenon_time_end", "result_time", "result_number",
                       "result_json", "result_quality", "valid_time_start", "valid_time_end", "parameters")  # fmt: skip


def plain_rows(values) -> list[tuple]:
    """The rows of a values_list of OBSERVATION_COLUMNS, read past Django's converters,
    which would check each time and mark it as UTC again (a third of the time of a page of
    1,440). SQLite's driver already hands each time as a datetime in UTC, as stored. On
    PostgreSQL the cursor reads times with psycopg's own loader in C, in the session's
    time zone (UTC, as Django sets it) instead of Django's loader written in Python; on
    this cursor only, as Django checks the one on the connection. The JSON columns are
    read as Django reads them."""
    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:  # a $filter Django knows to match nothing
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            from psycopg.types.datetime import TimestamptzLoader

            cur.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cur.execute(sql, params)
        rows = cur.fetchall()
    loads = json.loads
    return [
        (pk, start, end, result_time, number, None if result is None else loads(result),
         None if quality is None else loads(quality), valid_start, valid_end,
         None if parameters is None else loads(parameters))
        for pk, start, end, result_time, number, result, quality, valid_start, valid_end, parameters
        in rows
    ]  # fmt: skip


def observations(rows, options: Options, links: Links) -> list[dict]:
    """Observations as ``entity`` writes them, from value rows (OBSERVATION_COLUMNS) rather
    than model instances: a page of thousands costs the rows, not an object for each.
    Only for Observations without $expand (an expansion needs the objects)."""
    select = options.select
    etype = TYPES["Observation"]
    root = f"{links.root}Observations("
    wanted = {name: select is None or name in select for name in (
        "id", "phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters",
        "Datastream", "FeatureOfInterest")}  # fmt: skip
    navs = [n.name for n in etype.navs if wanted[n.name]]
    out = []
    append = out.append
    for (
        pk,
        start,
        end,
        result_time,
        number,
        json_result,
        quality,
        valid_start,
        valid_end,
        parameters,
    ) in rows:
        item: dict = {}
        self_link = f"{root}{pk})"
        if wanted["id"]:
            item["@iot.id"] = pk
            item["@iot.selfLink"] = self_link
        if wanted["phenomenonTime"]:
            item["phenomenonTime"] = (
                _iso(start) if end is None or end == start else f"{_iso(start)}/{_iso(end)}"
            )
        if wanted["resultTime"]:
            item["resultTime"] = _iso(result_time) if result_time is not None else None
        if wanted["result"]:
            item["result"] = whole(number if json_result is None else json_result)
        if wanted["resultQuality"]:
            item["resultQuality"] = whole(quality)
        if wanted["validTime"]:
            item["validTime"] = (None if valid_start is None else _iso(valid_start) if valid_end is None
                                 else f"{_iso(valid_start)}/{_iso(valid_end)}")  # fmt: skip
        if wanted["parameters"]:
            item["parameters"] = whole(parameters)
        for name in navs:
            item[f"{name}@iot.navigationLink"] = f"{self_link}/{name}"
        append(item)
    return out


def _iso(value) -> str:
    """``entities.iso`` for a value that is there; the database hands UTC times."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text + "Z"
