"""Import of real-world files: encodings, delimiters, German formats, defects, modes, versions."""

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.data import datastore, importing
from stadtkern.data.models import Dataset, ImportRun

from .conftest import MOERS, rows_of

pytestmark = pytest.mark.django_db


def types_of(run):
    return {c["name"]: c["type"] for c in run.columns}


def codes(run):
    return {w["code"] for w in run.warnings}


def test_the_real_moers_file_is_imported_with_its_defects_reported(dataset, load):
    run = load(dataset, MOERS.read_bytes(), "moers.csv")
    assert (run.status, run.rows_in, run.rows_imported, run.rows_rejected) == ("done", 744, 744, 0)
    assert (run.encoding, run.delimiter) == ("utf-8", ";")
    types = types_of(run)
    assert types["zeitpunkt_der_messung"] == "timestamp"
    assert types["erwachsene"] == "integer" and types["temperatur_in_c"] == "integer"
    assert types["wochentag"] == "text"
    lost = [w for w in run.warnings if w["code"] == "replacement_characters"]
    assert any("Fu\ufffdg\ufffdnger insgesamt" in w["message"] for w in lost)
    rows = rows_of(dataset)
    assert len(rows) == 744
    # 2022-05-01 00:00 +02:00 is 2022-04-30 22:00 UTC.
    assert rows[0]["zeitpunkt_der_messung"] == "2022-04-30T22:00:00Z"
    assert sum(1 for r in rows if r["temperatur_in_c"] is None) == 96
    # The published consistency checks hold after the import.
    for r in rows:
        assert r["erwachsene"] + r["kinder"] == r["fugnger_insgesamt"]


def test_cp1252_with_decimal_comma_thousands_and_german_dates(dataset, load):
    text = (
        "Straße;Fläche m²;Einwohner;Stichtag;Aktiv\r\n"
        "Königsallee;1.234,5;12.345;31.12.2023;ja\r\n"
        "Hauptstraße;17,25;980;01.02.2024;nein\r\n"
    )
    run = load(dataset, text.encode("cp1252"))
    assert run.encoding == "cp1252" and "encoding" in codes(run)
    assert types_of(run) == {
        "strasse": "text",
        "flaeche_m2": "decimal",
        "einwohner": "integer",
        "stichtag": "date",
        "aktiv": "boolean",
    }
    rows = rows_of(dataset)
    assert rows[0]["strasse"] == "Königsallee"
    assert rows[0]["flaeche_m2"] == 1234.5 and rows[0]["einwohner"] == 12345
    assert rows[0]["stichtag"] == "2023-12-31" and rows[1]["aktiv"] is False


def test_utf8_bom_tab_delimiter_iso_offsets_and_codes_with_leading_zeros(dataset, load):
    text = "ags\tname\tzeit\twert\n05999001\tMusterstadt\t2024-03-31T01:30:00+01:00\t3.5\n09162000\tMünchen\t2024-03-31 03:30:00 +0200\t-2.25\n"
    run = load(dataset, b"\xef\xbb\xbf" + text.encode())
    assert run.encoding == "utf-8-sig" and run.delimiter == "\t"
    assert types_of(run) == {"ags": "text", "name": "text", "zeit": "timestamp", "wert": "decimal"}
    rows = rows_of(dataset)
    assert [r["ags"] for r in rows] == ["05999001", "09162000"]
    assert [r["zeit"] for r in rows] == ["2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z"]
    assert [r["wert"] for r in rows] == [3.5, -2.25]


def test_mojibake_is_repaired(dataset, load):
    text = "Ort,Anzahl\nMÃ¼nster,3\nGÃ¶ttingen,4\n"
    run = load(dataset, text.encode())
    assert "mojibake" in codes(run)
    assert [r["ort"] for r in rows_of(dataset)] == ["Münster", "Göttingen"]


def test_ragged_rows_are_rejected_with_line_and_reason_and_counted(dataset, load):
    text = "a;b;c\n1;2;3\n4;5\n6;7;8;9\n10;11;12\n"
    run = load(dataset, text.encode())
    assert (run.rows_in, run.rows_imported, run.rows_rejected) == (4, 2, 2)
    assert [(e["line"], e["reason"]) for e in run.errors] == [
        (3, "2 fields, the header has 3"),
        (4, "4 fields, the header has 3"),
    ]
    assert [r["a"] for r in rows_of(dataset)] == [1, 10]


