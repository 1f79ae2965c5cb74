"""Readers that turn an uploaded file into a header and rows of cell texts.

Each reader returns a :class:`Source`: the header as the file names it, an iterator of
``(line, cells, geometry)`` and the facts it found on the way (encoding, delimiter, sheet,
coordinate reference system, warnings). Type conversion happens later, in one place, so
that every format follows the same rules and the same row accounting.

Files are refused with :class:`ReadError` (a message for people) when they are empty,
binary, too big, or archives that would unpack to far more than they weigh.
"""

import codecs
import csv
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import weakref
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from stadtkern.core.scratch import scratch_dir, scratch_file

from . import sheetparse

FORMATS = ("csv", "xlsx", "ods", "geojson", "gpkg", "shp")
SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".ods": "ods",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shp",
    ".shp": "shp",
}
DELIMITERS = (";", ",", "\t", "|")
HEAD_BYTES = 2**20  # where a CSV's delimiter and header are looked for
PIECE_BYTES = 8 * 2**20  # the bulk path's unit of work: some 80,000 lines of ten columns
# Text that was UTF-8, read as cp1252 and saved again as UTF-8 ("MÃ¼nster").
_MOJIBAKE = ("Ã¤", "Ã¶", "Ã¼", "ÃŸ", "Ã„", "Ã–", "Ãœ", "Ã©")


class ReadError(Exception):
    """The file cannot be read at all; the message says why, for the person who sent it."""


@dataclass
class Source:
    format: str
    header: list[str]
    rows: Iterator[tuple[int, list[str], object]]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    crs: str | None = None
    geometry: bool = False
    total: int | None = None  # rows expected, for progress bars
    # A clean CSV's data lines, read piece by piece: the bulk path of the importer.
    pieces: "Pieces | None" = None
    warnings: list[dict] = field(default_factory=list)


def guess_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ReadError(
            _("Unknown file type '%(suffix)s'. Supported: %(formats)s.")
            % {"suffix": suffix or name, "formats": ", ".join(FORMATS)}
        )
    return SUFFIXES[suffix]


def open_source(
    path: Path,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Source:
    """Open ``path`` as ``fmt`` (guessed from the name when None)."""
    fmt = fmt or guess_format(path.name)
    if fmt not in FORMATS:
        raise ReadError(_("Unknown format '%(format)s'.") % {"format": fmt})
    size = path.stat().st_size
    if size == 0:
        raise ReadError(_("The file is empty."))
    if size > settings.DATASTORE_MAX_UPLOAD:
        raise ReadError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": size // 2**20, "limit": settings.DATASTORE_MAX_UPLOAD // 2**20}
        )
    if fmt == "csv":
        return read_csv(path.read_bytes(), encoding=encoding, delimiter=delimiter)
    if fmt in ("xlsx", "ods"):
        return read_workbook(path, fmt, sheet)
    if fmt == "geojson":
        return read_geojson(path)
    return read_vector(path, fmt, sheet)


# --- CSV ---


def choose_encoding(data: bytes, encoding: str | None = None):
    """How to decode the file: (offset of the text, codec, errors, name, warnings).

    UTF-8 (with or without BOM) is taken as it is when it is valid (codec None); else
    the best single-byte code page. A named encoding must read the whole file.
    """
    warnings: list[dict] = []
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(_("The file contains binary data; it is not a text (CSV) file."))
    if encoding:
        try:
            name = codecs.lookup(encoding).name
            data.decode(encoding)
        except LookupError as exc:
            raise ReadError(_("Unknown encoding '%(e)s'.") % {"e": encoding}) from exc
        except UnicodeDecodeError as exc:
            raise ReadError(
                _("The file is not valid %(e)s (byte %(pos)s). Try another encoding.")
                % {"e": encoding, "pos": exc.start}
            ) from exc
        if name == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            return 3, None, "strict", encoding, warnings
        return 0, None if name in ("utf-8", "utf-8-sig") else encoding, "strict", encoding, warnings
    if data.startswith(codecs.BOM_UTF8):
        return 3, None if _valid_utf8(data, 3) else "utf-8", "replace", "utf-8-sig", warnings
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 0, "utf-16", "replace", "utf-16", warnings
    if _valid_utf8(data):
        return 0, None, "strict", "utf-8", warnings
    chosen = _single_byte_encoding(data[: 2**16])
    warnings.append(
        {
            "code": "encoding",
            "message": _("The file is not UTF-8; it was read as %(e)s.") % {"e": chosen},
        }
    )
    return 0, chosen, "replace", chosen, warnings


