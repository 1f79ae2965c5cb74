"""Benchmark: reading a 1,000,000-row dataset, and the spatial join.

- A 50-row page of the rows API (full Django request, test client, no network) at the
  start, the middle and the end of the dataset, in the natural order and sorted by an
  indexed timestamp column, each against the raw SQL that returns the same rows.
- Spatial join of 100,000 points into 100 polygons through the API (`/within`), and the
  R-tree query alone as its floor.

Runs on a scratch database of the configured engine; the data are imported through the
real importer first (not timed).
"""

import gc
import json
import random
import tempfile
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stadtkern.core.benchtools import scratch_database, summary, timed

DEFAULT_SIZES = [1_000_000]
DEFAULT_REPEAT = 30
POINTS = 100_000
GRID = 10  # 10 x 10 polygons


def _rows_file(path: Path, n: int) -> None:
    rng = random.Random(n)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("nr;zeitpunkt;wert;kategorie\n")
        for i in range(1, n + 1):
            minute = rng.randint(0, 5_000_000)
            fh.write(
                f"{i};2020-01-01T00:00:00Z;{rng.uniform(0, 100):.3f};K{i % 17}\n".replace(
                    "2020-01-01T00:00:00Z",
                    f"{2020 + minute // 525600}-{(minute // 43800) % 12 + 1:02d}-{(minute // 1440) % 28 + 1:02d}T{(minute // 60) % 24:02d}:{minute % 60:02d}:00Z",
                )
            )


def _points_file(path: Path) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("nr,lon,lat\n")
        for i in range(1, POINTS + 1):
            fh.write(f"{i},{6.5 + rng.random() * 0.2:.6f},{51.35 + rng.random() * 0.2:.6f}\n")


def _polygons_file(path: Path) -> None:
    step = 0.2 / GRID
    features = []
    for gx in range(GRID):
        for gy in range(GRID):
            x, y = 6.5 + gx * step, 51.35 + gy * step
            ring = [[x, y], [x + step, y], [x + step, y + step], [x, y + step], [x, y]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": f"Z{gx}-{gy}"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _import(municipality, slug, path, **options):
    from stadtkern.data import importing
    from stadtkern.data.models import Dataset

    dataset = Dataset.objects.create(municipality=municipality, slug=slug, title=slug)
    importing.run_import(dataset, path, path.name, importing.Options(**options))
    dataset.refresh_from_db()
    return dataset


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:200]!r}")
    return response


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cur:
        # Captured SQL has its parameters inlined: run it without a parameter list.
        cur.execute(sql, params or None)
        cur.fetchall()


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    import shapely

    from stadtkern.core.services import municipality_create
    from stadtkern.data.datastore import encode_cursor, qn

    client = Client()
    results = []
    with scratch_database(), tempfile.TemporaryDirectory(prefix="stadtkern-query-") as tmp:
        municipality = municipality_create(
            name="Benchstadt", slug="bench", ags="05999001", kind="stadt", state="05"
        )
        for size in sizes:
            progress.write(f"query bench: importing {size:,} rows on {connection.vendor} ...")
            path = Path(tmp) / f"rows_{size}.csv"
            _rows_file(path, size)
            dataset = _import(municipality, f"rows_{size}", path)
            gc.collect()
            table = qn(dataset.table)
            base = f"/api/v1/municipalities/bench/datasets/{dataset.slug}/rows?limit=50"
            figures = {"rows": size, "indexed": dataset.indexed, "pages": {}}
            # Cursors at the start, the middle and the end, as a client paging there would hold.
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT zeitpunkt, _id FROM {table} ORDER BY zeitpunkt, _id LIMIT 1 OFFSET %s",
                    [size // 2],
                )  # noqa: S608
                mid_ts, mid_id = cur.fetchone()
                cur.execute(
                    f"SELECT zeitpunkt, _id FROM {table} ORDER BY zeitpunkt, _id LIMIT 1 OFFSET %s",
                    [size - 60],
                )  # noqa: S608
                end_ts, end_id = cur.fetchone()
            ts = (
                (lambda v: v.isoformat().replace("+00:00", "Z"))
                if connection.vendor == "postgresql"
                else (lambda v: v)
            )
            cases = {
                "natural_start": base,
                "natural_middle": f"{base}&cursor={encode_cursor([size // 2])}",
                "natural_end": f"{base}&cursor={encode_cursor([size - 60])}",
                "sorted_by_time_start": f"{base}&sort=zeitpunkt",
                "sorted_by_time_middle": f"{base}&sort=zeitpunkt&cursor={encode_cursor([ts(mid_ts), mid_id])}",
                "sorted_by_time_end": f"{base}&sort=zeitpunkt&cursor={encode_cursor([ts(end_ts), end_id])}",
                "filtered_and_sorted_middle": f"{base}&kategorie=K3&sort=-zeitpunkt&cursor={encode_cursor([ts(mid_ts), mid_id])}",
            }
            for name, url in cases.items():
                progress.write(f"query bench: {name} ...")
                # The physical reference is the very SQL the API sent, run bare.
                with CaptureQueriesContext(connection) as captured:
                    _get(client, url)
                statements = [
                    q["sql"] for q in captured.captured_queries if dataset.table in q["sql"]
                ]
                api = summary(timed(lambda u=url: _get(client, u), repeat))
                raw = summary(timed(lambda sqls=statements: [_raw(s, []) for s in sqls], repeat))
                figures["pages"][name] = {
                    "api": api,
                    "raw_sql": raw,
                    "queries": len(statements),
                    "ratio": round(api["median_ms"] / max(raw["median_ms"], 0.001), 1),
                }
            results.append(figures)

        progress.write(
            f"query bench: spatial join of {POINTS:,} points into {GRID * GRID} polygons ..."
        )
        pts_path, poly_path = Path(tmp) / "points.csv", Path(tmp) / "polygons.geojson"
        _points_file(pts_path)
        _polygons_file(poly_path)
        points = _import(municipality, "punkte", pts_path)
        _import(municipality, "zellen", poly_path)
        url = "/api/v1/municipalities/bench/datasets/punkte/within?polygons=zellen"
        body = json.loads(_get(client, url).content)
        matched = sum(r["count"] for r in body)
        assert matched == POINTS, f"every point lies in exactly one cell, {matched} matched"
        api = summary(timed(lambda: _get(client, url), max(3, repeat // 5)))
        rng = random.Random(7)
        xs = [6.5 + rng.random() * 0.2 for _ in range(POINTS)]
        ys = [51.35 + rng.random() * 0.2 for _ in range(POINTS)]
        step = 0.2 / GRID
        cells = [
            shapely.box(
                6.5 + gx * step, 51.35 + gy * step, 6.5 + (gx + 1) * step, 51.35 + (gy + 1) * step
            )
            for gx in range(GRID)
            for gy in range(GRID)
        ]

        def tree_only():
            tree = shapely.STRtree(shapely.points(xs, ys))
            tree.query(cells, predicate="contains")

        floor = summary(timed(tree_only, max(3, repeat // 5)))
        join = {
            "points": points.row_count,
            "polygons": GRID * GRID,
            "api": api,
            "rtree_alone": floor,
            "ratio": round(api["median_ms"] / max(floor["median_ms"], 0.001), 1),
        }
    return {
        "benchmark": "query",
        "database": connection.vendor,
        "repeat": repeat,
        "targets": "a 50-row page at any depth: median under 30 ms; spatial join of 100,000 points into 100 polygons: under 1 s",
        "results": results,
        "spatial_join": join,
    }