def test_a_value_one_column_off_its_header_is_put_back(dataset, load):
    text = "id;datum;betrag\n1;01.01.2024;5\n2;;02.01.2024;7\n3;03.01.2024;9\n"
    run = load(dataset, text.encode())
    assert run.rows_rejected == 0 and "shifted_values" in codes(run)
    row = rows_of(dataset)[1]
    assert (row["datum"], row["betrag"]) == ("2024-01-02", 7)


def test_empty_columns_and_bad_headers_are_reported(dataset, load):
    text = "name;;name;leer\nA;1;x;\nB;2;y;\n"
    run = load(dataset, text.encode())
    assert {"empty_header", "duplicate_header", "empty_column"} <= codes(run)
    assert [c["name"] for c in run.columns] == ["name", "column_2", "name_2", "leer"]


def test_conversion_failures_go_to_the_error_report(dataset, load):
    text = "nr;datum\n1;01.01.2024\n2;31.02.2024\nx;02.01.2024\n" + "".join(
        f"{i};01.01.2024\n" for i in range(3, 40)
    )
    run = load(dataset, text.encode(), types={"nr": "integer", "datum": "date"})
    assert run.rows_in == 40 and run.rows_rejected == 2 and run.rows_imported == 38
    assert {(e["column"], e["value"]) for e in run.errors} == {("datum", "31.02.2024"), ("nr", "x")}


def test_abort_on_error_keeps_the_previous_version(dataset, load):
    load(dataset, b"nr\n1\n2\n")
    with pytest.raises(importing.ImportFailed) as failure:
        load(dataset, b"nr\n5\nfuenf\n", types={"nr": "integer"}, on_error="abort")
    run = failure.value.run
    assert run.status == "failed" and run.rows_rejected == 1 and run.rows_imported == 0
    dataset.refresh_from_db()
    assert dataset.version == 1 and [r["nr"] for r in rows_of(dataset)] == [1, 2]


def test_type_override_to_text_keeps_every_row(dataset, load):
    run = load(dataset, b"plz\n47441\n4744a\n", types={"plz": "text"})
    assert run.rows_rejected == 0 and [r["plz"] for r in rows_of(dataset)] == ["47441", "4744a"]


def test_replace_append_and_upsert_versions_with_provenance(dataset, load, personas):
    first = load(dataset, b"id;wert\n1;10\n2;20\n")
    assert first.version == 1 and len(first.sha256) == 64
    load(dataset, b"id;wert\n3;30\n", mode="append")
    assert [r["id"] for r in rows_of(dataset)] == [1, 2, 3]
    run = load(dataset, b"id;wert\n2;25\n4;40\n2;26\n", mode="upsert", key="id")
    rows = {r["id"]: r["wert"] for r in rows_of(dataset)}
    assert rows == {1: 10, 2: 26, 3: 30, 4: 40}
    assert run.version == 3
    dataset.refresh_from_db()
    assert dataset.row_count == 4 and dataset.key == "id"
    load(dataset, b"id;wert\n9;90\n")
    assert [r["id"] for r in rows_of(dataset)] == [9]
    assert list(
        ImportRun.objects.filter(dataset=dataset, status="done").values_list("version", flat=True)
    ) == [4, 3, 2, 1]
    # Only the current version's table is kept.
    assert dataset.table == f"ds_{dataset.pk}_4"


