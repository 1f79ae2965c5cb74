"""JSON API of the urban data platform: catalogue, imports, rows, downloads, SQL, spatial join.

Reads follow the dataset's access (public, or members only); writes need an editor of the
municipality. Every error is problem+json naming the parameter or field.
"""

import json
from datetime import date, datetime
from typing import Annotated, Literal

from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.problems import problem
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, LongText, OptionalTitle, SearchText, Slug, Title, text

from . import exports, geo, importing, selectors, services, sql
from .models import Dataset
from .rowfilters import FilterError, build_query, parse_cursor
from .vocab import FREQUENCIES, LICENSES, THEMES

router = Router(tags=["data"])

DatasetName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", max_length=63)]
QualifiedName = Annotated[
    str, Field(pattern=r"^([a-z0-9_-]{1,80}\.)?[a-z][a-z0-9_]{0,62}$", max_length=150)
]
LicenseCode = Literal[tuple(code for code, _l in LICENSES)]  # type: ignore[valid-type]
ThemeCode = Literal[tuple(code for code, _l in THEMES)]  # type: ignore[valid-type]
FrequencyCode = Literal[tuple(code for code, _l in FREQUENCIES)]  # type: ignore[valid-type]
Keyword = text(100, 1)
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ColumnOut(Schema):
    name: str
    title: str
    type: str


class DatasetIn(Schema):
    slug: DatasetName
    title: Title
    title_en: OptionalTitle = ""
    description: LongText = ""
    description_en: LongText = ""
    access: Literal["public", "internal"] = "public"
    license: LicenseCode = "dl-by-de/2.0"
    attribution: OptionalTitle = ""
    themes: list[ThemeCode] = Field(default_factory=list, max_length=13)
    keywords: list[Keyword] = Field(default_factory=list, max_length=50)
    contact_name: OptionalTitle = ""
    contact_email: Email | Literal[""] = ""
    frequency: FrequencyCode = "UNKNOWN"
    temporal_start: date | None = None
    temporal_end: date | None = None
    source_url: Annotated[str, Field(max_length=200, pattern=r"^(https?://\S+)?$")] = ""
    outlines: bool = False


class DatasetPatch(Schema):
    title: Title | None = None
    title_en: OptionalTitle | None = None
    description: LongText | None = None
    description_en: LongText | None = None
    access: Literal["public", "internal"] | None = None
    license: LicenseCode | None = None
    attribution: OptionalTitle | None = None
    themes: list[ThemeCode] | None = Field(None, max_length=13)
    keywords: list[Keyword] | None = Field(None, max_length=50)
    contact_name: OptionalTitle | None = None
    contact_email: Email | Literal[""] | None = None
    frequency: FrequencyCode | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    source_url: Annotated[str, Field(max_length=200, pattern=r"^(https?://\S+)?$")] | None = None
    outlines: bool | None = None


class DatasetOut(Schema):
    municipality: str
    slug: str
    qualified_name: str
    title: str
    title_en: str
    description: str
    description_en: str
    access: str
    license: str
    attribution: str
    themes: list[str]
    keywords: list[str]
    contact_name: str
    contact_email: str
    frequency: str
    temporal_start: date | None
    temporal_end: date | None
    source_url: str
    outlines: bool
    issued: datetime
    modified: datetime
    version: int
    row_count: int
    columns: list[ColumnOut]
    geometry_type: str
    bbox: list[float] | None
    source_crs: str
    key: str
    indexed: list[str]

    @staticmethod
    def resolve_municipality(obj) -> str:
        return obj.municipality.slug


class CatalogueOut(Schema):
    items: list[DatasetOut]
    facets: dict[str, list[tuple[str, int]]]


class ImportOut(Schema):
    id: int
    dataset: str
    version: int | None
    status: str
    mode: str
    key: str
    on_error: str
    file_name: str
    file_size: int
    sha256: str
    format: str
    encoding: str
    delimiter: str
    sheet: str
    source_crs: str
    columns: list[dict]
    rows_in: int
    rows_imported: int
    rows_rejected: int
    warnings: list[dict]
    errors: list[dict]
    message: str
    seconds: float | None
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_dataset(obj) -> str:
        return obj.dataset.slug

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None


class RowsOut(Schema):
    items: list[dict]
    next_cursor: str | None
    count: int | None = None


class SqlIn(Schema):
    sql: Annotated[str, Field(min_length=1, max_length=sql.MAX_LENGTH)]
    municipality: Slug | None = None
    max_rows: int | None = Field(None, ge=1, le=100000)


