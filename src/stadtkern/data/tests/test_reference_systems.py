"""A coordinate reference system is named by its EPSG code, never defined by the file or
the uploader: PROJ strings and WKT may name files (grids, init files) that PROJ opens,
a pipe of the server among them. Coordinates that only reprojection makes infinite are
the row's fault, not a 500."""

import io
import json
import os
import sqlite3
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.data import importing
from stadtkern.data.models import Dataset

from .conftest import rows_of
from .test_import import _vector_file

pytestmark = pytest.mark.django_db

XY = b"x;y\n333100;5703100\n"

# ETRS89 / UTM with a central meridian no EPSG system has, and a PROJ.4 extension that
# names a grid file: GDAL keeps the extension in the WKT it reports.
WKT_WITH_GRID = (
    'PROJCS["x",GEOGCS["ETRS89",DATUM["ETRS89",SPHEROID["GRS 1980",6378137,298.257222101]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",9.1],'
    'PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],'
    'PARAMETER["false_northing",0],UNIT["metre",1],'
    'EXTENSION["PROJ4","+proj=utm +zone=32 +ellps=bessel +nadgrids={grid} +units=m +no_defs"]]'
)


@pytest.mark.parametrize(
    "spelling",
    ["EPSG:25832", "epsg::25832", " 25832 ", "urn:ogc:def:crs:EPSG::25832",
     "urn:ogc:def:crs:EPSG:9.9.1:25832", "http://www.opengis.net/def/crs/EPSG/0/25832"],
)  # fmt: skip
def test_an_epsg_code_is_read_in_each_of_its_spellings(dataset, load, spelling):
    run = load(dataset, XY, "xy.csv", crs=spelling, x="x", y="y")
    assert run.rows_imported == 1 and run.source_crs == "EPSG:25832"
    assert rows_of(dataset)[0]["geometry"]["coordinates"][0] == pytest.approx(6.6, abs=0.05)


def test_crs84_is_longitude_and_latitude(dataset, load):
    run = load(dataset, b"x;y\n6.6;51.4\n", "xy.csv", crs="OGC:CRS84", x="x", y="y")
    assert run.source_crs == "EPSG:4326"
    assert rows_of(dataset)[0]["geometry"]["coordinates"] == [6.6, 51.4]


@pytest.mark.parametrize(
    "crs",
    [
        "+proj=tmerc +lon_0=7 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m",
        "+proj=eqc +a=1 +nadgrids=/proc/self/fd/0",
        "+init=epsg:25832",
        "+proj=pipeline +step +proj=hgridshift +grids=/dev/stdin",
        WKT_WITH_GRID.format(grid="/dev/stdin"),
        '{"type": "ProjectedCRS", "name": "x"}',
        "ETRS89 / UTM zone 32N",
        "EPSG:25832 +nadgrids=/dev/stdin",
        "EPSG:25832\n",
    ],
)
def test_a_reference_system_defined_instead_of_named_is_refused(dataset, load, crs):
    load(dataset, b"nr\n5\n")
    started = time.monotonic()
    if crs.endswith("\n"):  # a line end is the name's end: read as the code
        assert load(dataset, XY, "xy.csv", crs=crs, x="x", y="y").rows_imported == 1
        return
    with pytest.raises(importing.ImportFailed, match="not named by an EPSG code"):
        load(dataset, XY, "xy.csv", crs=crs, x="x", y="y")
    assert time.monotonic() - started < 5
    assert [r["nr"] for r in rows_of(dataset)] == [5]


@pytest.mark.parametrize("code", ["EPSG:99999", "EPSG:6326", "EPSG:5783", "EPSG:4978"])
def test_a_code_that_names_no_map_system_is_refused(dataset, load, code):
    """No such code; a datum; heights (DHHN92); the earth's centre as origin."""
    with pytest.raises(importing.ImportFailed, match="Unknown coordinate reference system"):
        load(dataset, XY, "xy.csv", crs=code, x="x", y="y")


def _grid(tmp_path) -> str:
    """A named pipe nobody writes to: PROJ opening it would wait for ever."""
    fifo = tmp_path / "grid.fifo"
    os.mkfifo(fifo)
    return str(fifo)


def _shapefile_with_prj(tmp_path, prj: str) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    _vector_file(folder, "ESRI Shapefile", "laden.shp")
    (folder / "laden.prj").write_text(prj)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for part in folder.glob("laden.*"):
            z.write(part, part.name)
    return buffer.getvalue()


def _geopackage_with_srs(tmp_path, definition: str) -> bytes:
    path = _vector_file(tmp_path, "GPKG", "laden.gpkg")
    con = sqlite3.connect(path)
    con.execute(
        "UPDATE gpkg_spatial_ref_sys SET organization = 'NONE', organization_coordsys_id ="
        " 999999, definition = ? WHERE srs_id = 25832",
        [definition],
    )
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["laden.zip", "laden.gpkg"])
def test_a_file_whose_reference_system_names_a_file_is_refused_at_once(
    dataset, load, tmp_path, settings, kind
):
    """The definition reaches PROJ only in the limited child, which finds no EPSG code
    for it; the server refuses it and names what to do, and opens nothing."""
    settings.DATASTORE_PARSE_SECONDS = 20
    definition = WKT_WITH_GRID.format(grid=_grid(tmp_path))
    build = _shapefile_with_prj if kind.endswith(".zip") else _geopackage_with_srs
    content = build(tmp_path, definition)
    load(dataset, b"nr\n5\n")
    started = time.monotonic()
    with pytest.raises(importing.ImportFailed, match="not named by an EPSG code.*crs option"):
        load(dataset, content, kind)
    assert time.monotonic() - started < 10
    assert [r["nr"] for r in rows_of(dataset)] == [5]
    # Named by the uploader, the same file reads.
    run = load(dataset, content, kind, crs="EPSG:25832")
    assert run.rows_imported == 2 and run.source_crs == "EPSG:25832"


