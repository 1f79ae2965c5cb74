"""Import of a file into a dataset: analysis (preview), conversion, row accounting, loading.

One pipeline for every format and every caller (web wizard, API, CLI):

1. ``analyse`` reads the file, names the columns, infers their types from a sample and
   lists the defects it sees, without writing anything;
2. ``run_import`` converts every row with the (possibly overridden) types, sends rows
   that fail to the error report (line, column, value, reason) and loads the good ones
   with the database's bulk path, inside one transaction.

``rows_in == rows_imported + rows_rejected`` holds for every run. With
``on_error="abort"`` a single rejected row rolls the whole import back; a failed import
of any kind leaves the previous version of the dataset as it was.
"""

import contextlib
import gc
import hashlib
import itertools
import queue
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import datastore, fastparse, staging
from .coordinates import point_columns
from .models import Dataset, ImportRun, ImportStatus
from .parsing import PARSERS, TYPES, decimal_mark, german_grouped
from .readers import SHOWN_CHARS, ReadError, Source, open_source, shown


def _geo():
    """The coordinate machinery (pyproj, shapely), loaded for files with coordinates only."""
    from . import geo

    return geo


SAMPLE_ROWS = 5000
# Up to this many rows every column gets an index; beyond, the date and time columns and
# the columns the importer names (an index per column would cost more than the load).
INDEX_ALL_ROWS = 100_000
PREVIEW_ROWS = 20
ERROR_DETAILS = 1000
CHUNK = 20000
# ... and at most so many characters of cells, in the sample and in a chunk: rows of
# long cells (a workbook may hold 100,000 characters in each) would otherwise take
# gigabytes of the web process's memory.
CHUNK_CHARS = 16 * 2**20
MODES = ("replace", "append", "upsert")


class ImportFailed(Exception):
    """The import could not be done; the message says why, for people."""

    def __init__(self, message: str, run: ImportRun | None = None):
        super().__init__(message)
        self.run = run