def test_append_with_other_columns_is_refused_and_changes_nothing(dataset, load):
    load(dataset, b"id;wert\n1;10\n")
    with pytest.raises(importing.ImportFailed, match="columns and types"):
        load(dataset, b"id;anders\n2;x\n", mode="append")
    assert [r["id"] for r in rows_of(dataset)] == [1]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "leer.csv", "empty"),
        (b"\x00\x01\x02binary\x00junk" * 10, "junk.csv", "binary"),
        (b"\n\n\n", "blank.csv", "empty"),
        (b"PK\x03\x04 not really", "kaputt.xlsx", "not a valid ZIP"),
        (b"{not json", "kaputt.geojson", "not valid JSON"),
        (b"a,b\n1,2\n", "daten.pdf", "Unknown file type"),
    ],
)
def test_unreadable_files_fail_with_a_message_and_change_nothing(
    dataset, load, content, name, message
):
    load(dataset, b"nr\n1\n")
    with pytest.raises(importing.ImportFailed, match=message):
        load(dataset, content, name)
    assert [r["nr"] for r in rows_of(dataset)] == [1]
    assert ImportRun.objects.filter(dataset=dataset, status="failed").count() == 1


def test_files_over_the_size_limit_are_refused(dataset, load, settings):
    settings.DATASTORE_MAX_UPLOAD = 100
    with pytest.raises(importing.ImportFailed, match="limit"):
        load(dataset, b"a\n" + b"1\n" * 100)


def test_wrong_explicit_encoding_is_a_clear_error(dataset, load):
    with pytest.raises(importing.ImportFailed, match="not valid utf-8"):
        load(dataset, "Straße\nä\n".encode("cp1252"), encoding="utf-8")


def test_zip_bombs_are_refused(dataset, load):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 2**20))
    with pytest.raises(importing.ImportFailed, match="zip bomb"):
        load(dataset, buffer.getvalue(), "bombe.xlsx")


def _xlsx(rows, sheet="Daten", at=(0, 0)) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Deckblatt").write(0, 0, "Bitte Blatt Daten verwenden")
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, date):
                ws.write_datetime(at[0] + i, at[1] + j, v, date_format)
            else:
                ws.write(at[0] + i, at[1] + j, v)
    book.close()
    return buffer.getvalue()


def test_xlsx_named_sheet_with_typed_cells(dataset, load):
    content = _xlsx(
        [
            ["Nr", "Name", "Fläche", "Seit"],
            [1, "Laden A", 120.5, date(2023, 4, 1)],
            [2, "Laden B", 80, date(2024, 1, 15)],
        ]
    )
    run = load(dataset, content, "leerstand.xlsx", sheet="Daten")
    assert run.sheet == "Daten"
    assert types_of(run) == {"nr": "integer", "name": "text", "flaeche": "decimal", "seit": "date"}
    rows = rows_of(dataset)
    assert rows[0]["flaeche"] == 120.5 and rows[1]["name"] == "Laden B"
    with pytest.raises(importing.ImportFailed, match="no sheet 'Fehlt'"):
        load(dataset, content, "leerstand.xlsx", sheet="Fehlt")


@pytest.mark.parametrize("at", [(0, 1), (3, 2), (2, 0)])
def test_a_table_that_starts_away_from_a1_keeps_every_column(dataset, load, at):
    content = _xlsx([["Nr", "Name", "Fläche"], [1, "Laden A", 120.5], [2, "Laden B", 80]], at=at)
    run = load(dataset, content, "versetzt.xlsx", sheet="Daten")
    assert [c["name"] for c in run.columns] == ["nr", "name", "flaeche"]
    assert [(r["nr"], r["name"], r["flaeche"]) for r in rows_of(dataset)] == [
        (1, "Laden A", 120.5), (2, "Laden B", 80.0),
    ]  # fmt: skip


