"""Geodata: coordinate reference systems, reprojection to EPSG:4326, bounding boxes, and
the spatial join of points into polygons.

Municipal geodata mostly comes in ETRS89 / UTM (EPSG:25832 in the west, 25833 in the
east). The datastore keeps every geometry as GeoJSON in EPSG:4326 (longitude, latitude)
and remembers the source CRS in the dataset's metadata.
"""

import json
import re
from functools import lru_cache

import numpy as np
import pyproj.network
import shapely
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from . import datastore
from .readers import ReadError, shown

# PROJ fetches missing grids from the network only when asked to; never here.
pyproj.network.set_network_enabled(False)

# A reference system is named by its code in PROJ's own database, never defined by the
# file or the uploader: a PROJ string or WKT may name files (grids, init files) that PROJ
# opens in this process, a pipe of the server's among them, where it would wait for ever.
_EPSG = re.compile(
    r"(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[0-9.]*:|https?://www\.opengis\.net/def/crs/EPSG/[0-9.]+/)?"
    r"([0-9]{4,6})",
    re.IGNORECASE,
)
_CRS84 = re.compile(
    r"OGC:CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84",
    re.IGNORECASE,
)


def check_crs(text: str) -> str:
    """'EPSG:25832' for the usual spellings of an EPSG code (``EPSG:25832``, ``25832``,
    its URN or URI; CRS84 is EPSG:4326, both read longitude first); ReadError for
    anything else, and for codes PROJ cannot convert to longitude and latitude."""
    text = text.strip()
    if _CRS84.fullmatch(text):
        return "EPSG:4326"
    match = _EPSG.fullmatch(text)
    if not match:
        raise ReadError(
            _(
                "The coordinate reference system '%(crs)s' is not named by an EPSG code;"
                " give its code with the crs option (e.g. EPSG:25832)."
            )
            % {"crs": shown(text, 80)}
        )
    code = f"EPSG:{int(match.group(1))}"
    try:
        crs = CRS.from_epsg(int(match.group(1)))
        # positions on a map: not heights alone, not the earth's centre as origin
        if not (crs.is_geographic or crs.is_projected):
            raise CRSError(code)
        transformer(code)
    except (CRSError, ProjError) as exc:
        raise ReadError(
            _("Unknown coordinate reference system '%(crs)s'.") % {"crs": code}
        ) from exc
    return code


def guess_crs(xs: list[float], ys: list[float]) -> tuple[str, str | None]:
    """EPSG:4326 for longitudes/latitudes, else UTM zone 32 or 33 by the easting's range."""
    if not xs or not ys:
        return "EPSG:4326", None
    if all(-180 <= v <= 180 for v in xs) and all(-90 <= v <= 90 for v in ys):
        return "EPSG:4326", None
    if all(100_000 <= v <= 900_000 for v in xs) and all(5_000_000 <= v <= 6_200_000 for v in ys):
        return "EPSG:25832", _(
            "The coordinates look like ETRS89 / UTM; they were read as EPSG:25832 (zone 32N). "
            "Choose EPSG:25833 for eastern Germany."
        )
    if all(32_000_000 <= v <= 33_999_999 for v in xs):
        return "EPSG:4647", _(
            "The eastings carry the zone number (32...); they were read as EPSG:4647."
        )
    raise ReadError(
        _("The coordinates fit no known reference system; name it with the crs option.")
    )


