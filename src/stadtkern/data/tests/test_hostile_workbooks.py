"""Workbooks that would make a reader allocate far beyond their size are refused with a
clear error, before allocation where the file declares its size, and otherwise in a
child process whose death leaves the server and the stored data as they were."""

import io
import os
import re
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.data import importing
from stadtkern.data.models import Dataset, ImportRun

from .conftest import rows_of

pytestmark = pytest.mark.django_db


def _xlsx(patch=lambda xml: xml) -> bytes:
    """A two-cell workbook whose sheet XML ``patch`` rewrites."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Daten")
    sheet.write("A1", "nr")
    sheet.write("A2", 1)
    book.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = patch(data)
            target.writestr(info, data)
    return out.getvalue()


def _ods(rows_repeated: int, columns_repeated: int) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Daten">'
        f'<table:table-row table:number-rows-repeated="{rows_repeated}">'
        f'<table:table-cell table:number-columns-repeated="{columns_repeated}"'
        ' office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
            ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
            ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
            ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml"'
            ' manifest:media-type="text/xml"/></manifest:manifest>',
        )
        z.writestr("content.xml", content)
    return out.getvalue()


DIMENSION = b'<dimension ref="A1:A2"/>'
HOSTILE = {
    # the reported 1.6 KB file: a declared dimension of the whole sheet
    "declared": lambda xml: xml.replace(DIMENSION, b'<dimension ref="A1:XFD1048576"/>'),
    # no dimension at all, one cell in the last row and column
    "far_cell": lambda xml: xml.replace(DIMENSION, b"").replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>7</v></c></row></sheetData>'
    ),
    # a prefixed namespace and a far cell in a wide but short sheet
    "prefixed": lambda xml: xml.replace(DIMENSION, b"").replace(
        b"</sheetData>", b'<row r="3"><c s="0" r="ZZZ3000"><v>7</v></c></row></sheetData>'
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_sheets_spanning_more_cells_than_the_limit_are_refused_before_reading(
    dataset, load, settings, kind
):
    settings.DATASTORE_MAX_CELLS = 1_000_000
    load(dataset, b"nr\n5\n")
    with pytest.raises(importing.ImportFailed, match="at most 1,000,000 are read"):
        load(dataset, _xlsx(HOSTILE[kind]), "boese.xlsx")
    assert [r["nr"] for r in rows_of(dataset)] == [5]


def test_cells_without_their_reference_count_too(dataset, load, settings):
    """OOXML lets a cell leave out its reference (r): they are counted all the same,
    and the sheet is named by its name, not by its place in the archive."""
    settings.DATASTORE_MAX_CELLS = 1_000
    unreferenced = b"<row>" + b"<c><v>1</v></c>" * 1_001 + b"</row>"
    content = _xlsx(lambda xml: xml.replace(DIMENSION, b"").replace(
        b"</sheetData>", unreferenced + b"</sheetData>"))  # fmt: skip
    with pytest.raises(importing.ImportFailed, match="The sheet 'Daten' spans 1,00[0-9] cells"):
        load(dataset, content, "ohne-r.xlsx")


def test_a_reader_that_runs_out_of_memory_dies_alone(dataset, load, settings):
    # The first line let it pass (limit raised); the child's memory limit stops it.
    settings.DATASTORE_MAX_CELLS = 10**12
    settings.DATASTORE_PARSE_MEMORY_MB = 256
    load(dataset, b"nr\n5\n")
    with pytest.raises(importing.ImportFailed, match="needs more than 256 MB"):
        load(dataset, _xlsx(HOSTILE["far_cell"]), "boese.xlsx")
    with pytest.raises(importing.ImportFailed, match="needs more than 256 MB|Cell limit"):
        load(dataset, _ods(5000, 16384), "boese.ods")
    assert [r["nr"] for r in rows_of(dataset)] == [5]
    assert ImportRun.objects.filter(dataset=dataset, status="failed").count() == 2


def test_ordinary_workbooks_still_read_with_their_sheet_and_rows(dataset, load):
    run = load(dataset, _xlsx(), "gut.xlsx")
    assert run.rows_imported == 1
    assert [r["nr"] for r in rows_of(dataset)] == [1]


def test_upload_of_a_hostile_workbook_is_a_4xx_for_the_uploader(client, personas, token_for, alpha):
    Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    response = client.post(
        "/api/v1/municipalities/alpha/datasets/laeden/imports",
        {"file": SimpleUploadedFile("boese.xlsx", _xlsx(HOSTILE["declared"]))},
        **token_for(personas["editor"]),
    )
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "XFD" not in response.json()["detail"] or "cells" in response.json()["detail"]


def _geopackage(tmp_path, *statements, layer: str | None = None):
    """The two-point GeoPackage of the import tests (layer "laden"), changed by
    ``statements`` (SQL, or SQL and its parameters) with SQLite's schema writable, as a
    hostile tool would have it; ``layer`` is a table or view they made, registered as a
    layer."""
    import sqlite3

    from .test_import import _vector_file

    path = _vector_file(tmp_path, "GPKG", "laden.gpkg")
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema = ON")
    for statement in statements:
        con.execute(*statement) if isinstance(statement, tuple) else con.execute(statement)
    version = con.execute("PRAGMA schema_version").fetchone()[0]
    con.execute(f"PRAGMA schema_version = {version + 1}")  # hand edits are read anew
    if layer:
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier)"
            " VALUES (?, 'attributes', ?)",
            [layer, layer],
        )
    con.commit()
    con.close()
    return path


def _geopackage_with_endless_view(tmp_path) -> bytes:
    """A GeoPackage whose second layer is a view that never ends."""
    return _geopackage(
        tmp_path,
        "CREATE VIEW endlos AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
        " SELECT x AS fid, printf('%.200c', 'x') AS name FROM c",
        layer="endlos",
    ).read_bytes()


def test_a_geopackage_layer_that_never_ends_is_stopped_in_its_own_process(
    dataset, load, settings, tmp_path
):

    settings.DATASTORE_PARSE_MEMORY_MB = 512
    settings.DATASTORE_PARSE_SECONDS = 5
    content = _geopackage_with_endless_view(tmp_path)
    load(dataset, b"nr\n5\n")
    # The limits named are the child's: the layer was read there, not in this process.
    with pytest.raises(importing.ImportFailed, match="needs more than 512 MB or 5 s"):
        load(dataset, content, "boese.gpkg", sheet="endlos")
    assert [r["nr"] for r in rows_of(dataset)] == [5]
    # The file's ordinary layer reads as before; a layer it does not have is named.
    run = load(dataset, content, "gut.gpkg", sheet="laden")
    assert run.rows_imported == 2
    with pytest.raises(importing.ImportFailed, match="no sheet 'fehlt'. Sheets: laden, endlos"):
        load(dataset, content, "gut.gpkg", sheet="fehlt")


VRT = (
    '<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource>{source}</SrcDataSource>'
    "<SrcSQL>SELECT username, password FROM core_user</SrcSQL></OGRVRTLayer></OGRVRTDataSource>"
)


def _zipped(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("t.gpkg", VRT, "not a GeoPackage"),
        ("t.shp", VRT, "not a Shapefile"),
        ("t.zip", "vrt-in-zip", "not a Shapefile"),
        ("t.gpkg", "CSV:/etc/passwd", "not a GeoPackage"),
        ("t.shp", "<OGRVRTDataSource/>", "not a Shapefile"),
    ],
)
def test_a_file_that_only_claims_to_be_a_geopackage_or_shapefile_is_refused(
    dataset, load, settings, name, content, message
):
    """GDAL picks its driver by content: an OGR VRT named .gpkg would read the
    project's own database (or any file, or another server) into the dataset."""
    from django.db import connection

    vrt = VRT.format(source=connection.settings_dict["NAME"]).encode()
    data = {VRT: vrt, "vrt-in-zip": _zipped("x.shp", vrt)}.get(content) or content.encode()
    load(dataset, b"nr\n5\n")
    with pytest.raises(importing.ImportFailed, match=message):
        load(dataset, data, name)
    assert [r["nr"] for r in rows_of(dataset)] == [5]


