"""Readers that turn an uploaded file into a header and rows of cell texts.

Each reader returns a :class:`Source`: the header as the file names it, an iterator of
``(line, cells, geometry)`` and the facts it found on the way (encoding, delimiter, sheet,
coordinate reference system, warnings). Type conversion happens later, in one place, so
that every format follows the same rules and the same row accounting.

Files are refused with :class:`ReadError` (a message for people) when they are empty,
binary, too big, or archives that would unpack to far more than they weigh.
"""

import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

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
    # A clean CSV (no quotes, every line with all its fields) already split into a frame
    # of texts, with the file line of its first row: the bulk path of the importer.
    frame: object = None
    first_line: int = 0
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
        return read_geojson(path.read_bytes())
    return read_vector(path, fmt, sheet)


# --- CSV ---


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, list[dict]]:
    """Bytes to text: UTF-8 (with or without BOM), else the best single-byte code page."""
    warnings: list[dict] = []
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(_("The file contains binary data; it is not a text (CSV) file."))
    if encoding:
        try:
            return data.decode(encoding), encoding, warnings
        except LookupError as exc:
            raise ReadError(_("Unknown encoding '%(e)s'.") % {"e": encoding}) from exc
        except UnicodeDecodeError as exc:
            raise ReadError(
                _("The file is not valid %(e)s (byte %(pos)s). Try another encoding.")
                % {"e": encoding, "pos": exc.start}
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", warnings
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", warnings
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    chosen = _single_byte_encoding(data[: 2**16])
    text = data.decode(chosen, errors="replace")
    warnings.append(
        {
            "code": "encoding",
            "message": _("The file is not UTF-8; it was read as %(e)s.") % {"e": chosen},
        }
    )
    return text, chosen, warnings


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
    text, used, warnings = decode(data, encoding)
    text, repaired = repair_mojibake(text)
    if repaired:
        warnings.append(repaired)
    if not text.strip():
        raise ReadError(_("The file is empty."))
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\r\n\"'"):
        raise ReadError(_("The delimiter must be one character such as ; , or a tab."))
    delim = delimiter or sniff_delimiter(text)
    header, header_line = _header(text, delim)
    # The file's own bytes serve when they are exactly the text's UTF-8.
    same = used == "utf-8" and not repaired
    frame = clean_frame(text, delim, len(header), header_line, raw=data if same else None)

    def rows():
        if frame is not None:
            for i, cells in enumerate(frame.iter_rows()):
                yield header_line + 1 + i, list(cells), None
            return
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
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

    return Source(
        "csv",
        header,
        rows(),
        encoding=used,
        delimiter=delim,
        warnings=warnings,
        total=frame.height if frame is not None else max(text.count("\n") - 1, 1),
        frame=frame,
        first_line=header_line + 1,
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


def clean_frame(text: str, delimiter: str, width: int, header_line: int, raw: bytes | None = None):
    """The data lines split into a polars frame of texts, if the file is clean.

    Clean means: no quote characters, no blank or lone-CR line after the header, and every
    line with exactly the header's number of fields (the delimiters add up, and polars
    refuses longer lines). Such files, most machine exports, are split by polars' reader;
    any other file goes through the csv module line by line, where ragged rows and shifted
    values are found and reported.
    """
    import polars as pl
    from polars.exceptions import PolarsError

    raw = raw if raw is not None else text.encode()
    if b'"' in raw or width < 1:
        return None
    newlines = raw.count(b"\n")
    carriage_returns = raw.count(b"\r")
    # CRLF throughout, or LF throughout: anything else goes to the line-by-line reader.
    if carriage_returns and carriage_returns != newlines:
        return None
    offset = 0
    for _line in range(header_line):
        offset = raw.find(b"\n", offset) + 1
        if offset == 0:
            return None
    lines = newlines - header_line + (0 if raw.endswith(b"\n") else 1)
    if lines < 1:
        return None
    if width == 1:
        body = raw[offset:]
        if body.startswith((b"\n", b"\r\n")) or b"\n\n" in body or b"\n\r\n" in body:
            return None
    # With two or more columns a blank or short line leaves the delimiters short of
    # lines x (width - 1), and polars refuses a line with too many: so every line fits.
    elif raw.count(delimiter.encode()) - raw.count(delimiter.encode(), 0, offset) != lines * (
        width - 1
    ):
        return None
    try:
        frame = pl.read_csv(
            raw,
            skip_lines=header_line,
            separator=delimiter,
            has_header=False,
            quote_char=None,
            infer_schema=False,
            new_columns=[f"field_{i}" for i in range(width)],
        )
    except (PolarsError, ValueError, TypeError):
        return None  # the line-by-line reader will say what is wrong, and where
    return frame if frame.height == lines and frame.width == width else None


# --- archives (XLSX, ODS, zipped Shapefile) ---


def check_archive(path: Path) -> zipfile.ZipFile:
    """Refuse archives that would unpack beyond the size or compression-ratio limits."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(_("The file is not a valid ZIP-based file.")) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > settings.DATASTORE_MAX_ZIP_RATIO and info.file_size > 2**20:
            raise ReadError(
                _("'%(name)s' in the archive is compressed %(ratio)d:1; refused as a zip bomb.")
                % {"name": info.filename, "ratio": ratio}
            )
    if total > settings.DATASTORE_MAX_UNPACKED:
        raise ReadError(
            _("The archive unpacks to %(size)s MB; the limit is %(limit)s MB.")
            % {"size": total // 2**20, "limit": settings.DATASTORE_MAX_UNPACKED // 2**20}
        )
    return archive


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
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def read_workbook(path: Path, fmt: str, sheet: str | None) -> Source:
    check_archive(path)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ReadError(
            _("The file is not a readable %(format)s workbook: %(e)s")
            % {"format": fmt.upper(), "e": exc}
        ) from exc
    names = list(book.sheet_names)
    if not names:
        raise ReadError(_("The workbook has no sheets."))
    name = sheet or names[0]
    if name not in names:
        raise ReadError(
            _("There is no sheet '%(sheet)s'. Sheets: %(names)s.")
            % {"sheet": name, "names": ", ".join(names)}
        )
    grid = book.get_sheet_by_name(name).to_python(skip_empty_area=True)
    grid = [[cell_text(c) for c in row] for row in grid]
    start = next((i for i, row in enumerate(grid) if any(row)), None)
    if start is None:
        raise ReadError(_("The sheet '%(sheet)s' is empty.") % {"sheet": name})
    header = grid[start]
    while header and not header[-1]:
        header.pop()

    def rows():
        for i in range(start + 1, len(grid)):
            cells = grid[i]
            while len(cells) > len(header) and not cells[-1]:
                cells.pop()
            yield i + 1, cells, None

    return Source(fmt, header, rows(), sheet=name, sheets=names, total=len(grid) - start - 1)


# --- geodata ---


def read_geojson(data: bytes) -> Source:
    from shapely.geometry import shape

    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReadError(_("The file is not valid JSON: %(e)s") % {"e": exc}) from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ReadError(_("The JSON is not a GeoJSON FeatureCollection."))
    features = doc.get("features")
    if not isinstance(features, list):
        raise ReadError(_("The FeatureCollection has no list of features."))
    crs = None
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if isinstance(name, str) and "EPSG" in name.upper():
        crs = "EPSG:" + name.replace("::", ":").rsplit(":", 1)[-1]
    header: list[str] = []
    seen = set()
    for f in features:
        props = f.get("properties") if isinstance(f, dict) else None
        for key in props or {}:
            if key not in seen:
                seen.add(key)
                header.append(str(key))

    def rows():
        for i, f in enumerate(features, start=1):
            if not isinstance(f, dict):
                yield i, None, ValueError(_("feature is not an object"))
                continue
            props = f.get("properties") or {}
            cells = [cell_text(props.get(k)) for k in header]
            try:
                geom = shape(f["geometry"]) if f.get("geometry") else None
            except Exception as exc:  # shapely raises several types for bad coordinates
                geom = ValueError(_("invalid geometry: %(e)s") % {"e": exc})
            yield i, cells, geom

    return Source(
        "geojson", header, rows(), crs=crs or "EPSG:4326", geometry=True, total=len(features)
    )


def read_vector(path: Path, fmt: str, layer: str | None) -> Source:
    import pyogrio
    import shapely

    target = str(path)
    if fmt == "shp" and path.suffix.lower() == ".zip":
        archive = check_archive(path)
        if not any(n.lower().endswith(".shp") for n in archive.namelist()):
            raise ReadError(_("The ZIP file holds no Shapefile (.shp)."))
        target = f"/vsizip/{path}"
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(target)]
        meta, _fids, wkb, values = pyogrio.raw.read(target, layer=layer)
    except Exception as exc:  # GDAL reports broken files with its own error types
        raise ReadError(
            _("The file is not a readable %(format)s file: %(e)s")
            % {"format": fmt.upper(), "e": exc}
        ) from exc
    header = [str(f) for f in meta["fields"]]
    columns = [list(v) for v in values]
    geometries = shapely.from_wkb(wkb) if wkb is not None else None

    def rows():
        for i in range(len(columns[0]) if columns else len(geometries or [])):
            cells = [cell_text(col[i]) for col in columns]
            yield i + 1, cells, geometries[i] if geometries is not None else None

    return Source(
        fmt,
        header,
        rows(),
        sheet=layer or (layers[0] if layers else None),
        sheets=layers,
        crs=meta.get("crs"),
        geometry=geometries is not None,
        total=len(columns[0]) if columns else len(geometries or []),
    )