def _ods(rows) -> bytes:
    cells = "".join(
        "<table:table-row>"
        + "".join(
            "<table:table-cell/>"
            if v is None
            else f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
            if isinstance(v, int | float)
            else f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Tabelle1">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_ods_first_sheet(dataset, load):
    run = load(
        dataset, _ods([["Bezirk", "Einwohner"], ["Nord", 12000], ["Süd", 8500.5]]), "bezirke.ods"
    )
    assert run.sheet == "Tabelle1" and types_of(run) == {"bezirk": "text", "einwohner": "decimal"}
    assert [r["bezirk"] for r in rows_of(dataset)] == ["Nord", "Süd"]


def test_ods_table_that_starts_away_from_a1(dataset, load):
    rows = [[None], [None, None, "Bezirk", "Einwohner"], [None, None, "Nord", 12000]]
    run = load(dataset, _ods(rows), "bezirke.ods")
    assert [c["name"] for c in run.columns] == ["bezirk", "einwohner"]
    assert [(r["bezirk"], r["einwohner"]) for r in rows_of(dataset)] == [("Nord", 12000)]


def _square(x, y, d):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
    }


def test_geojson_in_utm_is_reprojected_and_its_crs_kept(dataset, load):
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Mitte", "nr": 1},
                "geometry": _square(333000, 5703000, 1000),
            },
            {
                "type": "Feature",
                "properties": {"name": "Nord", "nr": 2},
                "geometry": _square(333000, 5704000, 1000),
            },
            {
                "type": "Feature",
                "properties": {"name": "kaputt", "nr": 3},
                "geometry": {"type": "Polygon", "coordinates": [[1]]},
            },
        ],
    }
    run = load(dataset, json.dumps(doc).encode(), "bezirke.geojson")
    assert run.source_crs == "EPSG:25832" and run.rows_imported == 2 and run.rows_rejected == 1
    dataset.refresh_from_db()
    assert dataset.geometry_type == "Polygon" and dataset.source_crs == "EPSG:25832"
    minx, miny, maxx, maxy = dataset.bbox
    # UTM 32N easting 333 km lies west of 9°E; northing 5703 km near 51.4°N (Lower Rhine).
    assert 6.5 < minx < maxx < 6.7 and 51.4 < miny < maxy < 51.5
    geometry = rows_of(dataset)[0]["geometry"]
    assert geometry["type"] == "Polygon" and 6.5 < geometry["coordinates"][0][0][0] < 6.7


def test_csv_with_utm_coordinates_becomes_points(dataset, load):
    text = "nr;rechtswert;hochwert\n1;333500,5;5703500\n2;333600;5704500\n3;;\n"
    run = load(dataset, text.encode())
    assert run.source_crs == "EPSG:25832" and "crs" in codes(run)
    rows = rows_of(dataset)
    lon, lat = rows[0]["geometry"]["coordinates"]
    assert 6.6 < lon < 6.7 and 51.4 < lat < 51.5
    assert rows[2]["geometry"] is None


def _vector_file(tmp_path, driver, name):
    import numpy as np
    import pyogrio
    import shapely

    points = shapely.points([333100.0, 333900.0], [5703100.0, 5704900.0])
    path = tmp_path / name
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(points),
        [np.array(["A-1", "B-2"], dtype=object), np.array([75.5, 120.0])],
        ["einheit", "flaeche"],
        driver=driver,
        geometry_type="Point",
        crs="EPSG:25832",
    )
    return path


def test_geopackage(dataset, load, tmp_path):
    content = _vector_file(tmp_path, "GPKG", "laden.gpkg").read_bytes()
    run = load(dataset, content, "laeden.gpkg")
    assert run.source_crs == "EPSG:25832" and run.rows_imported == 2
    assert [r["einheit"] for r in rows_of(dataset)] == ["A-1", "B-2"]