def test_a_cell_larger_than_any_file_should_hold_is_refused_in_the_child(dataset, load, tmp_path):
    """A 28 KB GeoPackage whose view makes a 100-million-character value: the web process
    never reads it."""

    path = _geopackage(
        tmp_path,
        "CREATE VIEW riesig AS SELECT 1 AS fid, replace(hex(zeroblob(50000000)), '00', 'xy') AS big",
        layer="riesig",
    )
    # The child's own exit names the cell: the value never reached this process.
    with pytest.raises(importing.ImportFailed, match="more than 100,000 characters"):
        load(dataset, path.read_bytes(), "riesig.gpkg", sheet="riesig")


def test_a_geojson_document_is_parsed_in_the_child_within_its_limits(dataset, load, settings):
    """JSON takes many times its size once parsed (a 28 MB file of small features,
    well over 256 MB): the child that parses it stops, not the web server."""
    import json

    feature = {"type": "Feature", "properties": {"nr": 1, "name": "Laden"},
               "geometry": {"type": "Point", "coordinates": [6.63, 51.45]}}  # fmt: skip
    big = json.dumps({"type": "FeatureCollection", "features": [feature] * 300_000}).encode()
    load(dataset, b"nr\n5\n")
    settings.DATASTORE_PARSE_MEMORY_MB = 256
    with pytest.raises(importing.ImportFailed, match="needs more than 256 MB"):
        load(dataset, big, "gross.geojson")
    assert [r["nr"] for r in rows_of(dataset)] == [5]
    settings.DATASTORE_PARSE_MEMORY_MB = 2048
    assert load(dataset, big, "gross.geojson").rows_imported == 300_000