@dataclass
class Options:
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    mode: str = "replace"
    key: str | None = None
    on_error: str = "skip"  # or "abort"
    types: dict[str, str] = field(default_factory=dict)  # column name -> type
    crs: str | None = None  # source CRS of geometries or coordinate columns
    x: str | None = None  # coordinate columns that make a point geometry
    y: str | None = None
    indexes: list[str] | None = None  # columns to index; None: see index_plan

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {}, "")}

    @classmethod
    def from_json(cls, data: dict) -> "Options":
        """The options a run recorded (keys of older versions are ignored)."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Column:
    name: str
    title: str
    type: str
    index: int  # position in the file's rows
    decimal: str = ","
    inferred: str = "text"
    examples: list[str] = field(default_factory=list)
    hint: tuple[str, bool] | None = None  # the bulk timestamp format that fits the sample

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "type": self.type}


@dataclass
class Analysis:
    source: Source
    columns: list[Column]
    warnings: list[dict]
    sample: list[tuple[int, list[str], object]]
    crs: str | None
    point_columns: tuple[str, str] | None

    def preview_rows(self) -> list[list[str]]:
        return [cells for _line, cells, _geom in self.sample[:PREVIEW_ROWS]]


# --- column names ---

_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def column_name(title: str) -> str:
    """An SQL identifier for a header: 'Fußgänger insgesamt' -> 'fussgaenger_insgesamt'."""
    text = title.strip().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "_", text).strip("_").lower()
    if text and text[0].isdigit():
        text = "c_" + text
    return text[:63]


def name_columns(header: list[str], warnings: list[dict]) -> list[tuple[str, str]]:
    """(name, title) per header cell; empty, reserved and repeated names made unique."""
    out, seen = [], set()
    for i, raw in enumerate(header, start=1):
        title = shown(raw.strip())
        name = column_name(title)
        if not title:
            name = f"column_{i}"
            title = name
            warnings.append(
                {
                    "code": "empty_header",
                    "column": name,
                    "message": _("Column %(n)s has no header; it was named '%(name)s'.")
                    % {"n": i, "name": name},
                }
            )
        elif not name or name in datastore.INTERNAL or name.startswith("_"):
            name = f"column_{i}" if not name else "c" + name
        if name in seen:
            base, k = name, 2
            while f"{base}_{k}" in seen:
                k += 1
            name = f"{base}_{k}"
            warnings.append(
                {
                    "code": "duplicate_header",
                    "column": name,
                    "message": _(
                        "The header '%(title)s' appears more than once; this one was named '%(name)s'."
                    )
                    % {"title": title, "name": name},
                }
            )
        if "\ufffd" in raw:
            warnings.append(
                {
                    "code": "replacement_characters",
                    "column": name,
                    "message": _(
                        "The header '%(title)s' contains %(n)s replacement characters (�): the file "
                        "was decoded with a wrong code page before it was saved, and the original "
                        "letters are lost. The column was named '%(name)s'; give it a better title "
                        "in the dataset's metadata."
                    )
                    % {"title": title, "n": raw.count("\ufffd"), "name": name},
                }
            )
        seen.add(name)
        out.append((name, title))
    return out


# --- analysis ---


def analyse(path: Path, options: Options) -> Analysis:
    """Read the file and propose columns and types; raises ReadError for unreadable files."""
    source = open_source(
        path,
        options.format,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
    )
    warnings = list(source.warnings)
    if len(source.header) > settings.DATASTORE_MAX_COLUMNS:
        # Before any row is read: both databases refuse tables this wide (SQLite at
        # 2,000 columns, PostgreSQL at 1,600), and reading them first takes minutes.
        raise ReadError(
            _("The file has %(n)s columns; a dataset holds at most %(max)s.")
            % {"n": f"{len(source.header):,}", "max": f"{settings.DATASTORE_MAX_COLUMNS:,}"}
        )
    names = name_columns(source.header, warnings)
    width = len(names)
    head = source.pieces.head(SAMPLE_ROWS) if source.pieces is not None else None
    if head is not None and not isinstance(head, list):
        head, lines = _without_blank_lines(head, source.pieces.first_line)
        sample = [
            (line, ["" if c is None else c for c in r], None)
            for line, r in zip(lines, head.head(PREVIEW_ROWS).iter_rows(), strict=False)
        ]
        samples = [
            [v.strip() if v else "" for v in head.to_series(i).to_list()] for i in range(width)
        ]
    else:
        sample = _sample(source.rows)
        # The rows already read are put back in front of the rest.
        source.rows = itertools.chain(sample, source.rows)
        samples = [
            [
                cells[i].strip()
                for _l, cells, geom in sample
                # blank lines are skipped by the load, so they are no evidence either
                if len(cells or ()) == width and (any(cells) or geom is not None)
            ]
            for i in range(width)
        ]
    columns = []
    rows_seen = len(samples[0]) if samples else 0
    # Columns that cannot tell follow the file: a comma-separated file cannot carry
    # unquoted decimal commas, and the other columns' evidence counts too.
    marks = [decimal_mark(values, default="") for values in samples]
    votes = [m for m in marks if m]
    file_mark = (
        max(set(votes), key=votes.count) if votes else ("." if source.delimiter == "," else ",")
    )
    for i, (name, title) in enumerate(names):
        values = samples[i]
        mark = marks[i] or file_mark
        guess = fastparse.infer(values, mark)
        wanted = options.types.get(name, guess.type)
        hint = fastparse.timestamp_format(values) if wanted == "timestamp" else None
        columns.append(Column(name, title, wanted, i, mark, guess.type, guess.examples, hint))
        grouped = next((v for v in values if german_grouped(v)), None)
        if not marks[i] and mark == "," and wanted in ("integer", "decimal") and grouped:
            # '83.252' alone cannot tell thousands from decimals; the German reading wins.
            warnings.append(
                {
                    "code": "ambiguous_number",
                    "column": name,
                    "message": _(
                        "Column '%(title)s': values such as '%(value)s' were read as "
                        "%(number)s, the point taken to separate thousands as German files "
                        "write it. If it is a decimal point, import the column as text or "
                        "save the file with decimal commas."
                    )
                    % {
                        "title": shown(title, 60),
                        "value": shown(grouped, 40),
                        "number": shown(grouped.replace(".", ""), 40),
                    },  # fmt: skip
                }
            )
        if guess.non_empty == 0 and rows_seen:
            warnings.append(
                {
                    "code": "empty_column",
                    "column": name,
                    "message": _("Column '%(title)s' is empty in every row; it was kept as text.")
                    % {"title": title},
                }
            )
    unknown = set(options.types) - {c.name for c in columns}
    if unknown:
        raise ReadError(
            _("Unknown column(s) in the type overrides: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    for c in columns:
        if c.type not in PARSERS:
            raise ReadError(
                _("Unknown type '%(type)s' for column '%(name)s'. Types: %(types)s.")
                % {
                    "type": c.type,
                    "name": c.name,
                    "types": ", ".join(t for t in TYPES if t != "geometry"),
                }
            )
    replaced = sum(1 for row in zip(*samples, strict=True) if any("\ufffd" in c for c in row))
    if replaced:
        warnings.append(
            {
                "code": "replacement_characters",
                "message": _(
                    "%(n)s of the first %(m)s rows contain replacement characters (�): letters "
                    "such as ß or ä were lost before the file reached us. The values were kept as "
                    "they are."
                )
                % {"n": replaced, "m": rows_seen},
            }
        )
    point = None
    crs = options.crs or source.crs
    if not source.geometry:
        point = point_columns(columns, options.x, options.y)
        if point:
            xs = _floats(samples, columns, point[0])
            ys = _floats(samples, columns, point[1])
            if not options.crs:
                crs, note = _geo().guess_crs(xs, ys)
                if note:
                    warnings.append({"code": "crs", "message": note})
    if crs and (source.geometry or point):
        crs = _geo().check_crs(crs)
    return Analysis(source, columns, warnings, sample, crs, point)


def _floats(samples, columns, name) -> list[float]:
    col = next(c for c in columns if c.name == name)
    parse = PARSERS["decimal"]
    out = []
    for text in samples[col.index]:
        try:
            v = parse(text, col.decimal)
        except ValueError:
            continue
        if v is not None:
            out.append(v)
    return out


# --- conversion ---


@dataclass
class Outcome:
    rows_in: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    errors: list[dict] = field(default_factory=list)
    shifted: list[int] = field(default_factory=list)
    trailing: int = 0
    geometry_types: set = field(default_factory=set)
    bbox: list[float] | None = None

    def reject(self, line: int, column: str | None, value, reason: str) -> None:
        self.rows_rejected += 1
        if len(self.errors) < ERROR_DETAILS:
            self.errors.append(
                {
                    "line": line,
                    "column": column,
                    "value": None if value is None else shown(value),
                    "reason": shown(reason, 2 * SHOWN_CHARS),
                }
            )


def _convert_cells(cells, parsers, columns):
    return [
        parse(cells[c.index].strip(), c.decimal) for parse, c in zip(parsers, columns, strict=True)
    ]


@dataclass
class Chunk:
    """Converted rows: a polars frame of typed columns, the rows' geometries and the
    lines of the file they came from."""

    frame: pl.DataFrame
    geometries: list
    lines: list


def converted_rows(analysis: Analysis, outcome: Outcome, progress: Callable | None = None):
    """Yield chunks of converted rows; count every row once.

    Clean CSV files come as pieces already split into columns (readers.Pieces); other
    rows are checked one by one for their shape, then converted column by column in bulk
    (fastparse.py).
    """
    for chunk in _chunks(analysis.source, analysis.columns, outcome):
        yield chunk
        if progress:
            progress(outcome.rows_in)
    if progress:
        progress(outcome.rows_in)


def _chunks(source, columns, outcome: Outcome):
    if source.pieces is None:
        yield from _row_chunks(source.rows, columns, outcome)
        return
    for first, part in source.pieces.frames():
        if isinstance(part, list):  # a piece with short or long lines
            yield from _row_chunks(part, columns, outcome)
        else:
            part, lines = _without_blank_lines(part, first)
            outcome.rows_in += part.height
            yield _convert_columns(part, lines, [None] * part.height, columns, outcome)


def _without_blank_lines(part: pl.DataFrame, first: int):
    """The frame without lines whose fields are all empty (';;;', as spreadsheets export
    them), which are blank lines, not rows, as on the line-by-line path; and the file
    lines of the rows that remain."""
    lines = range(first, first + part.height)
    blank = part.select(
        pl.all_horizontal(pl.all().is_null() | (pl.all() == "")).alias("blank")
    ).to_series()
    if not blank.any():
        return part, lines
    return part.filter(~blank), [line for line, b in zip(lines, blank, strict=True) if not b]


def _row_chunks(rows, columns, outcome: Outcome):
    """Rows checked for their shape, in converted chunks.

    A row with one field too many whose extra field is an empty cell is read as shifted
    by one column, when dropping that cell makes every value fit; any other ragged row is
    rejected with the number of fields it had.
    """
    width = len(columns)
    parsers = [PARSERS[c.type] for c in columns]
    cells_chunk: list = []
    lines: list = []
    geoms: list = []
    chars = 0
    for line, cells, geom in rows:
        if cells is not None and not any(cells) and geom is None:
            continue  # blank line
        outcome.rows_in += 1
        if isinstance(geom, Exception):
            outcome.reject(line, "geometry", None, str(geom))
            continue
        if cells is None:
            outcome.reject(line, None, None, _("not a record"))
            continue
        if len(cells) != width:
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                outcome.trailing += 1
                cells = cells[:width]
            else:
                repaired = _shifted(cells, parsers, columns) if len(cells) == width + 1 else None
                if repaired is None:
                    outcome.reject(
                        line,
                        None,
                        None,
                        _("%(n)s fields, the header has %(m)s") % {"n": len(cells), "m": width},
                    )
                    continue
                outcome.shifted.append(line)
                cells = repaired
        cells_chunk.append(cells)
        lines.append(line)
        geoms.append(geom)
        chars += sum(map(len, cells)) + _geometry_size(geom)
        if len(cells_chunk) >= CHUNK or chars >= CHUNK_CHARS:
            yield _convert_chunk(cells_chunk, lines, geoms, columns, outcome)
            cells_chunk, lines, geoms, chars = [], [], [], 0
    if cells_chunk:
        yield _convert_chunk(cells_chunk, lines, geoms, columns, outcome)


def _fitted(obj, field: str, value) -> str:
    """``value`` shortened to what the model's text field holds."""
    return shown(value, type(obj)._meta.get_field(field).max_length)