class SqlOut(Schema):
    columns: list[str]
    rows: list[list]
    row_count: int
    truncated: bool
    seconds: float


class SavedQueryIn(Schema):
    slug: DatasetName
    title: Title
    title_en: OptionalTitle = ""
    description: LongText = ""
    sql: Annotated[str, Field(min_length=1, max_length=sql.MAX_LENGTH)]
    public: bool = True


class SavedQueryOut(Schema):
    slug: str
    title: str
    title_en: str
    description: str
    sql: str
    public: bool


class CommitIn(Schema):
    mode: Literal["replace", "append", "upsert"] | None = None
    key: DatasetName | None = None
    on_error: Literal["skip", "abort"] | None = None
    types: dict[
        DatasetName, Literal["integer", "decimal", "boolean", "date", "timestamp", "text"]
    ] = Field(default_factory=dict)
    crs: Annotated[str, Field(max_length=40)] | None = None


class JoinRow(Schema):
    polygon: dict
    count: int


# --- catalogue ---


class CatalogueQuery(Schema):
    q: SearchText = ""
    municipality: Annotated[str, Field(max_length=80)] = ""
    theme: Annotated[str, Field(max_length=10)] = ""
    license: Annotated[str, Field(max_length=40)] = ""
    format: Literal["", "geo", "table"] = ""


@router.get("/datasets", response=CatalogueOut, auth=READ)
def catalogue(request, filters: Query[CatalogueQuery]):
    """Search the catalogue of every municipality, with counts per facet."""
    result = selectors.catalogue(request.auth, selectors.CatalogueFilter(**filters.dict()))
    return {"items": result.datasets, "facets": result.facets}


@router.get("/municipalities/{slug}/datasets", response=list[DatasetOut], auth=READ)
def dataset_list(request, slug: Slug):
    return selectors.datasets_of(request.auth, municipality_get(slug))


@router.post("/municipalities/{slug}/datasets", response={201: DatasetOut}, auth=WRITE)
def dataset_create(request, slug: Slug, payload: DatasetIn):
    municipality = selectors.municipality_editable(request.auth, slug)
    dataset = services.dataset_create(
        municipality=municipality, user=request.auth, **payload.dict()
    )
    return Status(201, dataset)


@router.get("/municipalities/{slug}/datasets/{name}", response=DatasetOut, auth=READ)
def dataset_detail(request, slug: Slug, name: DatasetName):
    return selectors.dataset_get(request.auth, slug, name)


@router.patch("/municipalities/{slug}/datasets/{name}", response=DatasetOut, auth=WRITE)
def dataset_update(request, slug: Slug, name: DatasetName, payload: DatasetPatch):
    dataset = selectors.dataset_editable(request.auth, slug, name)
    changes = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k.startswith("temporal_")}
    return services.dataset_update(dataset=dataset, user=request.auth, **changes)


@router.delete("/municipalities/{slug}/datasets/{name}", response={204: None}, auth=WRITE)
def dataset_delete(request, slug: Slug, name: DatasetName):
    dataset = selectors.dataset_editable(request.auth, slug, name)
    services.dataset_delete(dataset=dataset, user=request.auth)
    return Status(204, None)


# --- rows and downloads ---


def _query(request, dataset: Dataset):
    if not dataset.table:
        raise HttpError(409, "The dataset has no data yet.")
    return build_query(dataset, request.GET)


class RowsQuery(Schema):
    limit: int = Field(50, ge=1, le=1000)
    cursor: Annotated[str, Field(max_length=2000)] | None = None
    count: bool = False


@router.get("/municipalities/{slug}/datasets/{name}/rows", response=RowsOut, auth=READ)
def dataset_rows(request, slug: Slug, name: DatasetName, page: Query[RowsQuery]):
    """Rows with filters on any column (`?col=v`, `?col__gte=v`, `__in`, `__contains`,
    `__null`), `sort=-col`, `fields=a,b`, `bbox=` and keyset pagination by `cursor`."""
    dataset = selectors.dataset_get(request.auth, slug, name)
    query = _query(request, dataset)
    after = parse_cursor(query, page.cursor) if page.cursor else None
    items, cursor = query.page(limit=page.limit, after=after)
    return {"items": items, "next_cursor": cursor, "count": query.count() if page.count else None}


