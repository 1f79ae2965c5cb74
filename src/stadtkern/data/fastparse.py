"""Column-wise conversion of cell texts, with polars, for imports of millions of rows.

The rules are those of parsing.py, and parsing.py stays the authority: the fast path
reads the common spellings of each type in bulk, and every value it cannot read (an
unusual but valid spelling, or an invalid one) goes to the scalar parser, which either
reads it or names the reason it cannot. So both paths always agree.
"""

import polars as pl

from .parsing import FALSE, INFERABLE, PARSERS, TRUE, Inference

# Integers as written plainly, or grouped by thousands with the other mark than the decimal.
_INTEGER = {
    ",": r"^[+-]?(0|[1-9][0-9]{0,17}|[1-9][0-9]{0,2}(\.[0-9]{3})+)$",
    ".": r"^[+-]?(0|[1-9][0-9]{0,17}|[1-9][0-9]{0,2}(,[0-9]{3})+)$",
}
# Decimals with a fraction, grouped integers, and plain integers without leading zeros.
_DECIMAL = {
    ",": r"^[+-]?(([0-9]{1,3}(\.[0-9]{3})+|[0-9]*),[0-9]+|[1-9][0-9]{0,2}(\.[0-9]{3})+|0|[1-9][0-9]*)$",
    ".": r"^[+-]?(([0-9]{1,3}(,[0-9]{3})+|[0-9]*)\.[0-9]+([eE][+-]?[0-9]+)?|[1-9][0-9]{0,2}(,[0-9]{3})+|0|[1-9][0-9]*)$",
}
_DATE_GERMAN = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$"
_TIMESTAMP = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?( ?(Z|[+-][0-9]{2}:?[0-9]{2}))?"
    r"|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)$"
)
_BOOLEAN = {**dict.fromkeys(TRUE, True), **dict.fromkeys(FALSE, False)}
_TIMESTAMP_FORMATS = [
    ("%Y-%m-%d %H:%M:%S %z", True),
    ("%Y-%m-%dT%H:%M:%S%z", True),
    ("%Y-%m-%d %H:%M:%S%z", True),
    ("%Y-%m-%dT%H:%M:%S%.fZ", False),
    ("%Y-%m-%dT%H:%M:%SZ", False),
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y-%m-%dT%H:%M:%S", False),
    ("%d.%m.%Y %H:%M", False),
    ("%d.%m.%Y %H:%M:%S", False),
]
# Exactly the characters Python's str.strip() removes, so both paths strip alike (written
# out: finding them among all 1.1 million code points took a tenth of a second at start;
# data/tests/test_csv_fuzz.py checks the list against str.isspace()).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
DTYPES = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "timestamp": pl.Datetime("us", "UTC"),
    "text": pl.String,
}


def _fast(s: pl.Series, kind: str, decimal: str) -> pl.Series:
    """The values the bulk rules can read; null where they cannot (or the cell is empty).

    Timestamps try every bulk format in turn, for the few values the column's main format
    (see convert_frame) left unread.
    """
    frame = s.alias("v").to_frame()
    if kind != "timestamp":
        return frame.select(_expr("v", kind, decimal, None)).to_series()
    out = None
    for hint in _TIMESTAMP_FORMATS:
        parsed = frame.select(_expr("v", kind, decimal, hint)).to_series()
        out = parsed if out is None else out.fill_null(parsed)
        if out.null_count() == 0:
            break
    return out