def _geometry_size(geom) -> int:
    """About what a geometry takes, counted as characters: 16 per coordinate."""
    if geom is None or isinstance(geom, Exception):
        return 0
    import shapely

    return 16 * int(shapely.get_num_coordinates(geom))


def _sample(rows) -> list:
    """The first SAMPLE_ROWS rows, or fewer when their cells reach CHUNK_CHARS."""
    sample, chars = [], 0
    for row in rows:
        sample.append(row)
        chars += sum(map(len, row[1] or ())) + _geometry_size(row[2])
        if len(sample) >= SAMPLE_ROWS or chars >= CHUNK_CHARS:
            break
    return sample


def _convert_chunk(cells_chunk, lines, geoms, columns, outcome: Outcome) -> Chunk:
    texts = list(zip(*cells_chunk, strict=True)) if columns else []
    return _convert_columns(texts, lines, geoms, columns, outcome)


def _convert_columns(texts, lines, geoms, columns, outcome: Outcome) -> Chunk:
    count = len(geoms)
    if not columns:  # geometries without properties
        return Chunk(pl.DataFrame(), geoms, list(lines))
    frame = (
        texts
        if isinstance(texts, pl.DataFrame)
        else pl.DataFrame(
            {
                c.name: pl.Series(c.name, t, dtype=pl.String)
                for c, t in zip(columns, texts, strict=True)
            }
        )
    )
    frame = frame.rename(dict(zip(frame.columns, [c.name for c in columns], strict=True)))
    typed, bad = fastparse.convert_frame(frame, columns)
    if bad:
        for i in sorted(bad):
            column, value, reason = bad[i]
            outcome.reject(
                lines[i],
                column,
                value,
                _("not %(type)s: %(e)s") % {"type": _type_of(columns, column), "e": reason},
            )
        keep = pl.Series([i not in bad for i in range(count)])
        typed = typed.filter(keep)
        geoms = [g for i, g in enumerate(geoms) if i not in bad]
        lines = [line for i, line in enumerate(lines) if i not in bad]
    return Chunk(typed, geoms, list(lines))