def _valid_utf8(data: bytes, start: int = 0) -> bool:
    try:
        codecs.utf_8_decode(memoryview(data)[start:], "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def _ascii_compatible(codec: str | None) -> bool:
    """Whether every byte is one character, the first 128 being ASCII (see Pieces)."""
    if codec is None or codecs.lookup(codec).name == "utf-8":
        return True
    table = bytes(range(256)).decode(codec, errors="replace")
    return len(table) == 256 and table[:128] == bytes(range(128)).decode("ascii")


GERMAN = "äöüÄÖÜß€„“–é"
# Control characters and box drawing: what a wrong code page makes of German letters.
_UNLIKELY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u2500-\u25ff]")
SINGLE_BYTE = ("cp1252", "cp850", "mac_roman")


def _single_byte_encoding(sample: bytes) -> str:
    """The code page under which a sample reads most like German text.

    Municipal files that are not UTF-8 are almost always Windows-1252; old DOS (cp850) and
    Mac exports occur too. Each candidate is scored by the German letters it yields, minus
    control characters; a tie goes to Windows-1252. charset-normalizer decides only when
    no candidate reads the sample at all.
    """
    best, best_score = None, None
    for name in SINGLE_BYTE:
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        score = sum(text.count(ch) for ch in GERMAN) - 5 * len(_UNLIKELY.findall(text))
        if best_score is None or score > best_score:
            best, best_score = name, score
    if best is not None:
        return best
    from charset_normalizer import from_bytes

    found = from_bytes(sample, cp_isolation=["cp1252", "iso8859_15", "cp850", "mac_roman"]).best()
    return found.encoding if found is not None else "cp1252"


def repair_mojibake(text: str) -> tuple[str, dict | None]:
    """Undo UTF-8 that was once read as cp1252 ('Ã¼' for 'ü'), when that is what happened."""
    if "Ã" not in text or not any(m in text for m in _MOJIBAKE):
        return text, None
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text, None
    return fixed, {
        "code": "mojibake",
        "message": _(
            "The text had been decoded with the wrong code page once ('Ã¼' for 'ü'); "
            "it was repaired."
        ),
    }


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    if not lines:
        return ";"
    best, best_score = ";", (-1, -1)
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        if not counts or counts[0] < 2:
            continue
        agree = sum(1 for c in counts if c == counts[0])
        score = (agree, counts[0])
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> Source:
    """A CSV file as a Source; clean files also as pieces for the bulk path (see Pieces).

    A file is decoded as a whole only when it has to be: for the line-by-line reader, for
    code pages that are not ASCII-compatible (UTF-16) and for text that may need its
    mojibake repaired. Otherwise the pieces are decoded one by one while the importer
    converts and writes the ones before.
    """
    start, codec, errors, used, warnings = choose_encoding(data, encoding)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\r\n\"'"):
        raise ReadError(_("The delimiter must be one character such as ; , or a tab."))
    raw, text = data, None
    mojibake = "Ã".encode(codec or "utf-8", errors="ignore")
    if not _ascii_compatible(codec) or (mojibake and mojibake in data):
        text, repaired = repair_mojibake(data[start:].decode(codec or "utf-8", errors))
        if repaired:
            warnings.append(repaired)
        raw, start, codec, errors = text.encode(), 0, None, "strict"
    head = raw[start : start + HEAD_BYTES].decode(codec or "utf-8", errors="replace")
    if not head.strip() and len(raw) - start <= HEAD_BYTES:
        raise ReadError(_("The file is empty."))
    delim = delimiter or sniff_delimiter(head)
    header, header_line = _header(head, delim)
    pieces = clean_pieces(raw, start, codec, errors, delim, len(header), header_line)

    def rows():
        if pieces is not None:
            for first, part in pieces.frames():
                if isinstance(part, list):
                    yield from part
                else:
                    for i, cells in enumerate(part.iter_rows()):
                        yield first + i, ["" if c is None else c for c in cells], None
            return
        reader = csv.reader(io.StringIO(full_text, newline=""), delimiter=delim)
        while reader.line_num < header_line:
            next(reader)
        try:
            for cells in reader:
                yield reader.line_num, cells, None
        except csv.Error as exc:
            raise ReadError(
                _("Line %(line)s is not readable as CSV: %(e)s")
                % {"line": reader.line_num, "e": exc}
            ) from exc

    if pieces is None:
        full_text = text if text is not None else raw[start:].decode(codec or "utf-8", errors)
    return Source(
        "csv",
        header,
        rows(),
        encoding=used,
        delimiter=delim,
        warnings=warnings,
        total=pieces.lines if pieces is not None else max(full_text.count("\n") - 1, 1),
        pieces=pieces,
    )


