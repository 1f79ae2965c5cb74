"""Read one sheet of an XLSX or ODS workbook, or one layer of a vector file
(GeoPackage, Shapefile), in a child process with limits.

A workbook can make its reader allocate far more than the file's size (a sheet that
claims ``A1:XFD1048576`` asks for 17 billion cells); a GeoPackage layer can be a view
that never ends, and GDAL reads a whole layer at once. ``readers.read_workbook`` and
``readers.read_vector`` first check what the file declares, then run this module as
its own process:

    python -m stadtkern.data.sheetparse sheet|layer FILE NAME OUT MEMORY_BYTES CPU_SECONDS

which limits its own address space and CPU time before it reads anything (a limit
set from the parent between fork and exec is not safe in a threaded server). It writes
JSON lines to OUT: first ``{"sheets": [...], "sheet": name, ...}``, then one row per
line (a list of cell texts; for a layer, the cells and the geometry as hex WKB). If it
runs out of memory or time, only it dies; the web server answers the uploader with a
4xx. This module imports no Django, so the child starts in a fraction of a second.
"""

import json
import math
import sys
from datetime import date, datetime, time

# Exit codes the parent turns into messages.
EXIT_NO_SHEET = 3
EXIT_UNREADABLE = 4
EXIT_MEMORY = 5
EXIT_BIG_CELL = 6
# The longest text one cell may hold: a few bytes of a file (a GeoPackage view, a
# formula) can make a value of any size, and the web process reads each row whole.
MAX_CELL_CHARS = 100_000


class BigCell(Exception):
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
        # Rows and columns before the first filled cell are left out, as Excel's used range.
        first_row, first_col = sheet_range.start or (0, 0)
        for index, row in enumerate(sheet_range.iter_rows()):
            if index >= first_row:
                cells = row_texts(row[first_col:])
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
                "crs": meta.get("crs"), "geometry": wkb is not None}  # fmt: skip
        out.write(json.dumps(head, ensure_ascii=False) + "\n")
        count = len(values[0]) if len(values) else (len(wkb) if wkb is not None else 0)
        for i in range(count):
            shape = wkb[i] if wkb is not None else None
            cells = row_texts(column[i] for column in values)
            if shape is not None and len(shape) > 4 * MAX_CELL_CHARS:
                raise BigCell
            out.write(json.dumps([cells, shape.hex() if shape else None], ensure_ascii=False))
            out.write("\n")

    return _exit_code(rows)


def _exit_code(write_rows) -> int:
    """What the parent learns of how writing the rows ended."""
    try:
        write_rows()
    except BigCell:
        return EXIT_BIG_CELL
    except MemoryError:
        return EXIT_MEMORY
    except Exception as exc:  # the readers raise their own error types for broken files
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    return 0


def limit(memory: int, seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (memory, memory))  # the rows it writes
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def main(argv: list[str]) -> int:
    kind, path, name, target, memory, seconds = argv
    limit(int(memory), int(seconds))
    with open(target, "w", encoding="utf-8") as out:
        return (write_layer if kind == "layer" else write_sheet)(path, name, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
