"""Read one sheet of an XLSX or ODS workbook in a child process with limits.

A workbook can make its reader allocate far more than the file's size (a sheet that
claims ``A1:XFD1048576`` asks for 17 billion cells). ``readers.read_workbook`` first
checks what the file declares, then runs this module as its own process:

    python -m stadtkern.data.sheetparse WORKBOOK SHEET OUT MEMORY_BYTES CPU_SECONDS

which limits its own address space and CPU time before it reads anything (a limit
set from the parent between fork and exec is not safe in a threaded server). It writes JSON lines to OUT: first
``{"sheets": [...], "sheet": name}``, then one list of cell texts per row. If it runs
out of memory or time, only it dies; the web server answers the uploader with a 4xx.
This module imports no Django, so the child starts in a fraction of a second.
"""

import json
import math
import sys
from datetime import date, datetime, time

# Exit codes the parent turns into messages.
EXIT_NO_SHEET = 3
EXIT_UNREADABLE = 4
EXIT_MEMORY = 5


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
    try:
        sheet_range = book.get_sheet_by_name(name)
        # Rows and columns before the first filled cell are left out, as Excel's used range.
        first_row, first_col = sheet_range.start or (0, 0)
        for index, row in enumerate(sheet_range.iter_rows()):
            if index >= first_row:
                cells = [cell_text(c) for c in row[first_col:]]
                out.write(json.dumps(cells, ensure_ascii=False) + "\n")
    except MemoryError:
        return EXIT_MEMORY
    except Exception as exc:
        sys.stderr.write(str(exc)[:500])
        return EXIT_UNREADABLE
    return 0


def limit(memory: int, seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def main(argv: list[str]) -> int:
    path, sheet, target, memory, seconds = argv
    limit(int(memory), int(seconds))
    with open(target, "w", encoding="utf-8") as out:
        return write_sheet(path, sheet, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