def _timestamp_expr(col: pl.Expr, fmt: str, has_offset: bool) -> pl.Expr:
    if has_offset:
        return col.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
    if fmt.endswith("Z"):
        return col.str.to_datetime(fmt, strict=False, time_unit="us").dt.replace_time_zone("UTC")
    naive = col.str.to_datetime(fmt, strict=False, time_unit="us")
    return (
        pl.when(naive.dt.year().is_between(1970, 2037))
        .then(naive)
        .dt.replace_time_zone("Europe/Berlin", ambiguous="null", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def timestamp_format(texts) -> tuple[str, bool] | None:
    """The bulk format that reads most of a sample of timestamps."""
    s = pl.Series("v", texts, dtype=pl.String).str.strip_chars(WHITESPACE)
    best, best_n = None, 0
    for fmt, has_offset in _TIMESTAMP_FORMATS:
        n = pl.select(_timestamp_expr(pl.lit(s), fmt, has_offset)).to_series().is_not_null().sum()
        if n > best_n:
            best, best_n = (fmt, has_offset), n
    return best


def _expr(name: str, kind: str, decimal: str, hint: tuple[str, bool] | None) -> pl.Expr:
    """One column's bulk conversion as a polars expression: the common spellings only.
    The column holds stripped texts (see WHITESPACE)."""
    s = pl.col(name)
    if kind == "text":
        out = pl.when(s != "").then(s)
    elif kind == "integer":
        sep = "." if decimal == "," else ","
        out = (
            pl.when(s.str.contains(_INTEGER[decimal]))
            .then(s.str.replace_all(sep, "", literal=True))
            .cast(pl.Int64, strict=False)
        )
    elif kind == "decimal":
        if decimal == ",":
            text = s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
        else:
            text = s.str.replace_all(",", "", literal=True)
        out = pl.when(s.str.contains(_DECIMAL[decimal])).then(text).cast(pl.Float64, strict=False)
    elif kind == "boolean":
        out = s.str.to_lowercase().replace_strict(_BOOLEAN, default=None, return_dtype=pl.Boolean)
    elif kind == "date":
        out = pl.coalesce(
            pl.when(s.str.contains(_DATE_GERMAN))
            .then(s)
            .str.strptime(pl.Date, "%d.%m.%Y", strict=False),
            pl.when(s.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            .then(s)
            .str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        )
    elif kind == "timestamp":
        fmt, has_offset = hint or _TIMESTAMP_FORMATS[0]
        out = _timestamp_expr(pl.when(s.str.contains(_TIMESTAMP)).then(s), fmt, has_offset)
    else:
        raise ValueError(kind)
    return out.cast(DTYPES[kind]).alias(name)


def convert_frame(
    texts: pl.DataFrame, columns
) -> tuple[pl.DataFrame, dict[int, tuple[str, str, str]]]:
    """Convert every column of a frame of texts at once (in parallel); return the typed
    frame and {row index: (column, value, reason)} of the first failure in each bad row.

    Values the expressions leave unread go through convert() (every bulk format, then the
    scalar parser), so the result is the same as parsing each cell on its own.
    """
    names = texts.columns
    stripped = texts.select(pl.all().str.strip_chars(WHITESPACE))
    typed = stripped.select(
        [
            _expr(n, c.type, c.decimal, getattr(c, "hint", None))
            for n, c in zip(names, columns, strict=True)
        ]
    )
    unresolved = pl.concat(
        [stripped, typed.select(pl.all().name.suffix("__v"))], how="horizontal"
    ).select(
        [
            (pl.col(n).is_not_null() & (pl.col(n) != "") & pl.col(n + "__v").is_null()).alias(n)
            for n in names
        ]
    )
    failures: dict[int, tuple[str, str, str]] = {}
    counts = unresolved.sum().row(0)
    for n, c, count in zip(names, columns, counts, strict=True):
        if not count:
            continue
        idx = unresolved[n].arg_true()
        subset = texts[n].gather(idx)
        values, bad = convert(subset, c.type, c.decimal)
        typed = typed.with_columns(typed[n].scatter(idx, values))
        for j, reason in bad.items():
            row = idx[j]
            failures.setdefault(row, (c.name, subset[j].strip(), reason))
    return typed, failures


def convert(texts, kind: str, decimal: str) -> tuple[pl.Series, dict[int, str]]:
    """Parse one column; return the typed series and {row index: reason} of failures."""
    if not isinstance(texts, pl.Series):
        texts = pl.Series("v", texts, dtype=pl.String)
    s = texts.str.strip_chars(WHITESPACE)
    values = _fast(s, kind, decimal)
    unresolved = (s.is_not_null() & (s != "") & values.is_null()).arg_true().to_list()
    failures: dict[int, str] = {}
    if unresolved:
        parse = PARSERS[kind]
        patch_idx, patch_val = [], []
        for i in unresolved:
            try:
                value = parse(s[i], decimal)
            except (ValueError, OverflowError) as exc:
                failures[i] = str(exc)
                continue
            patch_idx.append(i)
            patch_val.append(value)
        if patch_idx:
            values = values.scatter(patch_idx, pl.Series(patch_val, dtype=DTYPES[kind]))
    return values.cast(DTYPES[kind]), failures


def sqlite_frame(frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
    """The frame's values in the forms the SQLite datastore stores: booleans as 0/1,
    dates as ISO text, timestamps as ISO text in UTC with a fraction only when present."""
    out = []
    for name in frame.columns:
        s = frame[name]
        kind = types.get(name)
        if kind == "boolean":
            s = s.cast(pl.Int8)
        elif kind == "date":
            s = s.dt.to_string("%Y-%m-%d")
        elif kind == "timestamp":
            whole = s.dt.to_string("%Y-%m-%dT%H:%M:%SZ")
            if (s.dt.microsecond() > 0).any():
                fine = s.dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ")
                whole = pl.select(
                    pl.when(s.dt.microsecond() > 0).then(fine).otherwise(whole)
                ).to_series()
            s = whole
        out.append(s.alias(name))
    return pl.DataFrame(out)


# COPY's text format: a backslash starts an escape, a tab ends a field, a line end a row.
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def copy_text(frame: pl.DataFrame) -> bytes:
    """The frame in the text format of PostgreSQL's COPY (tab-separated, NULL as \\N).

    PostgreSQL reads it faster than CSV. Timestamps carry their fraction of a second only
    when they have one.
    """
    escaped = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String and frame[name].str.contains(r"[\\\t\n\r]").any():
            col = pl.col(name)
            for char, escape in _COPY_ESCAPES:
                col = col.str.replace_all(char, escape, literal=True)
            escaped.append(col)
    if escaped:
        frame = frame.with_columns(escaped)
    return frame.write_csv(
        include_header=False,
        separator="\t",
        quote_style="never",
        null_value="\\N",
        datetime_format="%Y-%m-%d %H:%M:%S%.f%z",
        date_format="%Y-%m-%d",
    ).encode()


def accepts(s: pl.Series, kind: str, decimal: str) -> bool:
    """Whether every non-empty value of the (stripped) series reads as ``kind``."""
    values = _fast(s, kind, decimal)
    unresolved = (s.is_not_null() & (s != "") & values.is_null()).arg_true().to_list()
    parse = PARSERS[kind]
    for i in unresolved:
        try:
            parse(s[i], decimal)
        except (ValueError, OverflowError):
            return False
    return True


def infer(texts, decimal: str = ",") -> Inference:
    """parsing.infer in bulk: the most specific type that reads every non-empty value."""
    s = pl.Series("v", texts, dtype=pl.String).str.strip_chars(WHITESPACE)
    present = s.filter(s.is_not_null() & (s != ""))
    examples = present.unique(maintain_order=True).head(3).to_list()
    if present.len() == 0:
        return Inference("text", 0, examples)
    for kind in INFERABLE:
        if accepts(present, kind, decimal):
            return Inference(kind, present.len(), examples)
    return Inference("text", present.len(), examples)