def test_zipped_shapefile(dataset, load, tmp_path):
    shp = _vector_file(tmp_path, "ESRI Shapefile", "laden.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for part in tmp_path.glob("laden.*"):
            z.write(part, part.name)
    run = load(dataset, buffer.getvalue(), "laeden.zip")
    assert shp.exists() and run.format == "shp" and run.rows_imported == 2
    assert rows_of(dataset)[1]["flaeche"] == 120.0


def test_preview_writes_nothing_and_reports_everything(dataset, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"a;b\n1;2\n3\n")
    run, analysis = importing.preview(dataset, path, "p.csv", importing.Options())
    assert run.status == "preview" and (run.rows_in, run.rows_rejected) == (2, 1)
    assert analysis.preview_rows() == [["1", "2"], ["3"]]
    dataset.refresh_from_db()
    assert dataset.table == "" and dataset.version == 0


def test_a_preview_keeps_only_the_start_of_long_cells(dataset, tmp_path):
    # A run is stored with every preview; a file of a few long cells must not make
    # the database keep megabytes per dry run.
    path = tmp_path / "long.csv"
    long = "x" * 1_000_000
    path.write_text(f"nr;{'t' * 5000}\n1;{long}\n2;{long}\n{long};3\n", encoding="utf-8")
    options = importing.Options(types={"nr": "integer"})
    run, _analysis = importing.preview(dataset, path, "long.csv", options)
    run.refresh_from_db()
    stored = json.dumps([run.columns, run.sample, run.errors])
    assert len(stored) < 20_000
    assert run.sample[0][1] == "x" * (importing.SHOWN_CHARS - 1) + "…"
    assert run.rows_in == 3 and run.rows_rejected == 1
    assert len(run.errors[0]["value"]) <= importing.SHOWN_CHARS


def test_what_a_run_keeps_fits_its_fields_on_every_database(dataset, load, tmp_path):
    """A layer name of 250 characters and a German number of 100,000 digits are the
    file's, not the run's to refuse (PostgreSQL answered 500 for the first)."""
    name = "s" * 250
    _vector_file(tmp_path, "ESRI Shapefile", f"{name}.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for part in tmp_path.glob(f"{name}.*"):
            z.write(part, part.name)
    run = load(dataset, buffer.getvalue(), "lang.zip")
    assert run.rows_imported == 2 and run.sheet.startswith("sss") and len(run.sheet) <= 200
    grouped = "1." + ".".join(["000"] * 30_000)
    run = load(dataset, f"zahl\n{grouped}\n2.000\n".encode(), "zahlen.csv")
    assert len(json.dumps(run.warnings)) < 2_000


def test_uploads_are_kept_for_their_commit_and_removed_after_some_days(dataset, tmp_path, settings):
    import os
    import time

    settings.DATASTORE_UPLOAD_DIR = tmp_path / "uploads"
    path = tmp_path / "a.csv"
    path.write_bytes(b"nr\n1\n")
    run, _analysis = importing.preview(dataset, path, "a.csv", importing.Options())
    kept = tmp_path / "uploads" / Path(run.stored_file).name
    assert kept.exists()
    long_ago = time.time() - (settings.DATASTORE_UPLOAD_KEEP_DAYS + 1) * 86400
    os.utime(kept, (long_ago, long_ago))
    other = tmp_path / "b.csv"
    other.write_bytes(b"nr\n2\n")
    importing.preview(dataset, other, "b.csv", importing.Options())
    assert not kept.exists()
    with pytest.raises(importing.ImportFailed, match="no longer kept"):
        importing.commit_preview(run, {}, None)


@pytest.mark.parametrize("quoted", [False, True])
def test_a_line_longer_than_a_csv_field_may_be_is_a_clear_error(dataset, load, quoted):
    long = "x" * 200_000
    content = f"a;b\n1;2\n{chr(34) + long + chr(34) if quoted else long}\n3;4\n".encode()
    with pytest.raises(importing.ImportFailed, match="Line 3 is not readable as CSV"):
        load(dataset, content)
    with pytest.raises(importing.ImportFailed, match="not readable as CSV"):
        importing.preview(dataset, _written(dataset, content), "lang.csv", importing.Options())


def _written(dataset, content: bytes):
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115
    handle.write(content)
    handle.close()
    return Path(handle.name)


def test_a_layer_of_every_kind_of_geometry_is_stored_on_every_database(dataset, load):
    import json as _json

    shapes = [
        {"type": "Point", "coordinates": [6.6, 51.4]},
        {"type": "MultiPoint", "coordinates": [[6.6, 51.4]]},
        {"type": "LineString", "coordinates": [[6.6, 51.4], [6.7, 51.5]]},
        {"type": "MultiLineString", "coordinates": [[[6.6, 51.4], [6.7, 51.5]]]},
        {"type": "Polygon", "coordinates": [[[6.6, 51.4], [6.7, 51.4], [6.7, 51.5], [6.6, 51.4]]]},
        {"type": "MultiPolygon", "coordinates": [[[[6.6, 51.4], [6.7, 51.4], [6.7, 51.5], [6.6, 51.4]]]]},
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [6.6, 51.4]}]},
    ]  # fmt: skip
    features = [
        {"type": "Feature", "properties": {"nr": i}, "geometry": g} for i, g in enumerate(shapes)
    ]
    content = _json.dumps({"type": "FeatureCollection", "features": features}).encode()
    run = load(dataset, content, "alles.geojson")
    dataset.refresh_from_db()
    assert run.rows_imported == 7 and dataset.geometry_type == "Geometry"