def test_a_file_with_a_reference_system_of_its_own_words_is_read_by_its_code(
    dataset, load, tmp_path
):
    """An ESRI-style .prj, as desktop GIS write it, is identified in the child."""
    prj = (
        'PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",'
        'SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
        'PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],'
        'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    )
    run = load(dataset, _shapefile_with_prj(tmp_path, prj), "laden.zip")
    assert run.source_crs == "EPSG:25832" and run.rows_imported == 2


@pytest.mark.parametrize(
    "name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "http://www.opengis.net/def/crs/EPSG/0/25832"]
)
def test_a_geojson_crs_is_read_by_its_code_in_each_spelling(dataset, load, name):
    x, y = (6.6, 51.4) if "CRS84" in name else (333100, 5703100)
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": name}},
           "features": [{"type": "Feature", "properties": {"nr": 1},
                         "geometry": {"type": "Point", "coordinates": [x, y]}}]}  # fmt: skip
    run = load(dataset, json.dumps(doc).encode(), "a.geojson")
    assert run.rows_imported == 1
    assert rows_of(dataset)[0]["geometry"]["coordinates"][0] == pytest.approx(6.6, abs=0.05)


def test_coordinates_that_reprojection_makes_infinite_are_the_rows_fault(dataset, load):
    """Finite in UTM, infinite as longitude and latitude: a rejected row, and the rest
    with a bounding box every database stores (it was a 500 on both)."""
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
           "features": [{"type": "Feature", "properties": {"nr": nr},
                         "geometry": {"type": "Point", "coordinates": xy}}
                        for nr, xy in [(1, [333100, 5703100]), (2, [1e300, 1e300]),
                                       (3, [333900, 5704900])]]}  # fmt: skip
    run = load(dataset, json.dumps(doc).encode(), "a.geojson")
    assert (run.rows_imported, run.rows_rejected) == (2, 1)
    assert run.errors[0]["line"] == 2 and "finite" in run.errors[0]["reason"]
    assert [r["nr"] for r in rows_of(dataset)] == [1, 3]
    dataset.refresh_from_db()
    assert all(abs(v) < 90 for v in dataset.bbox)
    # The same by coordinate columns.
    run = load(dataset, b"nr;x;y\n1;333100;5703100\n2;1e300;1e300\n", "xy.csv",
               crs="EPSG:25832", x="x", y="y")  # fmt: skip
    assert (run.rows_imported, run.rows_rejected) == (1, 1)
    assert [r["nr"] for r in rows_of(dataset)] == [1]


def test_a_defined_reference_system_is_a_4xx_over_the_api(client, personas, token_for, alpha):
    Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    response = client.post(
        "/api/v1/municipalities/alpha/datasets/laeden/imports",
        {"file": SimpleUploadedFile("xy.csv", XY), "crs": "+proj=eqc +a=1 +nadgrids=/x"},
        **token_for(personas["editor"]),
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "EPSG" in response.json()["detail"]


def test_coordinates_that_are_not_finite_in_the_file_are_the_rows_fault(dataset, load):
    """1e400 in a longitude column without any reprojection, and an infinite height:
    rejected rows, not a 500 (bounding box) or a stored shape the spatial join fails on."""
    run = load(dataset, b"nr;lon;lat\n1;6.6;51.4\n2;1e400;51.4\n", "xy.csv", crs="EPSG:4326")
    assert (run.rows_imported, run.rows_rejected) == (1, 1)
    polygon = [[[6, 51, 0], [7, 51, 0], [7, 52, 1e400], [6, 51, 0]]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nr": 1}, "geometry": {"type": "Polygon", "coordinates": polygon}},
        {"type": "Feature", "properties": {"nr": 2}, "geometry": {"type": "Point", "coordinates": [6.6, 51.4, 30]}},
    ]}  # fmt: skip
    run = load(dataset, json.dumps(doc).replace("Infinity", "1e400").encode(), "z.geojson")
    assert (run.rows_imported, run.rows_rejected) == (1, 1)
    assert [r["nr"] for r in rows_of(dataset)] == [2]


def test_appending_with_or_without_geometries_where_the_dataset_differs_is_refused(dataset, load):
    point = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nr": 1},
             "geometry": {"type": "Point", "coordinates": [6.6, 51.4]}}]}  # fmt: skip
    load(dataset, json.dumps(point).encode(), "a.geojson")
    for mode in ("append", "upsert"):
        with pytest.raises(importing.ImportFailed, match="geometries where the dataset"):
            load(dataset, b"nr\n2\n", "b.csv", mode=mode, key="nr")
    load(dataset, b"nr\n2\n", "b.csv")  # replaced: a dataset without geometries
    with pytest.raises(importing.ImportFailed, match="geometries where the dataset"):
        load(dataset, json.dumps(point).encode(), "a.geojson", mode="append")
    assert [r["nr"] for r in rows_of(dataset)] == [2]