SCHEMA_ESCAPES = [
    # SpatiaLite, which GDAL carries, reads any file of the server as a table
    ("table", "leak", "CREATE VIRTUAL TABLE leak USING VirtualText('{secret}', 'UTF-8', 0, POINT, NONE, ':')", 0),
    ("table", "leak", "CREATE /* r */ VIRTUAL TABLE leak USING \"VirtualText\"('{secret}', 'UTF-8', 0)", 0),
    ("table", "leak", "CREATE VIRTUAL TABLE leak USING rtree_i32(id, a, b)", 0),
    # the module's name hidden in the table's; a root page as a real table has
    ("table", "k using rtree", "CREATE VIRTUAL TABLE \"k using rtree\" USING VirtualText('{secret}', 'UTF-8', 0)", 0),
    ("table", "leak", "CREATE VIRTUAL TABLE leak USING VirtualText('{secret}', 'UTF-8', 0)", 2),
    # named as a spatial index is: only SQLite's own R*Tree has its shadow tables
    ("table", "rtree_leak", "CREATE VIRTUAL TABLE rtree_leak USING VirtualText('{secret}', 'UTF-8', 0)", 0),
    # where the file lies on the server
    ("view", "leak", "CREATE VIEW leak AS SELECT 1 AS fid, (SELECT file FROM pragma_database_list) AS v", 0),
    ("view", "leak", "CREATE VIEW leak AS SELECT 1 AS fid, sql AS v FROM SQLITE_SCHEMA", 0),
    ("view", "leak", "CREATE VIEW leak AS SELECT 1 AS fid, '/*' AS a,"
     " (SELECT file FROM pragma_database_list) AS v, '*/' AS b", 0),
    # a function of an extension that plain SQLite does not have
    ("view", "leak", "CREATE VIEW leak AS SELECT 1 AS fid, readfile('{secret}') AS v", 0),
    # named as SQLite's own tables are, which a check might pass by
    ("view", "sqlite_leak", "CREATE VIEW \"sqlite_leak\" AS SELECT 1 AS fid,"
     " (SELECT file FROM pragma_database_list) AS v", 0),
    # ... also under a name SQLite does use for a table of its own
    ("view", "sqlite_stat1", "CREATE VIEW sqlite_stat1 AS SELECT 1 AS fid,"
     " (SELECT file FROM pragma_database_list) AS v", 0),
]  # fmt: skip
# Columns GDAL's SQLite computes while it reads a layer: SpatiaLite's XB_Create parses
# any file as an XML schema, and its error quotes the file's first line.
GENERATED = [
    "ALTER TABLE laden ADD COLUMN leak TEXT GENERATED ALWAYS AS (coalesce(XB_Create("
    "CAST('<a/>' AS BLOB), 0, '{secret}'), XB_GetLastValidateError())) VIRTUAL",
    "ALTER TABLE laden ADD COLUMN leak TEXT GENERATED ALWAYS AS (upper('x')) VIRTUAL",
]