def _type_of(columns, name) -> str:
    return next(c.type for c in columns if c.name == name)


def _shifted(cells, parsers, columns):
    """The cells without the one empty field that pushed the values off their headers."""
    for i, cell in enumerate(cells):
        if cell.strip():
            continue
        candidate = cells[:i] + cells[i + 1 :]
        try:
            _convert_cells(candidate, parsers, columns)
        except (ValueError, OverflowError):
            continue
        return candidate
    return None


def _finish_warnings(analysis: Analysis, outcome: Outcome) -> list[dict]:
    warnings = list(analysis.warnings)
    if outcome.trailing:
        warnings.append(
            {
                "code": "trailing_fields",
                "message": _("%(n)s rows ended in empty extra fields; these were ignored.")
                % {"n": outcome.trailing},
            }
        )
    if outcome.shifted:
        lines = ", ".join(str(n) for n in outcome.shifted[:20])
        warnings.append(
            {
                "code": "shifted_values",
                "message": _(
                    "%(n)s rows had their values one column off the header, after an empty extra "
                    "field; the empty field was dropped so that each value sits under its header "
                    "(lines %(lines)s)."
                )
                % {"n": len(outcome.shifted), "lines": lines},
            }
        )
    if outcome.rows_rejected:
        warnings.append(
            {
                "code": "rejected_rows",
                "message": _("%(n)s of %(m)s rows could not be converted; see the error report.")
                % {"n": outcome.rows_rejected, "m": outcome.rows_in},
            }
        )
    return warnings


