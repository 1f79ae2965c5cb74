"""Downloads of a dataset's rows: CSV, JSON, GeoJSON and XLSX, streamed in keyset batches.

CSV and XLSX cells whose text begins with ``= + - @`` (or a tab or carriage return) are
prefixed with an apostrophe, so that a spreadsheet shows them as text instead of running
them as formulas (CSV injection). Numbers are written as numbers and never altered.
"""

import csv
import io
import json
import tempfile
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .datastore import Query
from .vocab import EXPORTS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _columns(query: Query) -> list[str]:
    return list(query.fields)


def csv_lines(query: Query) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    cols = _columns(query)
    header = [*cols, "geometry"] if query.geometry else cols
    writer.writerow(header)
    for row in query.stream():
        values = [neutralise(row.get(c)) for c in cols]
        if query.geometry:
            values.append(json.dumps(row.get("geometry")) if row.get("geometry") else "")
        writer.writerow(["" if v is None else v for v in values])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(query: Query) -> Iterator[str]:
    yield "["
    first = True
    for row in query.stream():
        row.pop("_id", None)
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]\n"


def geojson_chunks(query: Query) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":[\n'
    first = True
    for row in query.stream():
        geometry = row.pop("geometry", None)
        fid = row.pop("_id")
        feature = {"type": "Feature", "id": fid, "geometry": geometry, "properties": row}
        yield ("" if first else ",\n") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "\n]}\n"


# A worksheet has 1,048,576 rows; one holds the header.
XLSX_MAX_ROWS = 1_048_575


class TooLargeForXlsx(ValueError):
    """The rows do not fit on one worksheet; CSV takes them all."""


def xlsx_file(query: Query, title: str):
    import xlsxwriter

    rows = query.count()
    if rows > XLSX_MAX_ROWS:
        # Refused, not cut: a sheet that silently ends early is a wrong answer.
        raise TooLargeForXlsx(
            _(
                "%(rows)s rows do not fit on one XLSX sheet (at most %(max)s); download CSV"
                " or narrow the rows with filters."
            )
            % {
                "rows": number_format(rows, force_grouping=True),
                "max": number_format(XLSX_MAX_ROWS, force_grouping=True),
            }
        )

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse, which closes it
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(title[:31] or "data")
    cols = _columns(query)
    for j, c in enumerate(cols):
        sheet.write_string(0, j, c)
    for i, row in enumerate(query.stream(), start=1):
        for j, c in enumerate(cols):
            v = row.get(c)
            if v is None:
                continue
            if isinstance(v, bool | int | float):
                sheet.write(i, j, v)
            else:
                sheet.write_string(i, j, str(neutralise(v)))
    book.close()
    handle.seek(0)
    return handle


def response(query: Query, fmt: str, filename: str):
    media = EXPORTS[fmt][1]
    disposition = f'attachment; filename="{filename}.{fmt}"'
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(query, filename),
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type=media,
        )
    chunks = {"csv": csv_lines, "json": json_chunks, "geojson": geojson_chunks}[fmt](query)
    resp = StreamingHttpResponse(chunks, content_type=f"{media}; charset=utf-8")
    resp["Content-Disposition"] = disposition
    return resp
