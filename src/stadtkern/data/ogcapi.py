"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) at /ogcapi/, over the datastore.

Every public geo dataset is a collection named ``municipality.dataset``. Items support
``bbox``, ``datetime`` (on the dataset's first date or timestamp column), ``limit`` and
``offset``, ``sortby``, filters by property (``?status=leer``) and a CQL2 text filter
with the Basic CQL2 operators (comparisons, AND, OR, NOT, LIKE, IN, IS NULL). Internal
datasets are served to members of their municipality but never listed.
"""

from datetime import UTC, datetime

import sqlglot
from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from stadtkern.core import rules
from stadtkern.core.problems import problem

from .datastore import Query, encode, is_postgres
from .models import Dataset
from .parsing import parse_date, parse_timestamp
from .rowfilters import FilterError, parse_bbox, parse_value

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
ITEM_PARAMS = {
    "bbox",
    "datetime",
    "limit",
    "offset",
    "f",
    "sortby",
    "filter",
    "filter-lang",
    "filter-crs",
    "bbox-crs",
    "crs",
}
MAX_LIMIT = 10000


class OgcError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.field = status, field


def _base(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")) + "/ogcapi"


def _json(data, content_type="application/json", status=200):
    return JsonResponse(
        data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False}
    )


def _error(exc: OgcError):
    errors = [{"field": exc.field, "message": str(exc)}] if exc.field else None
    return problem(
        exc.status, "Bad request" if exc.status == 400 else "Not found", str(exc), errors
    )


def handles_errors(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except OgcError as exc:
            return _error(exc)
        except FilterError as exc:
            return _error(OgcError(400, str(exc), exc.field))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return require_GET(wrapped)


def _collection(request, cid: str) -> Dataset:
    owner, _sep, name = cid.rpartition(".")
    dataset = (
        Dataset.objects.filter(municipality__slug__in={owner, owner.replace("_", "-")}, slug=name)
        .select_related("municipality")
        .first()
    )
    if (
        dataset is None
        or not dataset.has_geometry
        or not rules.can_view_dataset(request.user, dataset)
    ):
        raise OgcError(404, f"No collection '{cid[:150]}'.")
    return dataset


@handles_errors
def landing(request):
    base = _base(request)
    return _json(
        {
            "title": settings.CATALOG_TITLE,
            "description": "OGC API Features: geodata of the municipalities on this instance.",
            "links": [
                {
                    "rel": "self",
                    "type": "application/json",
                    "title": "This document",
                    "href": f"{base}/",
                },
                {
                    "rel": "service-desc",
                    "type": OPENAPI,
                    "title": "OpenAPI 3.0",
                    "href": f"{base}/api",
                },
                {
                    "rel": "conformance",
                    "type": "application/json",
                    "title": "Conformance",
                    "href": f"{base}/conformance",
                },
                {
                    "rel": "data",
                    "type": "application/json",
                    "title": "Collections",
                    "href": f"{base}/collections",
                },
            ],
        }
    )


@handles_errors
def conformance(request):
    return _json({"conformsTo": CONFORMANCE})


def _collection_doc(base: str, d: Dataset) -> dict:
    cid = d.qualified_name
    extent = {"spatial": {"bbox": [d.bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    if d.temporal_start or d.temporal_end:
        extent["temporal"] = {
            "interval": [[
                d.temporal_start.isoformat() + "T00:00:00Z" if d.temporal_start else None,
                d.temporal_end.isoformat() + "T23:59:59Z" if d.temporal_end else None,
            ]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }  # fmt: skip
    return {
        "id": cid,
        "title": d.title,
        "description": d.description or d.title,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "keywords": d.keywords,
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{cid}"},
            {
                "rel": "items",
                "type": GEOJSON,
                "title": "Features",
                "href": f"{base}/collections/{cid}/items",
            },
            {
                "rel": "license",
                "type": "text/html",
                "href": f"http://dcat-ap.de/def/licenses/{d.license}",
            },
        ],
    }


@handles_errors
def collections(request):
    base = _base(request)
    datasets = (
        Dataset.objects.filter(access="public")
        .exclude(geometry_type="")
        .select_related("municipality")
    )
    return _json(
        {
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
            "collections": [
                _collection_doc(base, d) for d in datasets.order_by("municipality__slug", "slug")
            ],
        }
    )


@handles_errors
def collection(request, cid: str):
    return _json(_collection_doc(_base(request), _collection(request, cid)))


def _int(request, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise OgcError(400, f"{name} must be a whole number.", name) from None
    if value < 0 or (name == "limit" and value < 1):
        raise OgcError(400, f"{name} is out of range.", name)
    return min(value, maximum)


def _instant(text: str, end: bool):
    if text in ("", ".."):
        return None
    try:
        value = parse_timestamp(text) if "T" in text or " " in text else parse_date(text)
    except ValueError:
        raise OgcError(
            400, f"datetime: '{text[:40]}' is not an RFC 3339 date or timestamp.", "datetime"
        ) from None
    if not isinstance(value, datetime):
        value = (
            datetime(value.year, value.month, value.day, 23, 59, 59, tzinfo=UTC)
            if end
            else datetime(value.year, value.month, value.day, tzinfo=UTC)
        )
    return value


def _datetime_filters(dataset: Dataset, raw: str) -> list:
    column = dataset.time_column
    if column is None:
        raise OgcError(400, "This collection has no time column for datetime.", "datetime")
    kind = dataset.column(column)["type"]
    start_text, sep, end_text = raw.partition("/")
    start = _instant(start_text, False)
    end = _instant(end_text, True) if sep else _instant(start_text, True)
    filters = []

    def val(v):
        return encode(kind, v.date() if kind == "date" else v)

    if sep:
        if start:
            filters.append((column, "gte", val(start)))
        if end:
            filters.append((column, "lte", val(end)))
    elif "T" in start_text:
        filters.append((column, "eq", val(start)))
    else:
        filters += [(column, "gte", val(start)), (column, "lte", val(end))]
    return filters


def cql2_where(dataset: Dataset, text: str) -> tuple[str, list]:
    """A Basic CQL2 text filter as SQL for this database, with every column checked."""
    if len(text) > 4000:
        raise OgcError(400, "The filter is too long.", "filter")
    try:
        tree = sqlglot.parse_one(text, read="postgres", into=exp.Condition)
    except (ParseError, TokenError, ValueError) as exc:
        raise OgcError(
            400, f"The filter is not valid CQL2 text: {str(exc).splitlines()[0][:200]}", "filter"
        ) from None
    allowed = (
        exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.And, exp.Or,
        exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike, exp.In,
        exp.Is, exp.Neg, exp.Between, exp.Tuple,
    )  # fmt: skip
    names = {c["name"] for c in dataset.columns}
    for node in tree.walk():
        if not isinstance(node, allowed):
            raise OgcError(
                400,
                f"The filter uses {type(node).__name__}, which Basic CQL2 does not offer here.",
                "filter",
            )
        if isinstance(node, exp.Column):
            if node.table or node.name not in names:
                raise OgcError(
                    400, f"Unknown property '{node.sql()[:63]}' in the filter.", "filter"
                )
            node.set("this", exp.to_identifier(node.name, quoted=True))
    dialect = "postgres" if is_postgres() else "sqlite"
    return tree.sql(dialect=dialect), []


class _CqlQuery(Query):
    """A datastore query with one more WHERE clause from a CQL2 filter."""

    def __init__(self, *args, extra_where: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_where = extra_where

    def _where(self, params):
        where = super()._where(params)
        if self.extra_where:
            where.append(f"({self.extra_where.replace('%', '%%')})")
        return where


def _items_query(request, dataset: Dataset) -> _CqlQuery:
    columns = {c["name"]: c for c in dataset.columns}
    filters = []
    for key in request.GET:
        if key in ITEM_PARAMS:
            continue
        if key not in columns or columns[key]["type"] == "geometry":
            raise OgcError(
                400, f"Unknown parameter '{key[:63]}'. Queryables: {', '.join(columns)}.", key
            )
        filters.append((key, "eq", parse_value(columns[key], request.GET[key], key)))
    if request.GET.get("datetime"):
        filters += _datetime_filters(dataset, request.GET["datetime"])
    lang = request.GET.get("filter-lang", "cql2-text")
    if lang != "cql2-text":
        raise OgcError(400, "filter-lang: only cql2-text is supported.", "filter-lang")
    extra = None
    if request.GET.get("filter"):
        extra, _params = cql2_where(dataset, request.GET["filter"])
    sort = None
    if request.GET.get("sortby"):
        raw = request.GET["sortby"].split(",")[0].strip()
        name = raw.lstrip("+-")
        if name not in columns or columns[name]["type"] == "geometry":
            raise OgcError(400, f"Cannot sort by '{name[:63]}'.", "sortby")
        sort = (name, raw.startswith("-"))
    bbox = parse_bbox(request.GET["bbox"]) if request.GET.get("bbox") else None
    return _CqlQuery(dataset, filters=filters, sort=sort, bbox=bbox, extra_where=extra)


def _feature(row: dict, base: str, cid: str) -> dict:
    fid = row.pop("_id")
    geometry = row.pop("geometry", None)
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry,
        "properties": row,
        "links": [
            {"rel": "self", "type": GEOJSON, "href": f"{base}/collections/{cid}/items/{fid}"}
        ],
    }


@handles_errors
def items(request, cid: str):
    dataset = _collection(request, cid)
    limit = _int(request, "limit", 10, MAX_LIMIT)
    offset = _int(request, "offset", 0, 2**62)
    query = _items_query(request, dataset)
    try:
        # A savepoint: a filter the database rejects (text compared with a number, ...)
        # must not spoil the surrounding transaction.
        with transaction.atomic():
            rows, more = query.page(limit=limit, offset=offset)
            # Unfiltered, the dataset's own row count answers without a COUNT(*) scan.
            filtered = query.filters or query.bbox or query.extra_where
            matched = query.count() if filtered else query.dataset.row_count
    except DatabaseError as exc:
        raise OgcError(
            400, f"The filter cannot be applied: {str(exc).splitlines()[0][:200]}", "filter"
        ) from None
    base = _base(request)
    url = f"{base}/collections/{cid}/items"
    params = request.GET.copy()
    links = [
        {"rel": "self", "type": GEOJSON, "href": f"{url}?{params.urlencode()}" if params else url}
    ]
    if more:
        params["offset"], params["limit"] = str(offset + limit), str(limit)
        links.append({"rel": "next", "type": GEOJSON, "href": f"{url}?{params.urlencode()}"})
    if offset > 0:
        params["offset"], params["limit"] = str(max(offset - limit, 0)), str(limit)
        links.append({"rel": "prev", "type": GEOJSON, "href": f"{url}?{params.urlencode()}"})
    links.append(
        {"rel": "collection", "type": "application/json", "href": f"{base}/collections/{cid}"}
    )
    return _json(
        {
            "type": "FeatureCollection",
            "features": [_feature(r, base, cid) for r in rows],
            "numberMatched": matched,
            "numberReturned": len(rows),
            "timeStamp": datetime.now(UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z"),
            "links": links,
        },
        GEOJSON,
    )


@handles_errors
def item(request, cid: str, fid: str):
    dataset = _collection(request, cid)
    try:
        number = int(fid)
    except ValueError:
        raise OgcError(404, f"No feature '{fid[:40]}'.") from None
    if not 0 < number < 2**63:
        raise OgcError(404, f"No feature '{fid[:40]}'.")
    rows, _c = Query(dataset, filters=[("_id", "eq", number)]).page(limit=1)
    if not rows:
        raise OgcError(404, f"No feature '{fid[:40]}'.")
    return _json(_feature(rows[0], _base(request), cid), GEOJSON)


@handles_errors
def openapi(request):
    base = _base(request)
    ids = [
        d.qualified_name
        for d in Dataset.objects.filter(access="public")
        .exclude(geometry_type="")
        .select_related("municipality")
    ]
    param = {
        "collectionId": {
            "name": "collectionId",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": ids or ["none"]},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "schema": {"type": "integer"},
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        "bbox": {
            "name": "bbox",
            "in": "query",
            "style": "form",
            "explode": False,
            "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        },
        "datetime": {"name": "datetime", "in": "query", "schema": {"type": "string"}},
        "filter": {
            "name": "filter",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Basic CQL2 text",
        },
        "sortby": {"name": "sortby", "in": "query", "schema": {"type": "string"}},
    }
    ok = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    geo = {
        "200": {"description": "OK", "content": {GEOJSON: {"schema": {"type": "object"}}}},
        "400": {"description": "Bad request"},
        "404": {"description": "Not found"},
    }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": f"{settings.CATALOG_TITLE} – OGC API Features", "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": {
            "/": {
                "get": {"summary": "Landing page", "operationId": "getLandingPage", "responses": ok}
            },
            "/conformance": {
                "get": {
                    "summary": "Conformance classes",
                    "operationId": "getConformance",
                    "responses": ok,
                }
            },
            "/collections": {
                "get": {"summary": "Collections", "operationId": "getCollections", "responses": ok}
            },
            "/collections/{collectionId}": {
                "get": {
                    "summary": "A collection",
                    "operationId": "describeCollection",
                    "parameters": [param["collectionId"]],
                    "responses": ok,
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "summary": "Features",
                    "operationId": "getFeatures",
                    "parameters": [
                        param[k]
                        for k in (
                            "collectionId",
                            "limit",
                            "offset",
                            "bbox",
                            "datetime",
                            "filter",
                            "sortby",
                        )
                    ],
                    "responses": geo,
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "summary": "A feature",
                    "operationId": "getFeature",
                    "parameters": [param["collectionId"], param["featureId"]],
                    "responses": geo,
                }
            },
        },
    }
    return JsonResponse(doc, content_type=OPENAPI)
