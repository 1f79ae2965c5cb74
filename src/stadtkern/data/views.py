"""Pages of the urban data platform: catalogue, dataset, import wizard, SQL console,
saved queries, and the DCAT-AP.de catalogue files."""

import json
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stadtkern.core import rules
from stadtkern.core.charts import bars
from stadtkern.core.maps import map_context
from stadtkern.core.selectors import municipality_get

from . import charts, dcat, importing, selectors, services, sql
from . import jobs as data_jobs
from .forms import CommitForm, DatasetForm, SqlForm, UploadForm
from .models import Dataset, ImportRun
from .rowfilters import FilterError, build_query, parse_cursor
from .vocab import FREQUENCIES, LICENSES, THEMES

PREVIEW_ROWS = 25
CHART_PARAMETERS = ("y", "chart_from", "chart_to", "colour")


def _day(text: str | None) -> date | None:
    """A day from a date field (always ISO, whatever the reader's language); else None."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _context(request, municipality, **extra) -> dict:
    return {
        "municipality": municipality,
        "can_edit": rules.can_edit_data(request.user, municipality),
        **map_context(request, municipality),
        **extra,
    }


def catalogue(request):
    """Every dataset the visitor may see, searchable, with facets."""
    get = request.GET
    f = selectors.CatalogueFilter(
        q=(get.get("q") or "").replace("\x00", "")[:200],
        municipality=(get.get("municipality") or "")[:80],
        theme=(get.get("theme") or "")[:10],
        license=(get.get("license") or "")[:40],
        format=get.get("format") if get.get("format") in ("geo", "table") else "",
    )
    result = selectors.catalogue(request.user, f)
    labels = {
        "theme": dict(THEMES),
        "license": dict(LICENSES),
        "format": {"geo": _("geodata"), "table": _("table")},
        "municipality": {d.municipality.slug: d.municipality.name for d in result.datasets},
    }
    facets = [
        (key, title, [(value, labels[key].get(value, value), n) for value, n in result.facets[key]])
        for key, title in (
            ("municipality", _("Municipality")),
            ("theme", _("Theme")),
            ("license", _("Licence")),
            ("format", _("Kind")),
        )
    ]
    return render(
        request,
        "data/catalogue.html",
        {"result": result, "filter": f, "facets": facets, "theme_labels": dict(THEMES)},
    )


@require_GET
def outlines(request, slug: str):
    """The district outlines every map of the municipality draws without a base map."""
    municipality = municipality_get(slug)
    response = JsonResponse(selectors.outlines_geojson(municipality))
    response["Content-Type"] = "application/geo+json"
    return response


def municipality_data(request, slug: str):
    municipality = municipality_get(slug)
    datasets = selectors.datasets_of(request.user, municipality)
    queries = selectors.saved_queries(request.user, slug)
    return render(
        request,
        "data/municipality.html",
        _context(request, municipality, datasets=datasets, queries=queries),
    )


def dataset_detail(request, slug: str, name: str):
    dataset = selectors.dataset_get(request.user, slug, name)
    rows, cursor, error, chart, period, chart_span, y = [], None, None, None, {}, None, None
    columns = [c for c in dataset.columns if c["type"] != "geometry"]
    numeric = charts.value_columns(columns)
    if dataset.table:
        # "y" and the period choose what the chart shows; every other parameter filters
        # the preview.
        params = request.GET.copy()
        for key in CHART_PARAMETERS:
            params.pop(key, None)
        try:
            query = build_query(dataset, params)
            after = (
                parse_cursor(query, request.GET["cursor"]) if request.GET.get("cursor") else None
            )
            rows, cursor = query.page(limit=PREVIEW_ROWS, after=after)
        except (FilterError, ValueError) as exc:
            error = str(exc)
        time_col = dataset.time_column
        y = request.GET.get("y") if request.GET.get("y") in numeric else next(iter(numeric), None)
        if time_col and y:
            chart_span = charts.span(dataset, time_col)
            period = {key: _day(request.GET.get(key)) for key in ("chart_from", "chart_to")}
            if chart_span:
                chart = charts.time_series(
                    dataset, time_col, y, dataset.display_title,
                    start=period["chart_from"], end=period["chart_to"],
                )  # fmt: skip
            else:
                y = None  # no time axis worth drawing: no chart section
    colours = charts.colour_columns(dataset) if dataset.has_geometry else []
    colour = request.GET.get("colour") if request.GET.get("colour") in colours else None
    colour = colour or next(iter(colours), None)
    imports = list(dataset.imports.select_related("created_by")[:10])
    return render(
        request,
        "data/dataset.html",
        _context(
            request,
            dataset.municipality,
            dataset=dataset,
            columns=columns,
            rows=rows,
            next_cursor=cursor,
            error=error,
            chart=chart,
            chart_column=y,
            colours=[(n, (dataset.column(n) or {}).get("title") or n) for n in colours],
            value_column=colour,
            value_label=((dataset.column(colour) or {}).get("title") or colour) if colour else "",
            chart_span=chart_span,
            period=period,
            numeric=[(n, (dataset.column(n) or {}).get("title") or n) for n in numeric],
            imports=imports,
            licenses=dict(LICENSES),
            frequencies=dict(FREQUENCIES),
            theme_labels=dict(THEMES),
            api=f"/api/v1/municipalities/{slug}/datasets/{name}",
            collection=dataset.qualified_name,
        ),
    )


def dataset_edit(request, slug: str, name: str | None = None):
    if name is None:
        municipality = selectors.municipality_editable(request.user, slug)
        dataset = None
    else:
        dataset = selectors.dataset_editable(request.user, slug, name)
        municipality = dataset.municipality
    form = DatasetForm(request.POST or None, dataset=dataset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if dataset is None:
                dataset = services.dataset_create(
                    municipality=municipality, user=request.user, **data
                )
            else:
                dataset = services.dataset_update(dataset=dataset, user=request.user, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The dataset was saved."))
            return redirect("data:dataset", slug=slug, name=dataset.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "data/dataset_form.html",
        _context(request, municipality, form=form, dataset=dataset),
        status=status,
    )


def dataset_delete(request, slug: str, name: str):
    dataset = selectors.dataset_editable(request.user, slug, name)
    if request.method == "POST":
        services.dataset_delete(dataset=dataset, user=request.user)
        messages.success(request, _("The dataset and its data were deleted."))
        return redirect("data:municipality", slug=slug)
    return render(
        request,
        "data/confirm_delete.html",
        _context(request, dataset.municipality, dataset=dataset),
    )


# --- import wizard: upload -> preview with type choices -> commit -> report ---


def import_upload(request, slug: str, name: str):
    dataset = selectors.dataset_editable(request.user, slug, name)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"mode": "replace"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        options = importing.Options(
            format=data["format"] or None,
            encoding=data["encoding"] or None,
            delimiter=data["delimiter"] or None,
            sheet=data["sheet"] or None,
            mode=data["mode"],
            key=data["key"] or None,
            crs=data["crs"] or None,
        )
        with importing.uploaded(upload) as path:
            # The worker checks the file (a job): the page follows its progress.
            stored = importing.store_upload(path, upload.name)
        job = data_jobs.enqueue_preview(dataset, stored, upload.name, options, request.user)
        return redirect("core:job", slug=slug, pk=job.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "data/import_upload.html",
        _context(request, dataset.municipality, dataset=dataset, form=form),
        status=status,
    )


def import_detail(request, slug: str, name: str, pk: int):
    """A preview (with the type choices and the commit button) or the report of an import."""
    dataset = selectors.dataset_get(request.user, slug, name)
    run = ImportRun.objects.filter(dataset=dataset, pk=pk).select_related("created_by").first()
    if run is None:
        raise Http404
    can_edit = rules.can_edit_data(request.user, dataset.municipality)
    form = None
    if run.status == "preview" and can_edit and run.stored_file:  # not imported yet
        form = CommitForm(
            request.POST or None, columns=run.columns, initial={"on_error": run.on_error}
        )
        if request.method == "POST" and form.is_valid():
            changes = {"types": form.types(), "on_error": form.cleaned_data["on_error"]}
            job = data_jobs.enqueue_commit(run, changes, request.user)
            return redirect("core:job", slug=slug, pk=job.pk)
    return render(
        request,
        "data/import.html",
        _context(
            request, dataset.municipality, dataset=dataset, run=run, form=form, sample=run.sample
        ),
        status=422 if request.method == "POST" else 200,
    )


# --- SQL ---


def sql_console(request, slug: str):
    municipality = municipality_get(slug)
    form = SqlForm(request.GET if "sql" in request.GET else None)
    result, error = None, None
    if form.is_bound and form.is_valid():
        try:
            result = sql.run(
                form.cleaned_data["sql"], request.user, municipality, max_rows=1000, request=request
            )
        except sql.QueryError as exc:
            error = str(exc)
    datasets = [d for d in selectors.datasets_visible(request.user) if d.table]
    return render(
        request,
        "data/sql.html",
        _context(
            request,
            municipality,
            form=form,
            result=result,
            error=error,
            datasets=datasets,
            **_result_views(result),
        ),
        status=400 if error else 200,
    )


def saved_query(request, slug: str, name: str):
    query = selectors.saved_query_get(request.user, slug, name)
    result, error = None, None
    try:
        result = sql.run(
            query.sql, request.user, query.municipality, max_rows=1000, request=request
        )
    except sql.QueryError as exc:
        error = str(exc)
    return render(
        request,
        "data/saved_query.html",
        _context(
            request,
            query.municipality,
            query=query,
            result=result,
            error=error,
            **_result_views(result),
        ),
    )


def _result_views(result) -> dict:
    """A map when the result has a geometry column; a bar chart of its last numeric column."""
    if result is None or not result.rows:
        return {"geojson": None, "result_chart": None}
    cols = result.columns
    geojson = None
    if "geometry" in cols:
        gi = cols.index("geometry")
        features = []
        for row in result.rows:
            try:
                geometry = json.loads(row[gi]) if isinstance(row[gi], str) else None
            except ValueError:
                geometry = None
            props = {c: v for c, v in zip(cols, row, strict=True) if c != "geometry"}
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
        geojson = {"type": "FeatureCollection", "features": features}
    numeric = [
        i
        for i, c in enumerate(cols)
        if c != "geometry"
        and all(isinstance(r[i], int | float) or r[i] is None for r in result.rows)
    ]
    labels = [i for i, c in enumerate(cols) if c != "geometry" and i not in numeric]
    chart = None
    if numeric and labels:
        yi, li = numeric[-1], labels[0]
        chart = bars(
            [(r[li], r[yi]) for r in result.rows],
            title=cols[yi],
            x_label=cols[li],
            y_label=cols[yi],
        )
    return {
        "geojson": geojson,
        "value_column": cols[numeric[-1]] if numeric else "",
        "result_chart": chart,
        "display_rows": [
            [v for c, v in zip(cols, r, strict=True) if c != "geometry"] for r in result.rows
        ],
        "display_columns": [c for c in cols if c != "geometry"],
    }


# --- DCAT-AP.de ---


@require_GET
def catalog_file(request, fmt: str):
    if fmt not in dcat.RDF_FORMATS:
        raise Http404
    datasets = list(
        Dataset.objects.filter(access="public").select_related("municipality").order_by("pk")
    )
    base = settings.SITE_URL or request.build_absolute_uri("/")
    graph = dcat.catalogue_graph(base, datasets)
    _name, media = dcat.RDF_FORMATS[fmt]
    return HttpResponse(dcat.serialise(graph, fmt), content_type=f"{media}; charset=utf-8")