@pytest.mark.parametrize("kind,name,sql,rootpage", SCHEMA_ESCAPES)
def test_a_geopackage_that_reads_beyond_its_file_is_refused(
    dataset, load, tmp_path, kind, name, sql, rootpage
):
    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim:1\n")
    entry = (
        "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, ?, ?)",
        [kind, name, name, rootpage, sql.format(secret=secret)],
    )
    path = _geopackage(tmp_path, entry, layer=name)
    load(dataset, b"nr\n5\n")
    for layer in (name, "laden"):
        with pytest.raises(importing.ImportFailed, match=f"'{name}', which reads beyond the file"):
            load(dataset, path.read_bytes(), "t.gpkg", sheet=layer)
    assert [r["nr"] for r in rows_of(dataset)] == [5]


@pytest.mark.parametrize("statement", GENERATED)
def test_a_geopackage_layer_with_computed_columns_is_refused(dataset, load, tmp_path, statement):
    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim:1\n")
    path = _geopackage(tmp_path, statement.format(secret=secret))
    with pytest.raises(importing.ImportFailed, match="'laden', which reads beyond the file"):
        load(dataset, path.read_bytes(), "t.gpkg", sheet="laden")


@pytest.mark.parametrize("statement", GENERATED[:1])
def test_geopackages_are_read_without_spatialite_even_past_the_schema_check(
    dataset, load, tmp_path, monkeypatch, statement
):
    """The second line does not lean on the first: with the schema check gone, the
    child's GDAL still has no SpatiaLite function to read a file with."""
    from stadtkern.data import readers

    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim:1\n")
    view = "CREATE VIEW version AS SELECT 1 AS fid, spatialite_version() AS v"
    path = _geopackage(tmp_path, statement.format(secret=secret), view, layer="version")
    monkeypatch.setattr(readers, "check_geopackage_schema", lambda path: None)
    load(dataset, b"nr\n5\n")
    for layer in ("laden", "version"):
        with pytest.raises(importing.ImportFailed) as failed:
            load(dataset, path.read_bytes(), "t.gpkg", sheet=layer)
        assert re.search("(unknown|no such) function", str(failed.value))
        assert "geheim" not in str(failed.value)
    assert [r["nr"] for r in rows_of(dataset)] == [5]


def test_a_table_dressed_as_a_spatial_index_part_is_checked_too(dataset, load, tmp_path):
    """SQLite calls a table a shadow table by its name alone: here the row-id table of a
    real spatial index computes a column while it is read."""
    rewrite = (
        "UPDATE sqlite_master SET sql = ? WHERE name = 'rt_rowid'",
        ['CREATE TABLE "rt_rowid"(rowid INTEGER PRIMARY KEY, nodeno, leak TEXT GENERATED ALWAYS'
         " AS (XB_Create(CAST('<x/>' AS BLOB), 1, '/etc/passwd')) VIRTUAL)"],
    )  # fmt: skip
    path = _geopackage(
        tmp_path, "CREATE VIRTUAL TABLE rt USING rtree(id, minx, maxx)", rewrite, layer="rt_rowid"
    )
    with pytest.raises(importing.ImportFailed, match="'rt_rowid', which reads beyond the file"):
        load(dataset, path.read_bytes(), "t.gpkg", sheet="rt_rowid")


def test_views_that_expand_beyond_measure_are_refused_at_once(dataset, load, tmp_path):
    """Each view uses the one before twice: 78 KB that took minutes to compile."""
    import time

    doubling = [f"CREATE VIEW v{i} AS SELECT * FROM v{i - 1} UNION ALL SELECT * FROM v{i - 1}"  # noqa: S608
                for i in range(1, 16)]  # fmt: skip
    path = _geopackage(
        tmp_path, "CREATE VIEW v0 AS SELECT " + "+".join(["1"] * 50) + " AS x", *doubling
    )
    started = time.monotonic()
    with pytest.raises(importing.ImportFailed, match="'v[0-9]+', which reads beyond the file"):
        load(dataset, path.read_bytes(), "t.gpkg", sheet="laden")
    assert time.monotonic() - started < 30  # minutes before; a busy machine takes seconds