def test_a_file_name_longer_than_the_file_system_takes_is_only_a_name(client, personas, alpha):
    dataset = Dataset.objects.create(municipality=alpha, slug="namen", title="Namen")
    client.force_login(personas["editor"])
    for name in ("ä" * 150 + ".csv", "x." + "c" * 230, "daten." + "csv" * 60):
        response = client.post(
            f"/api/v1/municipalities/{alpha.slug}/datasets/{dataset.slug}/imports",
            {"file": SimpleUploadedFile(name, b"nr\n1\n"), "format": "csv", "dry_run": "true"},
        )
        assert response.status_code in (200, 201), (name[:20], response.content[:300])
    url = f"/api/v1/municipalities/{alpha.slug}/datasets/{dataset.slug}/imports"
    # A part whose header is longer than Django reads (a client may send any name).
    boundary = "grenze"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{"x" * 20_000}.csv"\r\nContent-Type: text/csv\r\n\r\nnr\n1\n\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = client.post(url, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400, response.content[:300]
    for field, value in [("encoding", "utf\x00"), ("sheet", "a\x00b"), ("crs", "EPSG:\x00"),
                         ("types", '{"a\\u0000": "text"}'), ("types", '{"a": "\\ud800"}'),
                         ("indexes", "nr\x00")]:  # fmt: skip
        upload = SimpleUploadedFile("a.csv", b"nr\n1\n")
        response = client.post(url, {"file": upload, field: value, "dry_run": "true"})
        assert response.status_code in (400, 422), (field, value, response.content[:200])


@pytest.mark.parametrize("crs", ['"EPSG:25832"', "[1]", '{"properties": "x"}', "null"])
def test_a_geojson_crs_of_any_shape_is_read_or_left(dataset, load, crs):
    content = (
        '{"type": "FeatureCollection", "crs": ' + crs + ', "features": [{"type": "Feature",'
        ' "properties": {"nr": 1}, "geometry": {"type": "Point", "coordinates": [6.6, 51.4]}}]}'
    )
    run = load(dataset, content.encode(), "crs.geojson")
    assert run.rows_imported == 1 and run.source_crs == "EPSG:4326"


def test_deleting_a_dataset_drops_its_table(dataset, load, personas):
    from stadtkern.data import services

    load(dataset, b"a\n1\n")
    table = Dataset.objects.get(pk=dataset.pk).table
    services.dataset_delete(dataset=Dataset.objects.get(pk=dataset.pk), user=personas["editor"])
    with pytest.raises(Exception):  # noqa: B017 - the table must be gone, whatever the backend says
        datastore.count(table)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("cp1252", "cp1252"), ("cp850", "cp850"), ("mac_roman", "mac_roman")],
)
def test_short_single_byte_files_are_read_in_their_code_page(dataset, load, encoding, expected):
    text = "Straße;Fläche\nSteinstraße 1;120,5\nKöhlerweg 3;80\n"
    run = load(dataset, text.encode(encoding))
    assert run.encoding == expected
    assert [r["strasse"] for r in rows_of(dataset)] == ["Steinstraße 1", "Köhlerweg 3"]


