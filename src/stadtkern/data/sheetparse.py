"""Read one sheet of an XLSX or ODS workbook, one layer of a vector file (GeoPackage,
Shapefile) or a GeoJSON file, in a child process with limits.

A workbook can make its reader allocate far more than the file's size (a sheet that
claims ``A1:XFD1048576`` asks for 17 billion cells); a GeoPackage layer can be a view
that never ends, and GDAL reads a whole layer at once; a GeoJSON document is parsed
whole, at many times its size. ``readers.read_workbook``, ``readers.read_vector`` and
``readers.read_geojson`` first check what the file declares, then run this module as
its own process:

    python -m stadtkern.data.sheetparse sheet|layer|geojson FILE NAME OUT MEMORY_BYTES CPU_SECONDS OUT_BYTES

which limits its own address space, CPU time and what it may write (the web process
reads the rows back) before it reads anything (a limit
set from the parent between fork and exec is not safe in a threaded server). It writes
JSON lines to OUT: first ``{"sheets": [...], "sheet": name, ...}``, then one row per
line (a list of cell texts; for a layer, the cells and the geometry as hex WKB, and for
a GeoJSON feature that cannot be read, the code of its reason third). If it
runs out of memory or time, only it dies; the web server answers the uploader with a
4xx. This module imports no Django, so the child starts in a fraction of a second.
"""

import errno
import json
import math
import sys
from datetime import date, datetime, time

# Exit codes the parent turns into messages.
EXIT_NO_SHEET = 3
EXIT_UNREADABLE = 4
EXIT_MEMORY = 5
EXIT_BIG_CELL = 6
EXIT_BIG_GEOMETRY = 7
EXIT_TOO_MUCH = 8
# The longest text one cell may hold: a few bytes of a file (a GeoPackage view, a
# formula) can make a value of any size, and the web process reads each row whole.
MAX_CELL_CHARS = 100_000
# ... and the largest geometry (WKB): a million points, more than the finest boundary
# of a municipality has.
MAX_GEOMETRY_BYTES = 16 * 2**20


class BigCell(Exception):
    pass


class BigGeometry(Exception):
    pass


def row_texts(values) -> list[str]:
    cells = [cell_text(value) for value in values]
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise BigCell
    return cells


def cell_text(value) -> str:
    """A cell of a workbook or vector file as the text a CSV would hold."""
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def write_sheet(path: str, sheet: str, out) -> int:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(path)
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken files
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    name = sheet or (names[0] if names else "")
    out.write(json.dumps({"sheets": names, "sheet": name}, ensure_ascii=False) + "\n")
    if name not in names:
        return EXIT_NO_SHEET

    def rows():
        sheet_range = book.get_sheet_by_name(name)
        # Rows and columns before the first filled cell are left out, as Excel's used
        # range. calamine's rows begin at the first filled column already, but the
        # empty rows above the first filled one are among them.
        first_row = (sheet_range.start or (0, 0))[0]
        for index, row in enumerate(sheet_range.iter_rows()):
            if index >= first_row:
                cells = row_texts(row)
                out.write(json.dumps(cells, ensure_ascii=False) + "\n")

    return _exit_code(rows)


def write_layer(path: str, layer: str, out) -> int:
    import pyogrio

    try:
        names = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL reports broken files with its own error types
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    name = layer or (names[0] if names else "")
    if name not in names:
        out.write(json.dumps({"sheets": names, "sheet": name}, ensure_ascii=False) + "\n")
        return EXIT_NO_SHEET

    def rows():
        meta, _fids, wkb, values = pyogrio.raw.read(path, layer=name)
        head = {"sheets": names, "sheet": name, "fields": [str(f) for f in meta["fields"]],
                "crs": epsg_of(meta.get("crs")), "geometry": wkb is not None}  # fmt: skip
        out.write(json.dumps(head, ensure_ascii=False) + "\n")
        count = len(values[0]) if len(values) else (len(wkb) if wkb is not None else 0)
        for i in range(count):
            shape = wkb[i] if wkb is not None else None
            cells = row_texts(column[i] for column in values)
            if shape is not None and len(shape) > MAX_GEOMETRY_BYTES:
                raise BigGeometry
            out.write(json.dumps([cells, shape.hex() if shape else None], ensure_ascii=False))
            out.write("\n")

    return _exit_code(rows)