@lru_cache(maxsize=16)
def transformer(source: str | None) -> Transformer | None:
    """To longitude and latitude, from an EPSG code that check_crs has passed."""
    if not source or source == "EPSG:4326":
        return None
    if not re.fullmatch(r"EPSG:[0-9]{4,6}", source):  # never a definition: see _EPSG
        raise ReadError(_("Unknown coordinate reference system '%(crs)s'.") % {"crs": source})
    return Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def points(xs, ys) -> list:
    """Point geometries from coordinate arrays; None where a coordinate is missing."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    geoms = shapely.points(xs, ys)
    missing = np.isnan(xs) | np.isnan(ys)
    geoms[missing] = None
    return list(geoms)


def encode(geoms: list, transform: Transformer | None, outcome) -> tuple[list[tuple], set]:
    """(GeoJSON, minx, miny, maxx, maxy) per geometry, reprojected to EPSG:4326, and the
    positions of geometries with a coordinate that is not finite, in the file or once
    reprojected (left out of the first)."""
    arr = np.array(geoms, dtype=object)
    beyond: set = set()
    if transform is not None:
        arr = shapely.transform(
            arr, lambda xy: np.column_stack(transform.transform(xy[:, 0], xy[:, 1]))
        )
    # Every coordinate, heights too, and without reprojection as well: 1e400 in a
    # longitude column reads as infinity, which no bounding box or JSON holds.
    coordinates, index = shapely.get_coordinates(arr, include_z=True, return_index=True)
    finite = np.isfinite(coordinates) | np.isnan(coordinates) & (np.arange(3) == 2)
    bad = np.unique(index[~finite.all(axis=1)])
    if len(bad):
        beyond = set(bad.tolist())
        arr = np.delete(arr, bad)
    present = ~shapely.is_missing(arr)
    texts = np.full(len(arr), None, dtype=object)
    bounds = np.full((len(arr), 4), np.nan)
    if present.any():
        texts[present] = shapely.to_geojson(arr[present])
        bounds[present] = shapely.bounds(arr[present])
        outcome.geometry_types.update(shapely.get_type_id(arr[present]).tolist())
    out = []
    for t, b in zip(texts, bounds.tolist(), strict=True):
        out.append((t, *(None if v != v else v for v in b)))
    return out, beyond


GEOMETRY_TYPES = {
    0: "Point",
    1: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def type_names(ids, limit: int = 30) -> str:
    """The geometry types of a layer, as Dataset.geometry_type keeps them: their names,
    or "Geometry" when the names of many kinds would not fit."""
    names = ",".join(sorted({GEOMETRY_TYPES.get(i, "Geometry") for i in ids}))
    return names if len(names) <= limit else "Geometry"


def table_bbox(table: str) -> list[float] | None:
    q = datastore.qn
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT MIN({q('_minx')}), MIN({q('_miny')}), MAX({q('_maxx')}), MAX({q('_maxy')}) "  # noqa: S608
            f"FROM {q(table)}"
        )
        row = cur.fetchone()
    return None if row[0] is None else [float(v) for v in row]


# --- spatial join ---


def load_geometries(query) -> tuple[list[dict], np.ndarray]:
    rows = list(query.stream())
    geoms = shapely.from_geojson(
        np.array(
            [json.dumps(r["geometry"]) if r.get("geometry") else None for r in rows], dtype=object
        )
    )
    return rows, geoms


def _point_coordinates(query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids and coordinates of a point dataset, read from the bounding-box columns: for a
    point the box is the point, so no GeoJSON needs parsing."""
    from django.db import connection

    params: list = []
    where = query._where(params)
    q = datastore.qn
    sql = f"SELECT {q('_id')}, {q('_minx')}, {q('_miny')} FROM {q(query.dataset.table)} WHERE {q('_minx')} IS NOT NULL"  # noqa: S608
    if where:
        sql += " AND " + " AND ".join(where)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        return np.array([], dtype=np.int64), np.array([]), np.array([])
    ids, xs, ys = zip(*rows, strict=True)
    return np.array(ids, dtype=np.int64), np.array(xs, dtype=float), np.array(ys, dtype=float)


def points_in_polygons(points_query, polygons_query) -> list[dict]:
    """For each polygon, the points inside it: a count and their row ids.

    Uses a packed R-tree (shapely's STRtree) over the points, so 100,000 points into
    100 districts is one vectorised query rather than ten million tests. Points on a
    polygon's border count as inside; on a border between two polygons, for the first.
    """
    poly_rows, polys = load_geometries(polygons_query)
    if points_query.dataset.geometry_type == "Point":
        ids, xs, ys = _point_coordinates(points_query)
        pts = shapely.points(xs, ys)
    else:
        point_rows, pts = load_geometries(points_query)
        ids = np.array([r["_id"] for r in point_rows], dtype=np.int64)
    tree = shapely.STRtree(pts)
    poly_idx, point_idx = tree.query(polys, predicate="covers")
    # A point on a border shared by two polygons counts once, for the first of them.
    _unique, first = np.unique(point_idx, return_index=True)
    first.sort()
    poly_idx, point_idx = poly_idx[first], point_idx[first]
    counts = np.bincount(poly_idx, minlength=len(poly_rows))
    order = np.argsort(poly_idx, kind="stable")
    groups = np.split(ids[point_idx[order]], np.cumsum(counts)[:-1]) if len(poly_rows) else []
    return [
        {"polygon": row, "count": int(counts[i]), "points": groups[i].tolist()}
        for i, row in enumerate(poly_rows)
    ]