@router.get(
    "/municipalities/{slug}/datasets/{name}/export/{fmt}",
    auth=READ,
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The rows as a file"}}},
)
def dataset_export(
    request, slug: Slug, name: DatasetName, fmt: Literal["csv", "json", "geojson", "xlsx"]
):
    """Download the rows (filters as for /rows) as CSV, JSON, GeoJSON or XLSX."""
    dataset = selectors.dataset_get(request.auth, slug, name)
    if fmt == "geojson" and not dataset.has_geometry:
        raise HttpError(404, "This dataset has no geometry, so no GeoJSON.")
    try:
        return exports.response(_query(request, dataset), fmt, dataset.slug)
    except exports.TooLargeForXlsx as exc:
        return problem(413, "Too large for XLSX", str(exc), [{"field": "fmt", "message": str(exc)}])


# --- imports ---


def _import_problem(exc: importing.ImportFailed):
    """422 with the failed run's report (counts, warnings, rejected rows) as ``import``."""
    extra = {"import": ImportOut.from_orm(exc.run).model_dump(mode="json")} if exc.run else None
    return problem(422, "Import failed", str(exc), extra=extra)


@router.post(
    "/municipalities/{slug}/datasets/{name}/imports",
    response={201: ImportOut, 200: ImportOut},
    auth=WRITE,
)
def import_create(
    request,
    slug: Slug,
    name: DatasetName,
    file: File[UploadedFile],
    format: Form[Literal["csv", "xlsx", "ods", "geojson", "gpkg", "shp"] | None] = None,
    encoding: Form[text(30) | None] = None,
    delimiter: Form[text(2, 1) | None] = None,
    sheet: Form[text(200) | None] = None,
    mode: Form[Literal["replace", "append", "upsert"]] = "replace",
    key: Form[DatasetName | None] = None,
    on_error: Form[Literal["skip", "abort"]] = "skip",
    types: Form[text(10000) | None] = None,
    crs: Form[text(40) | None] = None,
    indexes: Form[text(2000) | None] = None,
    dry_run: Form[bool] = False,
):
    """Upload a file into the dataset. With `dry_run` the file is analysed and checked but
    not loaded (200, status `preview`); commit it later with `/imports/{id}/commit`.
    `types` is a JSON object of column name to type, overriding the inference. `indexes`
    names the columns to index, comma-separated (default: every column up to 100,000 rows,
    else the date and time columns)."""
    dataset = selectors.dataset_editable(request.auth, slug, name)
    try:
        overrides = json.loads(types) if types else {}
        if not isinstance(overrides, dict) or not all(
            isinstance(v, str) for v in overrides.values()
        ):
            raise ValueError
        for key, value in overrides.items():  # escapes may make NUL or broken Unicode
            if "\x00" in key + value:
                raise ValueError
            (key + value).encode("utf-8")  # UnicodeEncodeError is a ValueError
    except ValueError:
        raise FilterError("types", 'types is a JSON object such as {"plz": "text"}.') from None
    options = importing.Options(
        format=format,
        encoding=encoding,
        delimiter="\t" if delimiter in ("\\t", "tab") else delimiter,
        sheet=sheet,
        mode=mode,
        key=key,
        on_error=on_error,
        types=overrides,
        crs=crs,
        indexes=[n.strip() for n in indexes.split(",") if n.strip()] if indexes else None,
    )
    with importing.uploaded(file) as path:
        try:
            if dry_run:
                run, _analysis = importing.preview(
                    dataset, path, file.name or path.name, options, request.auth
                )
                return Status(200, run)
            stored = importing.store_upload(path, file.name or path.name)
            run = importing.run_import(
                dataset, stored, file.name or path.name, options, request.auth
            )
        except importing.ImportFailed as exc:
            return _import_problem(exc)
    return Status(201, run)


@router.get("/municipalities/{slug}/datasets/{name}/imports", response=list[ImportOut], auth=READ)
def import_list(request, slug: Slug, name: DatasetName):
    """The dataset's import history: every version with its provenance and counts."""
    dataset = selectors.dataset_get(request.auth, slug, name)
    return list(dataset.imports.select_related("dataset", "created_by")[:200])


@router.get(
    "/municipalities/{slug}/datasets/{name}/imports/{import_id}", response=ImportOut, auth=READ
)
def import_detail(request, slug: Slug, name: DatasetName, import_id: Id):
    dataset = selectors.dataset_get(request.auth, slug, name)
    run = dataset.imports.select_related("dataset", "created_by").filter(pk=import_id).first()
    if run is None:
        raise Http404(f"No import {import_id} of {name!r}.")
    return run