def test_a_geopackage_with_its_spatial_index_reads_as_before(dataset, load, tmp_path):
    import sqlite3

    path = _geopackage(tmp_path)
    con = sqlite3.connect(path)
    assert con.execute(
        "SELECT count(*) FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%rtree%'"
    ).fetchone() == (1,)
    con.close()
    assert load(dataset, path.read_bytes(), "laden.gpkg").rows_imported == 2


@pytest.mark.parametrize("second", ["a.shp", "A.SHP"])
def test_a_zip_with_two_members_of_one_name_is_refused(dataset, load, second):
    """Python reads the last member of a name, GDAL the first: the checked Shapefile
    and the one read would differ (here a VRT reading the project's own database)."""
    import warnings

    from django.db import connection

    vrt = VRT.format(source=connection.settings_dict["NAME"]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        z.writestr("a.shp", vrt)
        z.writestr(second, SHAPEFILE_HEADER)
    load(dataset, b"nr\n5\n")
    with pytest.raises(importing.ImportFailed, match="two files of one name"):
        load(dataset, out.getvalue(), "strassen.zip")
    assert [r["nr"] for r in rows_of(dataset)] == [5]


# The 100-byte header of an empty Shapefile of points.
SHAPEFILE_HEADER = (
    (9994).to_bytes(4, "big") + bytes(20) + (50).to_bytes(4, "big")
    + (1000).to_bytes(4, "little") + (1).to_bytes(4, "little") + bytes(64)
)  # fmt: skip


def test_a_zipped_shapefile_in_a_folder_reads_and_its_errors_name_no_server_path(
    dataset, load, tmp_path
):
    from stadtkern.core.scratch import scratch_dir

    from .test_import import _vector_file

    _vector_file(tmp_path, "ESRI Shapefile", "laden.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for part in tmp_path.glob("laden.*"):
            z.write(part, f"daten/{part.name}")
    assert load(dataset, out.getvalue(), "laeden.zip").rows_imported == 2
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:  # the .shp without its .shx
        z.write(tmp_path / "laden.shp", "daten/laden.shp")
    with pytest.raises(importing.ImportFailed) as failed:
        load(dataset, broken.getvalue(), "ohne-shx.zip")
    message = str(failed.value)
    assert "laden" in message and str(tmp_path) not in message
    assert str(scratch_dir()) not in message and "/vsizip/" not in message
    mine = f"stadtkern-shp-{os.getpid()}-"
    assert not [p for p in scratch_dir().iterdir() if p.name.startswith(mine)]


def test_a_small_workbook_that_reads_as_gigabytes_stops_in_the_child(dataset, load):
    """One long shared string used in many cells: a file of some kilobytes that reads as
    hundreds of megabytes of rows, which the web process would hold."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Daten")
    sheet.write(0, 0, "text")
    long = "x" * 32_767  # the longest text Excel keeps in a cell
    for row in range(1, 3000):
        sheet.write_string(row, 0, long)
    book.close()
    assert len(buffer.getvalue()) < 200_000
    load(dataset, b"nr\n5\n")
    with pytest.raises(importing.ImportFailed, match="would take more than 64 MB"):
        load(dataset, buffer.getvalue(), "klein.xlsx")
    assert [r["nr"] for r in rows_of(dataset)] == [5]


@pytest.mark.parametrize("name", ["viele.xlsx", "viele.zip"])
@pytest.mark.parametrize("declared", ["truly", "one"])
def test_an_archive_of_very_many_members_is_refused_before_its_directory_is_read(
    dataset, load, name, declared
):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(10_001):
            z.writestr(f"{i}.txt", b"")
    data = bytearray(out.getvalue())
    if declared == "one":  # the end record claims one member; the directory holds all
        at = data.rfind(b"PK\x05\x06")
        data[at + 8 : at + 12] = (1).to_bytes(2, "little") * 2
    with pytest.raises(importing.ImportFailed, match="holds more than 10,000 files"):
        load(dataset, bytes(data), name)