def _header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The first non-blank record and the line it ends on (a header may hold quoted breaks)."""
    reader = csv.reader(io.StringIO(text[: 2**20], newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(c.strip() for c in header):
            header = next(reader)
    except StopIteration as exc:
        raise ReadError(_("The file has no header line.")) from exc
    except csv.Error as exc:
        raise ReadError(_("The file is not readable as CSV: %(e)s") % {"e": exc}) from exc
    return header, reader.line_num


@dataclass
class Pieces:
    """The data lines of a clean CSV file, split into frames of cell texts piece by piece.

    Pieces are cut at line ends, so they can be decoded and split on their own: in every
    code page read this way (UTF-8 and the single-byte ones) a line end, a delimiter and
    a quote are the one ASCII byte they look like. The importer converts and writes one
    piece while the next is read (importing._ahead), instead of holding the whole file
    as text and as a frame before the first row is written.
    """

    data: bytes
    start: int  # offset of the first data line
    codec: str | None  # None: the bytes are UTF-8 as they are
    errors: str
    delimiter: str
    width: int
    first_line: int  # the file's line number of the first data line
    lines: int

    def frames(self) -> Iterator[tuple[int, object]]:
        """(file line of its first row, frame of texts or rows) for each piece, in order."""
        piece_bytes = PIECE_BYTES
        line, pos, end = self.first_line, self.start, len(self.data)
        while pos < end:
            cut = self.data.find(b"\n", min(pos + piece_bytes, end) - 1)
            cut = end if cut < 0 else cut + 1
            part = self._split(self.data[pos:cut], line)
            yield line, part
            line += len(part)
            pos = cut

    def head(self, n: int):
        """The first ``n`` data lines (or all of them), split as in frames()."""
        cut = self.start
        for _i in range(n):
            cut = self.data.find(b"\n", cut) + 1
            if cut == 0:
                cut = len(self.data)
                break
        return self._split(self.data[self.start : cut], self.first_line)

    def _split(self, piece: bytes, line: int):
        """The piece as a frame of texts; as (line, cells, None) rows when some of its
        lines are short or long, which the csv module reads and the importer reports."""
        if self.codec is not None:
            piece = piece.decode(self.codec, self.errors).encode()
        expected = piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)
        frame = self._frame(piece, expected)
        if frame is not None:
            return frame
        # No quotes in the file: every line is one record, as the csv module reads it.
        reader = csv.reader(io.StringIO(piece.decode(), newline=""), delimiter=self.delimiter)
        rows = []
        try:
            for cells in reader:
                rows.append((line + len(rows), cells, None))
        except csv.Error as exc:  # a field longer than the csv module reads
            raise ReadError(
                _("Line %(line)s is not readable as CSV: %(e)s")
                % {"line": line + len(rows), "e": exc}
            ) from exc
        return rows

    def _frame(self, piece: bytes, expected: int):
        import polars as pl
        from polars.exceptions import PolarsError

        # polars fills a short line with nulls and refuses a long one: when the delimiters
        # add up to (fields - 1) on every line, every line has all its fields.
        if piece.count(self.delimiter.encode()) != expected * (self.width - 1):
            return None
        try:
            frame = pl.read_csv(
                piece,
                separator=self.delimiter,
                has_header=False,
                quote_char=None,
                infer_schema=False,
                new_columns=[f"field_{i}" for i in range(self.width)],
            )
        except (PolarsError, ValueError, TypeError):
            return None
        return frame if frame.height == expected and frame.width == self.width else None


def clean_pieces(
    raw: bytes,
    start: int,
    codec: str | None,
    errors: str,
    delimiter: str,
    width: int,
    header_line: int,
) -> Pieces | None:
    """The file's data lines as Pieces, if the file is clean.

    Clean means: no quote characters, and line ends all CRLF or all LF. Such files, most
    machine exports, are split by polars' reader; a piece with short or long lines, and
    any other file, go through the csv module line by line, where ragged rows and shifted
    values are found and reported. The checks count bytes and decode nothing.
    """
    if width < 1 or len(delimiter.encode()) != 1 or raw.find(b'"', start) >= 0:
        return None
    newlines = raw.count(b"\n", start)
    carriage_returns = raw.count(b"\r", start)
    # CRLF throughout, or LF throughout: anything else goes to the line-by-line reader.
    if carriage_returns and carriage_returns != newlines:
        return None
    offset = start
    for _line in range(header_line):
        offset = raw.find(b"\n", offset) + 1
        if offset == 0:
            return None
    lines = newlines - header_line + (0 if raw.endswith(b"\n") else 1)
    if lines < 1:
        return None
    return Pieces(raw, offset, codec, errors, delimiter, width, header_line + 1, lines)


# --- archives (XLSX, ODS, zipped Shapefile) ---


# Workbooks and zipped Shapefiles hold a handful of files; Python reads an archive's
# whole directory at once (a million empty members took 600 MB).
MAX_ZIP_MEMBERS = 10_000


def zip_member_count(path: Path) -> int | None:
    """How many members an archive's directory can hold, read from its end record before
    the directory itself: the count it declares, or as many as its declared size takes
    at the least size of an entry (46 bytes), whichever is more (Python reads entries
    until the size is used up, whatever the count says). None when there is no readable
    end record (ZipFile then says)."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65_557))  # the end record and the longest comment
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return None
        count = int.from_bytes(tail[at + 10 : at + 12], "little")
        size = int.from_bytes(tail[at + 12 : at + 16], "little")
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator.startswith(b"PK\x06\x07"):  # Zip64
            f.seek(int.from_bytes(locator[8:16], "little"))
            record = f.read(56)
            if record.startswith(b"PK\x06\x06") and len(record) == 56:
                count = int.from_bytes(record[32:40], "little")
                size = int.from_bytes(record[40:48], "little")
        return max(count, size // 46)


def check_archive(path: Path) -> zipfile.ZipFile:
    """Refuse archives that would unpack beyond the size or compression-ratio limits."""
    count = zip_member_count(path)
    if count is not None and count > MAX_ZIP_MEMBERS:
        raise ReadError(
            _("The archive holds more than %(max)s files; it is not read.")
            % {"max": number_format(MAX_ZIP_MEMBERS, force_grouping=True)}
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(_("The file is not a valid ZIP-based file.")) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > settings.DATASTORE_MAX_ZIP_RATIO and info.file_size > 2**20:
            archive.close()
            raise ReadError(
                _("'%(name)s' in the archive is compressed %(ratio)d:1; refused as a zip bomb.")
                % {"name": info.filename, "ratio": ratio}
            )
    if total > settings.DATASTORE_MAX_UNPACKED:
        archive.close()
        raise ReadError(
            _("The archive unpacks to %(size)s MB; the limit is %(limit)s MB.")
            % {"size": total // 2**20, "limit": settings.DATASTORE_MAX_UNPACKED // 2**20}
        )
    return archive


def read_workbook(path: Path, fmt: str, sheet: str | None) -> Source:
    """Read one sheet: its declared size checked first, then parsed in a child process."""
    with check_archive(path) as archive:
        if fmt == "xlsx":
            check_sheet_extent(archive, sheet)
    rows_file = open(scratch_file("sheet", ".jsonl"), "r+", encoding="utf-8")  # noqa: SIM115 (read lazily by rows())
    try:
        _parse_in_child("sheet", str(path), fmt, sheet or "", rows_file.name)
        meta = json.loads(rows_file.readline() or "{}")
    except BaseException:
        _discard(rows_file)
        raise
    names, name = meta.get("sheets", []), meta.get("sheet", "")
    if not names:
        _discard(rows_file)
        raise ReadError(_("The workbook has no sheets."))
    if name not in names:
        _discard(rows_file)
        raise ReadError(
            _("There is no sheet '%(sheet)s'. Sheets: %(names)s.")
            % {"sheet": name, "names": ", ".join(names)}
        )
    # Rows are read back one at a time: the web process never holds the whole sheet.
    body_start = rows_file.tell()
    total, start, header = 0, None, None
    for line in iter(rows_file.readline, ""):
        cells = json.loads(line)
        if start is None and any(cells):
            start, header = total, cells
        total += 1
    if start is None:
        _discard(rows_file)
        raise ReadError(_("The sheet '%(sheet)s' is empty.") % {"sheet": name})
    while header and not header[-1]:
        header.pop()

    def rows():
        try:
            rows_file.seek(body_start)
            for i, line in enumerate(iter(rows_file.readline, "")):
                if i <= start:
                    continue
                cells = json.loads(line)
                while len(cells) > len(header) and not cells[-1]:
                    cells.pop()
                yield i + 1, cells, None
        finally:
            _discard(rows_file)

    body = rows()
    # Also when the rows are never read (a preview that fails before): the file goes.
    weakref.finalize(body, _discard, rows_file)
    return Source(fmt, header, body, sheet=name, sheets=names, total=total - start - 1)


def _discard(handle) -> None:
    handle.close()
    Path(handle.name).unlink(missing_ok=True)


_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*?\sref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"'
)
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def check_sheet_extent(archive: zipfile.ZipFile, sheet: str | None) -> None:
    """Refuse an XLSX sheet whose declared or actual extent exceeds DATASTORE_MAX_CELLS.

    A reader allocates the rectangle from the first to the last cell, so one cell at
    A1 and one at XFD1048576 ask for 17 billion; the sheet's XML is scanned as a stream
    (bounded memory) for its ``<dimension>`` and every cell's reference, before anything
    allocates a grid.
    """
    found = _sheet_member(archive, sheet)
    if found is None:
        return  # the reader names the missing sheet
    member, name = found
    limit = settings.DATASTORE_MAX_CELLS
    rows = cols = cells = 0
    min_row = min_col = None
    tail = b""
    with archive.open(member) as stream:
        for chunk in iter(lambda: stream.read(2**20), b""):
            text = tail + chunk
            for match in _DIMENSION.finditer(text):
                last_col, last_row = (
                    match.group(3) or match.group(1),
                    match.group(4) or match.group(2),
                )
                declared = (int(last_row) - int(match.group(2)) + 1) * (
                    _column_number(last_col) - _column_number(match.group(1)) + 1
                )
                if declared > limit:
                    raise _too_large(name, declared)
            # Every cell counts, also one without its reference (r is optional in OOXML).
            cells += len(_CELL.findall(text[len(tail) :] if tail else text))
            for match in _CELL_REF.finditer(text):
                col, row = _column_number(match.group(1)), int(match.group(2))
                rows, cols = max(rows, row), max(cols, col)
                min_row = row if min_row is None else min(min_row, row)
                min_col = col if min_col is None else min(min_col, col)
            # Keep the end of the chunk: a tag may be cut in two.
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and len(text) - cut < 512 else b""
            if min_row is not None and (rows - min_row + 1) * (cols - min_col + 1) > limit:
                raise _too_large(name, (rows - min_row + 1) * (cols - min_col + 1))
            if cells > limit:
                raise _too_large(name, cells)


def _too_large(name: str, cells: int) -> ReadError:
    return ReadError(
        _(
            "The sheet '%(sheet)s' spans %(cells)s cells; at most %(limit)s are read."
            " Save the part you need, or export it as CSV."
        )
        % {
            "sheet": shown(name, 100),
            "cells": number_format(cells, force_grouping=True),
            "limit": number_format(settings.DATASTORE_MAX_CELLS, force_grouping=True),
        }
    )


def _sheet_member(archive: zipfile.ZipFile, sheet: str | None) -> tuple[str, str] | None:
    """The archive member that holds the named (or first) sheet of an XLSX file, and the
    sheet's name. Only the first MB of the workbook's parts is read (they may unpack to
    gigabytes)."""
    try:
        with archive.open("xl/workbook.xml") as f:
            workbook = f.read(2**20).decode("utf-8", "replace")
        with archive.open("xl/_rels/workbook.xml.rels") as f:
            relations = f.read(2**20).decode("utf-8", "replace")
    except KeyError:
        return None
    sheets = _SHEET.findall(workbook)
    targets = dict(_RELATION.findall(relations))
    for name, rel in sheets:
        if sheet is None or html.unescape(name) == sheet:
            target = targets.get(rel, "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            return (member, html.unescape(name)) if member in archive.namelist() else None
    return None


def parse_output_limit(path: Path) -> int:
    """How much the child may write for a file: what its text can fairly hold once read
    (16 times the file, at least 64 MB, at most the child's memory), not what a few
    bytes of formulas, shared strings or views can make."""
    size = path.stat().st_size
    return min(max(16 * size, 64 * 2**20), settings.DATASTORE_PARSE_MEMORY_MB * 2**20)


def _parse_in_child(kind: str, path: str, fmt: str, sheet: str, target: str) -> None:
    """Run sheetparse in a child process with memory and time limits; map its end."""
    memory = settings.DATASTORE_PARSE_MEMORY_MB * 2**20
    seconds = settings.DATASTORE_PARSE_SECONDS
    output = parse_output_limit(Path(path))

    # The child gets no secrets (it reads nothing of Django) and GDAL no external access.
    keep = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "TMPDIR", "HOME")
    env = {key: value for key, value in os.environ.items() if key in keep}
    env["OGR_SQLITE_ALLOW_EXTERNAL_ACCESS"] = "NO"
    # A second line beside the schema check, which does not depend on it: GDAL reads a
    # GeoPackage with SQLite's own functions and its own, never SpatiaLite's (whose
    # VirtualText, XB_Create and friends read any file of the server).
    env["SPATIALITE_LOAD"] = "NO"
    env["GDAL_HTTP_TIMEOUT"] = "1"
    try:
        child = subprocess.run(  # noqa: S603 (our own module, arguments as a list)
            [
                sys.executable,
                "-m",
                "stadtkern.data.sheetparse",
                kind,
                path,
                sheet,
                target,
                str(memory),
                str(seconds),
                str(output),
            ],  # fmt: skip
            capture_output=True,
            stdin=subprocess.DEVNULL,  # a file naming /dev/stdin finds nothing to wait on
            # CPU time does not pass while a reader waits; the clock stops it too.
            timeout=seconds + 5,
            check=False,
            env=env,
            cwd=scratch_dir(),  # not the project's folder: nothing there to find by a relative name
        )
    except subprocess.TimeoutExpired as exc:
        raise ReadError(
            _("Reading the file took longer than %(s)s s; it was stopped.") % {"s": seconds}
        ) from exc
    code = child.returncode
    if code in (0, sheetparse.EXIT_NO_SHEET):
        return
    # GDAL names the file by its path on the server; the uploader knows it by its name.
    text = child.stderr.decode("utf-8", "replace").replace(str(Path(path).parent) + "/", "")
    detail = text.strip().splitlines()
    if code == sheetparse.EXIT_BIG_CELL:
        raise ReadError(
            _("A cell holds more than %(n)s characters; the file is not read.")
            % {"n": number_format(sheetparse.MAX_CELL_CHARS, force_grouping=True)}
        )
    if code == sheetparse.EXIT_TOO_MUCH:
        raise ReadError(
            _("Read, the file would take more than %(mb)s MB; it is not read.")
            % {"mb": output // 2**20}
        )
    if code == sheetparse.EXIT_BIG_GEOMETRY:
        raise ReadError(
            _("A geometry is larger than %(mb)s MB; the file is not read.")
            % {"mb": sheetparse.MAX_GEOMETRY_BYTES // 2**20}
        )
    if code == sheetparse.EXIT_UNREADABLE:
        message = (
            _("The file is not a readable %(format)s workbook: %(e)s")
            if kind == "sheet"
            else _("The file is not a readable %(format)s file: %(e)s")
        )
        raise ReadError(message % {"format": fmt.upper(), "e": detail[-1] if detail else ""})
    # Out of memory (MemoryError, or the reader aborted on a failed allocation) or time.
    raise ReadError(
        _(
            "Reading the file needs more than %(mb)s MB or %(s)s s; it was stopped."
            " Save the part you need, or export it as CSV."
        )
        % {"mb": settings.DATASTORE_PARSE_MEMORY_MB, "s": seconds}
    )


# --- geodata ---


def finite_geometry(geom):
    """The geometry, or a ValueError (the row's reason) when a coordinate is not finite
    (``1e400`` reads as infinity: no map, bounding box or JSON can hold it)."""
    import numpy as np
    import shapely

    if geom is None or isinstance(geom, Exception):
        return geom
    coordinates = shapely.get_coordinates(geom, include_z=True)  # a 2D shape's z is NaN
    if not (np.isfinite(coordinates[:, :2]).all() and not np.isinf(coordinates[:, 2]).any()):
        return ValueError(_("a coordinate is not a finite number"))
    return geom


# What is wrong with a whole GeoJSON document or one feature, by the child's codes.
GEOJSON_ERRORS = {
    "nested": lambda d: _("The JSON is nested too deeply."),
    "not_json": lambda d: _("The file is not valid JSON: %(e)s") % {"e": d},
    "not_collection": lambda d: _("The JSON is not a GeoJSON FeatureCollection."),
    "no_features": lambda d: _("The FeatureCollection has no list of features."),
}
FEATURE_ERRORS = {
    "not_object": lambda d: _("feature is not an object"),
    "nested": lambda d: _("a property is nested too deeply"),
    "geometry": lambda d: _("invalid geometry: %(e)s") % {"e": d},
}


def read_geojson(path: Path) -> Source:
    """Parsed in the child process: a document of many small features takes many
    times its size in memory."""
    return _child_layer("geojson", str(path), "geojson", "")


SQLITE_MAGIC = b"SQLite format 3\x00"
SHAPEFILE_MAGIC = (9994).to_bytes(4, "big")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _vector_target(path: Path, fmt: str, layer: str | None) -> str:
    """What GDAL may open: a GeoPackage or a Shapefile by its first bytes, never what
    its name merely claims. GDAL picks a driver by content, and some formats (a VRT,
    a CSV of /vsicurl/) read other files of the server or other servers."""
    if fmt == "gpkg":
        _check_magic(path, SQLITE_MAGIC, _("The file is not a GeoPackage."))
        check_geopackage_schema(path)
        return str(path)
    if path.suffix.lower() != ".zip":
        _check_magic(path, SHAPEFILE_MAGIC, _("The file is not a Shapefile (.shp)."))
        return str(path)
    return _unpacked_shapefile(path, layer)


def _check_magic(path: Path, magic: bytes, message: str) -> None:
    with path.open("rb") as f:
        if f.read(len(magic)) != magic:
            raise ReadError(message)


# SQLite's own tables that a GeoPackage may hold; any other name beginning with
# "sqlite_" is one SQLite would never make (it was written into the schema by hand).
SQLITE_OWN = {"sqlite_schema", "sqlite_sequence", "sqlite_stat1", "sqlite_stat2",
              "sqlite_stat3", "sqlite_stat4"}  # fmt: skip
# How many views one view may expand to, counting views used by views: nested views
# that use each other twice grow exponentially, and compiling them took minutes.
MAX_VIEW_EXPANSION = 1000


def check_geopackage_schema(path: Path) -> None:
    """Refuse a GeoPackage whose schema could reach beyond the file, as SQLite itself
    reads the schema (no text of it is trusted, no extension loaded):

    - an object named like SQLite's own tables that SQLite did not make, or one of
      their names given to a view;
    - a virtual table other than a spatial index: SpatiaLite's VirtualText, which GDAL
      carries, reads any file of the server. SQLite names the shadow tables only of the
      modules it has; an R*Tree's ``_node`` table is one, an unknown module has none;
    - a generated column, in any table: it is computed while GDAL reads, with
      SpatiaLite's functions (XB_Create reads any file as an XML schema);
    - a table or view that plain SQLite cannot compile under an authorizer that lets it
      read the file's own tables only (SQLite's schema and pragmas such as
      ``pragma_database_list`` tell where the file lies; functions of an extension do
      not compile), and views that expand to more than MAX_VIEW_EXPANSION views.
    """
    from urllib.request import pathname2url

    def refuse(name):
        return ReadError(
            _("The GeoPackage holds '%(name)s', which reads beyond the file; it is not read.")
            % {"name": shown(name, 100)}
        )

    try:
        con = sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise ReadError(_("The file is not a GeoPackage.")) from exc
    try:
        try:
            listed = con.execute(
                "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
            ).fetchall()
            views = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
            # Shadow tables too: SQLite names them by their name, whatever they hold.
            computed = {
                n for (n,) in con.execute(
                    "SELECT DISTINCT t.name FROM pragma_table_list AS t,"
                    " pragma_table_xinfo(t.name) AS c WHERE t.schema = 'main'"
                    " AND t.type IN ('table', 'shadow') AND c.hidden IN (2, 3)"
                )
            }  # fmt: skip
        except sqlite3.Error as exc:
            raise ReadError(_("The file is not a GeoPackage.")) from exc
        kinds = dict(listed)
        for name, kind in listed:
            # SQLite's own names stand for its own tables only, never a view of the file's.
            sqlite_named = name.lower().startswith("sqlite_") and (
                name.lower() not in SQLITE_OWN or kind != "table"
            )
            fake_index = kind == "virtual" and kinds.get(f"{name}_node") != "shadow"
            if sqlite_named or fake_index or name in computed:
                raise refuse(name)
        mentions = {name: Counter(_identifiers(sql)) for name, sql in views.items()}
        by_word, known = {name.lower(): name for name in views}, {}
        for name in views:
            if _view_expansion(name, mentions, by_word, known) > MAX_VIEW_EXPANSION:
                raise refuse(name)
        checked = [n for n, k in listed if k in ("table", "shadow", "view")]
        own = {n for n, k in listed if n.lower() not in SQLITE_OWN}

        def authorize(action, arg1, _arg2, _db, _source):
            if action == sqlite3.SQLITE_PRAGMA:
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_READ and arg1 not in own:
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK

        con.set_authorizer(authorize)
        con.setlimit(sqlite3.SQLITE_LIMIT_VDBE_OP, 1_000_000)  # what one compile may make
        for name in checked:
            if name.lower() in SQLITE_OWN:
                continue
            quoted = '"' + name.replace('"', '""') + '"'
            try:
                con.execute(f"SELECT * FROM {quoted} LIMIT 0").fetchall()  # noqa: S608
            except sqlite3.Error:
                raise refuse(name) from None
    finally:
        con.close()


_IDENTIFIER = re.compile(r'"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([\w$]+)')


def _identifiers(sql) -> list[str]:
    """The names in an SQL text, unquoted and in lower case (keywords among them)."""
    return [
        (m.group(1) or "").replace('""', '"').lower() or "".join(m.groups("")).lower()
        for m in _IDENTIFIER.finditer(str(sql or ""))
    ]


def _view_expansion(name: str, mentions: dict, by_word: dict, known: dict) -> float:
    """How many views ``name`` expands to, counting every mention of another view in
    its text (more than SQLite would, never fewer); a cycle counts as endless."""
    if name in known:
        return known[name]
    known[name] = float("inf")  # while it is being counted: a cycle
    total = 1.0
    for word, count in mentions[name].items():
        other = by_word.get(word)
        if other is not None and other != name:
            total += count * _view_expansion(other, mentions, by_word, known)
    known[name] = total
    return total


# What is kept of a text of the file to show or store (a cell, a name, a message): a
# file may hold texts of any length.
SHOWN_CHARS = 200


def shown(value, limit: int = SHOWN_CHARS) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unpacked_shapefile(path: Path, layer: str | None) -> str:
    """The chosen Shapefile of a ZIP, with its sidecar files, unpacked into a folder of
    its own. GDAL is never given the archive: it would pick the first of two members of
    one name where Python picks the last, and read a VRT as the checked Shapefile."""
    archive = check_archive(path)
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        lowered = [info.filename.lower() for info in infos]
        if len(set(lowered)) != len(lowered):
            raise ReadError(_("The ZIP file holds two files of one name; it is not read."))
        shapes = [info for info in infos if info.filename.lower().endswith(".shp")]
        if not shapes:
            raise ReadError(_("The ZIP file holds no Shapefile (.shp)."))
        chosen = next((i for i in shapes if Path(i.filename).stem == layer), shapes[0])
        stem = chosen.filename[:-4]
        # Written under the last part of its name only, into a folder of its own.
        folder = Path(tempfile.mkdtemp(prefix=f"stadtkern-shp-{os.getpid()}-", dir=scratch_dir()))
        name = Path(stem).name or "layer"
        for info in infos:
            part_stem, _dot, suffix = info.filename.rpartition(".")
            if part_stem == stem and f".{suffix.lower()}" in SHAPEFILE_PARTS:
                (folder / f"{name}.{suffix.lower()}").write_bytes(archive.read(info))
    target = folder / f"{name}.shp"
    try:
        _check_magic(target, SHAPEFILE_MAGIC, _("The file is not a Shapefile (.shp)."))
    except ReadError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return str(target)


def read_vector(path: Path, fmt: str, layer: str | None) -> Source:
    """Read one layer in a child process with limits (GDAL reads a whole layer at once,
    and a GeoPackage layer may be a view that never ends); rows come back one at a time."""
    target = _vector_target(path, fmt, layer)
    try:
        return _child_layer("layer", target, fmt, layer or "")
    finally:
        if Path(target).parent != path.parent:  # a Shapefile unpacked from its ZIP
            shutil.rmtree(Path(target).parent, ignore_errors=True)


def _child_layer(kind: str, target: str, fmt: str, layer: str) -> Source:
    rows_file = open(scratch_file("layer", ".jsonl"), "r+", encoding="utf-8")  # noqa: SIM115 (read lazily by rows())
    try:
        _parse_in_child(kind, target, fmt, layer, rows_file.name)
        meta = json.loads(rows_file.readline() or "{}")
    except BaseException:
        _discard(rows_file)
        raise
    if meta.get("error") in GEOJSON_ERRORS:
        _discard(rows_file)
        raise ReadError(GEOJSON_ERRORS[meta["error"]](meta.get("detail", "")))
    names, name = meta.get("sheets", []), meta.get("sheet", "")
    if kind == "layer" and name not in names:
        _discard(rows_file)
        raise ReadError(
            _("There is no sheet '%(sheet)s'. Sheets: %(names)s.")
            % {"sheet": name, "names": ", ".join(names)}
        )
    body_start = rows_file.tell()
    total = sum(1 for _line in iter(rows_file.readline, ""))

    def rows():
        import shapely

        try:
            rows_file.seek(body_start)
            for i, line in enumerate(iter(rows_file.readline, ""), start=1):
                cells, wkb, *error = json.loads(line)
                if error:  # a feature the child could not read: its code and detail
                    code, detail = error[0], (error[1:] or [""])[0]
                    yield i, cells, ValueError(FEATURE_ERRORS[code](detail))
                    continue
                try:
                    geom = shapely.from_wkb(bytes.fromhex(wkb)) if wkb else None
                except Exception as exc:  # shapely raises its own types for broken shapes
                    geom = ValueError(_("invalid geometry: %(e)s") % {"e": exc})
                yield i, cells, finite_geometry(geom)
        finally:
            _discard(rows_file)

    body = rows()
    weakref.finalize(body, _discard, rows_file)
    return Source(
        fmt,
        meta.get("fields", []),
        body,
        sheet=name or None,
        sheets=names,
        crs=meta.get("crs"),
        geometry=bool(meta.get("geometry")),
        total=total,
    )