def epsg_of(crs: str | None) -> str | None:
    """The layer's reference system as ``EPSG:code`` where PROJ identifies it, else as
    the file defines it (which the server refuses). Identified here, in this limited
    process: a definition may name files that PROJ opens, to wait on a pipe for ever."""
    if not crs or crs.upper().startswith("EPSG:"):
        return crs
    try:
        from pyproj import CRS

        code = CRS.from_user_input(crs).to_epsg()
    except Exception:  # pyproj reports broken definitions with its own error types
        return crs[:200]
    return f"EPSG:{code}" if code else crs[:200]


def write_geojson(path: str, _name: str, out) -> int:
    """A FeatureCollection (or one Feature) as a layer. What is wrong with the whole
    document is the head line's ``error``; what is wrong with one feature, its row's."""
    from shapely.geometry import shape

    def fail(code: str, detail: str = "") -> int:
        out.write(json.dumps({"error": code, "detail": detail[:500]}) + "\n")
        return 0

    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except MemoryError:
        return EXIT_MEMORY
    except RecursionError:
        return fail("nested")
    except ValueError as exc:  # UnicodeDecodeError too
        return fail("not_json", str(exc))
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return fail("not_collection")
    features = doc.get("features")
    if not isinstance(features, list):
        return fail("no_features")
    crs = None
    declared = doc.get("crs")  # the 2008 form: {"properties": {"name": "EPSG:25832"}}
    properties = declared.get("properties") if isinstance(declared, dict) else None
    crs_name = properties.get("name") if isinstance(properties, dict) else None
    if isinstance(crs_name, str) and crs_name.strip():
        crs = crs_name[:200]  # the server accepts EPSG codes (and CRS84) only: geo.check_crs
    header = list(dict.fromkeys(
        str(key) for f in features if isinstance(f, dict)
        and isinstance(f.get("properties"), dict) for key in f["properties"]
    ))  # fmt: skip
    head = {"sheets": [], "sheet": "", "fields": header, "crs": crs or "EPSG:4326",
            "geometry": True}  # fmt: skip
    out.write(json.dumps(head, ensure_ascii=False) + "\n")

    def rows():
        for f in features:
            props = f.get("properties") if isinstance(f, dict) else None
            if not isinstance(f, dict) or not isinstance(props or {}, dict):
                out.write(json.dumps([None, None, "not_object"]) + "\n")
                continue
            try:
                cells = row_texts((props or {}).get(k) for k in header)
            except (RecursionError, ValueError):  # a property nested too deeply to write
                out.write(json.dumps([None, None, "nested"]) + "\n")
                continue
            try:
                wkb = shape(f["geometry"]).wkb.hex() if f.get("geometry") else None
            except Exception as exc:  # shapely raises several types for bad coordinates
                out.write(json.dumps([cells, None, "geometry", str(exc)[:200]]) + "\n")
                continue
            if wkb is not None and len(wkb) > 2 * MAX_GEOMETRY_BYTES:  # hex
                raise BigGeometry
            out.write(json.dumps([cells, wkb], ensure_ascii=False) + "\n")

    return _exit_code(rows)


def _exit_code(write_rows) -> int:
    """What the parent learns of how writing the rows ended."""
    try:
        write_rows()
    except BigCell:
        return EXIT_BIG_CELL
    except BigGeometry:
        return EXIT_BIG_GEOMETRY
    except MemoryError:
        return EXIT_MEMORY
    except OSError as exc:
        if exc.errno == errno.EFBIG:  # more rows than OUT_BYTES (a few bytes make gigabytes)
            return EXIT_TOO_MUCH
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    except Exception as exc:  # the readers raise their own error types for broken files
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    return 0


def limit(memory: int, seconds: int, output: int) -> None:
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    # A write beyond the limit fails with EFBIG (instead of killing the process), so
    # that the parent learns why.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))


def main(argv: list[str]) -> int:
    kind, path, name, target, memory, seconds, output = argv
    limit(int(memory), int(seconds), int(output))
    with open(target, "w", encoding="utf-8") as out:
        write = {"layer": write_layer, "geojson": write_geojson}.get(kind, write_sheet)
        return write(path, name, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