# --- the bulk path: clean files read piece by piece ---


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of a few lines, so that small files are cut into many."""
    from stadtkern.data import readers

    monkeypatch.setattr(readers, "PIECE_BYTES", 40)


def test_a_clean_file_cut_into_pieces_gives_every_row_with_its_line(dataset, load, small_pieces):
    lines = ["nr;name;betrag;tag"] + [
        f"{i};Straße {i};{i}.000,5;{i % 28 + 1:02d}.02.2024" for i in range(1, 201)
    ]
    run = load(dataset, ("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert (run.rows_in, run.rows_imported, run.encoding) == (200, 200, "cp1252")
    rows = rows_of(dataset)
    assert [r["nr"] for r in rows] == list(range(1, 201))
    assert rows[149] == {
        "_id": 150, "nr": 150, "name": "Straße 150", "betrag": 150000.5, "tag": "2024-02-11"
    }  # fmt: skip


def test_a_bad_value_deep_in_a_piece_is_reported_with_its_file_line(dataset, load, small_pieces):
    lines = ["nr;wert"] + [f"{i};{i},5" for i in range(1, 101)]
    lines[77] = "77;sieben"
    run = load(dataset, ("\n".join(lines) + "\n").encode(), types={"wert": "decimal"})
    assert (run.rows_in, run.rows_imported, run.rows_rejected) == (100, 99, 1)
    assert [(e["line"], e["column"], e["value"]) for e in run.errors] == [(78, "wert", "sieben")]


def test_short_and_long_lines_that_balance_out_are_still_found(dataset, load, small_pieces):
    # One line short of a field and one with a field too many: the delimiters add up over
    # the file, so only the piece that holds them shows it.
    lines = ["a;b;c"] + [f"{i};{i};{i}" for i in range(1, 61)]
    lines[30], lines[31] = "30;30", "31;31;31;31"
    run = load(dataset, ("\n".join(lines) + "\n").encode())
    assert (run.rows_in, run.rows_imported, run.rows_rejected) == (60, 58, 2)
    assert [(e["line"], e["reason"]) for e in run.errors] == [
        (31, "2 fields, the header has 3"),
        (32, "4 fields, the header has 3"),
    ]
    assert len(rows_of(dataset)) == 58


def test_utf8_text_that_needs_repair_is_read_as_a_whole(dataset, load, small_pieces):
    text = "ort;anzahl\n" + "".join(f"MÃ¼nster {i};{i}\n" for i in range(50))
    run = load(dataset, text.encode())
    assert "mojibake" in codes(run)
    assert rows_of(dataset)[49]["ort"] == "Münster 49"


def test_awkward_text_and_fractions_of_seconds_are_stored_as_they_were(dataset, load):
    # Backslashes, tabs and line breaks in quoted cells, a literal \N, a text that looks
    # like a number, and timestamps with and without a fraction of a second.
    values = ["C:\\Daten\\neu", "a\tb", "zwei\nZeilen", "\\N", "\\", "007", ""]
    lines = ["nr;text;zeit"] + [
        f'{i};"{v}";2024-03-0{i} 10:00:00{".250000" if i % 2 else ""}+01:00'
        for i, v in enumerate(values, start=1)
    ]
    run = load(dataset, ("\r\n".join(lines) + "\r\n").encode())
    assert run.rows_imported == len(values)
    rows = rows_of(dataset)
    assert [r["text"] for r in rows] == [*values[:-1], None]
    assert rows[0]["zeit"] == "2024-03-01T09:00:00.250000Z"
    assert rows[1]["zeit"] == "2024-03-02T09:00:00Z"


def test_a_point_that_may_be_decimal_or_thousands_is_named_in_a_warning(dataset, load):
    run = load(dataset, b"messstelle;wert\nA;83.252\nB;1.500\nC;7\n")
    assert [r["wert"] for r in rows_of(dataset)] == [83252, 1500, 7]
    warning = next(w for w in run.warnings if w["code"] == "ambiguous_number")
    assert warning["column"] == "wert" and "83.252" in warning["message"]


def test_no_ambiguity_warning_when_the_column_settles_it(dataset, load):
    run = load(dataset, b"messstelle;wert\nA;83.252\nB;1,5\n")
    assert not [w for w in run.warnings if w["code"] == "ambiguous_number"]
    assert [r["wert"] for r in rows_of(dataset)] == [83252, 1.5]


def test_a_preview_is_imported_once(dataset, tmp_path):
    from stadtkern.data.models import ImportStatus

    path = tmp_path / "p.csv"
    path.write_bytes(b"a;b\n1;2\n")
    run, _analysis = importing.preview(dataset, path, "p.csv", importing.Options(mode="append"))
    done = importing.commit_preview(run, {}, None)
    assert done.status == ImportStatus.DONE
    with pytest.raises(importing.ImportFailed, match="imported already"):
        importing.commit_preview(run, {}, None)
    dataset.refresh_from_db()
    assert dataset.row_count == 1