# --- the import itself ---


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            h.update(block)
    return h.hexdigest()


def upload_name(name: str | None) -> str:
    """The name a received file is written under: never the client's (it may be longer
    than the file system takes, or name a folder), only its suffix, which tells the
    format."""
    suffix = Path(name or "").suffix.lower()
    return "upload" + (suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else "")


@contextmanager
def uploaded(upload) -> "Iterator[Path]":
    """An uploaded file (Django's UploadedFile) as a file on disk, under a safe name, for
    as long as the block runs: the readers open files by path."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_name(upload.name)
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        yield path


def store_upload(path: Path, name: str) -> Path:
    """Keep an uploaded file under var/uploads for its preview's commit, for
    DATASTORE_UPLOAD_KEEP_DAYS after it was last uploaded; older ones are removed here."""
    folder = Path(settings.DATASTORE_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old_uploads(folder)
    digest = file_digest(path)
    target = folder / f"{digest}{Path(upload_name(name)).suffix}"
    if target.exists():
        target.touch()  # uploaded again: kept from now on
    else:
        shutil.copyfile(path, target)
    return target


def _remove_old_uploads(folder: Path) -> None:
    oldest = time.time() - settings.DATASTORE_UPLOAD_KEEP_DAYS * 86400
    for old in folder.iterdir():
        with contextlib.suppress(OSError):  # removed by another process meanwhile
            if old.is_file() and old.stat().st_mtime < oldest:
                old.unlink()


def index_plan(
    schema: list[dict], rows: int, key: str | None, requested: list[str] | None
) -> list[str]:
    """The columns that get an index (the upsert key has its own unique index)."""
    names = [c["name"] for c in schema if c["name"] != key]
    if requested is not None:
        return [n for n in names if n in requested]
    if rows <= INDEX_ALL_ROWS:
        return names
    return [c["name"] for c in schema if c["type"] in ("date", "timestamp") and c["name"] != key]


def _check_options(dataset: Dataset, options: Options, analysis: Analysis) -> None:
    columns = analysis.columns
    if options.mode not in MODES:
        raise ImportFailed(
            _("Unknown mode '%(m)s'. Modes: replace, append, upsert.") % {"m": options.mode}
        )
    if options.on_error not in ("skip", "abort"):
        raise ImportFailed(_("on_error must be 'skip' or 'abort'."))
    if options.mode == "upsert" and not options.key:
        raise ImportFailed(_("An upsert needs a key column (--key)."))
    names = [c.name for c in columns]
    unknown = sorted(set(options.indexes or ()) - set(names))
    if unknown:
        raise ImportFailed(
            _("Cannot index unknown column(s): %(names)s.") % {"names": ", ".join(unknown)}
        )
    if options.key and options.key not in names:
        raise ImportFailed(
            _("The key column '%(key)s' is not in the file. Columns: %(names)s.")
            % {"key": options.key, "names": ", ".join(names)}
        )
    if options.mode in ("append", "upsert") and dataset.table:
        old = [(c["name"], c["type"]) for c in dataset.columns]
        new = [(c.name, c.type) for c in columns]
        if old != new:
            raise ImportFailed(
                _(
                    "To append or upsert, the file must have the dataset's columns and types "
                    "(%(old)s); it has %(new)s. Replace the dataset instead, or override the types."
                )
                % {
                    "old": ", ".join(f"{n}:{t}" for n, t in old),
                    "new": ", ".join(f"{n}:{t}" for n, t in new),
                }
            )
        geometry = bool(analysis.source.geometry or analysis.point_columns)
        if geometry != datastore.has_geometry(dataset.table):
            raise ImportFailed(
                _(
                    "To append or upsert, the file must have geometries where the dataset "
                    "has them, and none where it has none. Replace the dataset instead."
                )
            )


def preview(
    dataset: Dataset, path: Path, name: str, options: Options, user=None
) -> tuple[ImportRun, Analysis]:
    """Analyse and convert the whole file without loading it; keep the file for the commit."""
    return preview_stored(dataset, store_upload(path, name), name, options, user)


def preview_stored(
    dataset: Dataset, stored: Path, name: str, options: Options, user=None, progress=None
) -> tuple[ImportRun, Analysis]:
    """The preview of a file already kept by ``store_upload`` (a job reads it there);
    ``progress(rows, total)`` hears of the rows converted."""
    started = time.monotonic()
    run = _new_run(dataset, stored, name, options, user, ImportStatus.PREVIEW)
    try:
        analysis = analyse(stored, options)
        _check_options(dataset, options, analysis)
        sample = analysis.sample
        outcome = Outcome()
        total = analysis.source.total
        report = (lambda n: progress(n, total)) if progress else None
        for _chunk in converted_rows(analysis, outcome, report):
            pass
        analysis.sample = sample
    except (ReadError, ImportFailed) as exc:
        run.status = ImportStatus.FAILED
        run.message = shown(exc, 4 * SHOWN_CHARS)
        run.seconds = time.monotonic() - started
        run.save()
        raise ImportFailed(str(exc), run) from exc
    _fill_run(run, analysis, outcome)
    run.sample = [[shown(v) for v in row] for row in analysis.preview_rows()]
    run.seconds = time.monotonic() - started
    run.save()
    return run, analysis


def _new_run(dataset, path: Path, name, options: Options, user, status) -> ImportRun:
    return ImportRun(
        dataset=dataset,
        status=status,
        mode=options.mode,
        key=options.key or "",
        on_error=options.on_error,
        file_name=Path(name).name[:255],
        file_size=path.stat().st_size,
        sha256=file_digest(path),
        stored_file=str(path),
        format=options.format or "",
        options=options.as_json(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _fill_run(run: ImportRun, analysis: Analysis, outcome: Outcome) -> None:
    src = analysis.source
    run.format = src.format
    run.encoding = src.encoding or ""
    run.delimiter = src.delimiter or ""
    # A layer's name and a CRS given as WKT may be longer than the run keeps.
    run.sheet = _fitted(run, "sheet", src.sheet)
    run.source_crs = _fitted(run, "source_crs", analysis.crs)
    run.columns = [
        c.as_json() | {"inferred": c.inferred, "examples": [shown(e) for e in c.examples]}
        for c in analysis.columns
    ]
    if src.geometry or analysis.point_columns:
        run.columns.append({"name": "geometry", "title": "geometry", "type": "geometry"})
    run.rows_in = outcome.rows_in
    run.rows_imported = outcome.rows_in - outcome.rows_rejected
    run.rows_rejected = outcome.rows_rejected
    run.errors = sorted(outcome.errors, key=lambda e: e["line"])
    run.warnings = [
        w | {"message": shown(w.get("message"), 4 * SHOWN_CHARS)}
        for w in _finish_warnings(analysis, outcome)
    ]


def run_import(
    dataset: Dataset,
    path: Path,
    name: str,
    options: Options,
    user=None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportRun:
    """Load the file into the dataset as its next version; raises ImportFailed with the run."""
    started = time.monotonic()
    run = _new_run(dataset, path, name, options, user, ImportStatus.FAILED)
    try:
        analysis = analyse(path, options)
        _check_options(dataset, options, analysis)
        outcome = Outcome()
        with transaction.atomic():
            locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
            with _no_cyclic_gc():
                _load(locked, analysis, options, outcome, progress)
            _fill_run(run, analysis, outcome)
            if outcome.rows_rejected and options.on_error == "abort":
                raise _Abort
            if run.rows_imported == 0 and options.mode == "replace":
                raise ImportFailed(_("No row could be imported; the dataset was left as it was."))
            run.version = locked.version
            run.status = ImportStatus.DONE
            run.seconds = time.monotonic() - started
            run.save()
            dataset.refresh_from_db()
    except _Abort:
        run.status = ImportStatus.FAILED
        run.rows_imported = 0
        run.message = _(
            "%(n)s rows could not be converted and on_error is 'abort': nothing was imported."
        ) % {"n": run.rows_rejected}
        run.seconds = time.monotonic() - started
        run.save()
        raise ImportFailed(run.message, run) from None
    except (ReadError, ImportFailed) as exc:
        run.status = ImportStatus.FAILED
        run.rows_imported = 0
        run.message = shown(exc, 4 * SHOWN_CHARS)
        run.seconds = time.monotonic() - started
        run.save()
        raise ImportFailed(str(exc), run) from exc
    finally:
        staging.release()
    return run


def commit_preview(run: ImportRun, changes: dict, user, progress=None) -> ImportRun:
    """Load the file a preview kept, with the preview's options changed by ``changes``.

    A preview is imported once: it is claimed (its kept file's name taken off it) under a
    lock before loading, so a second click or a second job finds it used; a failed load
    gives it back for another try."""
    options = Options.from_json(run.options)
    for key, value in changes.items():
        setattr(options, key, value)
    with transaction.atomic():
        claimed = ImportRun.objects.select_for_update().filter(pk=run.pk).first()
        if claimed is None or claimed.status != ImportStatus.PREVIEW or not claimed.stored_file:
            raise ImportFailed(
                _("This preview was imported already; upload the file again for another import.")
            )
        stored = claimed.stored_file
        ImportRun.objects.filter(pk=run.pk).update(stored_file="")
    path = Path(stored)
    try:
        if not path.exists():
            raise ImportFailed(_("The uploaded file is no longer kept; upload it again."))
        return run_import(run.dataset, path, run.file_name, options, user, progress)
    except ImportFailed:
        ImportRun.objects.filter(pk=run.pk).update(stored_file=stored)
        raise


class _Abort(Exception):
    pass


def _ahead(chunks, depth: int = 2):
    """Iterate ``chunks`` in a second thread, ``depth`` items ahead of the consumer.

    Converting (polars, shapely) and writing (SQLite, COPY) both release the GIL for most
    of their work, so on two cores the next chunk is converted while this one is written.
    The producer never touches the database; its exceptions are raised here.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()
    language = translation.get_language()  # reports speak the caller's language

    def produce():
        translation.activate(language)
        try:
            for item in chunks:
                if stop.is_set():
                    return
                items.put(item)
        except BaseException as exc:  # noqa: BLE001 - handed over to the consuming thread
            items.put(_Failure(exc))
            return
        items.put(done)

    worker = threading.Thread(target=produce, name="import-convert", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                items.get_nowait()
            except queue.Empty:
                worker.join(0.01)


@dataclass
class _Failure:
    exc: BaseException


@contextmanager
def _no_cyclic_gc():
    """A load makes millions of short-lived, acyclic objects (cells, values, rows); the
    cyclic garbage collector would scan them again and again without finding anything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(
    dataset: Dataset, analysis: Analysis, options: Options, outcome: Outcome, progress
) -> None:
    columns = analysis.columns
    schema = [c.as_json() for c in columns]
    geometry = analysis.source.geometry or analysis.point_columns is not None
    version = dataset.version + 1
    table = datastore.table_name(dataset.pk, version)
    datastore.drop_table(table)  # a leftover of a crashed process
    datastore.create_table(table, schema, geometry)
    appending = options.mode in ("append", "upsert") and dataset.table
    first_id = 1
    if appending:
        datastore.copy_table(dataset.table, table)
        first_id = datastore.max_id(table) + 1
    types = {c.name: c.type for c in columns}
    transformer = _geo().transformer(analysis.crs) if geometry else None  # checked in analysis
    point = analysis.point_columns
    total = analysis.source.total
    report = (lambda n: progress(n, total)) if progress else None
    key = options.key if options.mode == "upsert" else None
    if key:
        datastore.create_indexes(table, [], False, key)
    names = [*types] + (["geometry", *datastore.BBOX] if geometry else [])
    writer = datastore.Writer(table, names, types, key=key, rows=total)

    def prepared():
        """Converted, numbered and encoded chunks; runs beside the writer (see _ahead)."""
        next_id = first_id
        for chunk in converted_rows(analysis, outcome, report):
            frame = chunk.frame
            if geometry:
                geoms = chunk.geometries
                if point:
                    geoms = _geo().points(frame[point[0]].to_numpy(), frame[point[1]].to_numpy())
                encoded, beyond = _geo().encode(geoms, transformer, outcome)
                if beyond:  # 1e400 in the file, or 1e300 in UTM once reprojected
                    reason = _(
                        "a coordinate is not a finite number, in the file or once converted"
                        " to longitude and latitude"
                    )
                    for i in sorted(beyond):
                        outcome.reject(chunk.lines[i], "geometry", None, reason)
                    if frame.width:
                        frame = frame.filter(
                            pl.Series([i not in beyond for i in range(len(geoms))])
                        )
            n = len(encoded) if geometry else len(chunk.geometries)
            ids = pl.DataFrame({"_id": pl.Series(range(next_id, next_id + n), dtype=pl.Int64)})
            frame = ids.hstack(frame) if frame.width else ids
            next_id += n
            if geometry:
                frame = frame.with_columns(
                    pl.Series("geometry", [e[0] for e in encoded], dtype=pl.String),
                    *(
                        pl.Series(b, [e[k + 1] for e in encoded], dtype=pl.Float64)
                        for k, b in enumerate(datastore.BBOX)
                    ),
                )
            yield writer.prepare(frame)

    with writer:
        for batch in _ahead(prepared()):
            writer.write(batch)
    row_count = datastore.count(table)
    indexed = index_plan(schema, row_count, key, options.indexes)
    datastore.create_indexes(table, [c for c in schema if c["name"] in indexed], geometry, None)
    old_table = dataset.table
    dataset.table = table
    dataset.version = version
    dataset.columns = schema
    dataset.key = options.key or (dataset.key if appending else "")
    dataset.indexed = sorted(set(indexed) | ({key} if key else set()))
    dataset.row_count = row_count
    dataset.geometry_type = _geo().type_names(outcome.geometry_types) if geometry else ""
    dataset.bbox = _geo().table_bbox(table) if geometry else None
    dataset.source_crs = _fitted(dataset, "source_crs", analysis.crs) if geometry else ""
    dataset.modified = timezone.now()
    dataset.save()
    if old_table:
        datastore.drop_table(old_table)