@router.post(
    "/municipalities/{slug}/datasets/{name}/imports/{import_id}/commit",
    response={201: ImportOut},
    auth=WRITE,
)
def import_commit(request, slug: Slug, name: DatasetName, import_id: Id, payload: CommitIn):
    """Load a previewed file, with the preview's options changed by the payload."""
    dataset = selectors.dataset_editable(request.auth, slug, name)
    run = dataset.imports.filter(pk=import_id, status="preview").first()
    if run is None:
        raise Http404(f"No previewed import {import_id} of {name!r}.")
    try:
        result = importing.commit_preview(run, payload.dict(exclude_none=True), request.auth)
    except importing.ImportFailed as exc:
        return _import_problem(exc)
    return Status(201, result)


# --- spatial join ---


class JoinQuery(Schema):
    polygons: QualifiedName


@router.get("/municipalities/{slug}/datasets/{name}/within", response=list[JoinRow], auth=READ)
def dataset_within(request, slug: Slug, name: DatasetName, params: Query[JoinQuery]):
    """Spatial join: how many of this dataset's points (filters as for /rows) lie in each
    polygon of `polygons` (a dataset name, or `municipality.dataset`)."""
    points = selectors.dataset_get(request.auth, slug, name)
    owner, _sep, poly_name = params.polygons.rpartition(".")
    polygons = selectors.dataset_get(
        request.auth, owner.replace("_", "-") if owner else slug, poly_name
    )
    if not points.has_geometry or not polygons.has_geometry:
        raise HttpError(400, "Both datasets need a geometry.")
    point_query = build_query(points, {k: v for k, v in request.GET.items() if k != "polygons"})
    point_query.fields = []
    polygon_query = build_query(polygons, {})
    rows = geo.points_in_polygons(point_query, polygon_query)
    return [{"polygon": r["polygon"], "count": r["count"]} for r in rows]


# --- SQL ---


@router.post("/sql", response=SqlOut, auth=READ)
def sql_run(request, payload: SqlIn):
    """One read-only SELECT over datasets: `name` for the chosen municipality's datasets,
    `municipality.name` for another's public ones. Time and row limits apply."""
    home = municipality_get(payload.municipality) if payload.municipality else None
    try:
        result = sql.run(
            payload.sql, request.auth, home, max_rows=payload.max_rows, request=request
        )
    except sql.QueryError as exc:
        response = problem(
            exc.status, "Query refused", str(exc), [{"field": "sql", "message": str(exc)}]
        )
        if exc.status == 503:
            response["Retry-After"] = "5"
        return response
    return result.as_json()


@router.get("/municipalities/{slug}/queries", response=list[SavedQueryOut], auth=READ)
def saved_query_list(request, slug: Slug):
    return selectors.saved_queries(request.auth, slug)


@router.post("/municipalities/{slug}/queries", response={201: SavedQueryOut}, auth=WRITE)
def saved_query_create(request, slug: Slug, payload: SavedQueryIn):
    municipality = selectors.municipality_editable(request.auth, slug)
    try:
        sql.prepare(payload.sql, request.auth, municipality)
    except sql.QueryError as exc:
        return problem(422, "Invalid input", str(exc), [{"field": "sql", "message": str(exc)}])
    return Status(
        201,
        services.saved_query_create(municipality=municipality, user=request.auth, **payload.dict()),
    )


@router.get("/municipalities/{slug}/queries/{name}/result", response=SqlOut, auth=READ)
def saved_query_result(request, slug: Slug, name: DatasetName):
    query = selectors.saved_query_get(request.auth, slug, name)
    try:
        result = sql.run(query.sql, request.auth, query.municipality, request=request)
    except sql.QueryError as exc:
        response = problem(
            exc.status, "Query refused", str(exc), [{"field": "sql", "message": str(exc)}]
        )
        if exc.status == 503:
            response["Retry-After"] = "5"
        return response
    return result.as_json()


@router.delete("/municipalities/{slug}/queries/{name}", response={204: None}, auth=WRITE)
def saved_query_delete(request, slug: Slug, name: DatasetName):
    selectors.municipality_editable(request.auth, slug)
    services.saved_query_delete(
        query=selectors.saved_query_get(request.auth, slug, name), user=request.auth
    )
    return Status(204, None)
