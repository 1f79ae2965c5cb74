"""The datastore: one real, typed, indexed table per dataset, on SQLite and PostgreSQL.

Tables are named ``ds_<dataset id>_<version>``. A replacing import builds the next
version's table beside the current one and switches ``Dataset.table`` in the same
transaction, so a failed import leaves the previous version untouched. Every table has
``_id`` (row number, the keyset for pagination) and, for geodata, ``geometry`` (GeoJSON
in EPSG:4326) with its bounding box in ``_minx _miny _maxx _maxy`` (indexed).

Values are written with the database's bulk path: COPY on PostgreSQL; on SQLite
executemany in the import's transaction, or for large imports a staging file copied in
one statement (staging.py). Column names come from the dataset's schema (checked SQL
identifiers) and are quoted all the same; values are always bound parameters.
"""

import base64
import json
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection

from .sqlsandbox import grant_reader

INTERNAL = ("_id", "geometry", "_minx", "_miny", "_maxx", "_maxy")
BBOX = ("_minx", "_miny", "_maxx", "_maxy")

SQL_TYPES = {
    "postgresql": {
        "integer": "BIGINT",
        "decimal": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMPTZ",
        "text": "TEXT",
    },
    "sqlite": {
        "integer": "INTEGER",
        "decimal": "REAL",
        "boolean": "INTEGER",
        "date": "TEXT",
        "timestamp": "TEXT",
        "text": "TEXT",
    },
}

OPERATORS = {
    "eq": "=",
    "ne": "<>",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
}


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- values between Python and the database ---


def _ts_sqlite(value: datetime) -> str:
    """UTC timestamps as fixed-width ISO text, so that SQLite compares and sorts them."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def encoder(type_: str):
    """Function that turns a parsed value into what this database stores, or None if as is."""
    if connection.vendor != "sqlite":
        return None
    if type_ == "timestamp":
        return lambda v: None if v is None else _ts_sqlite(v)
    if type_ == "date":
        return lambda v: None if v is None else v.isoformat()
    if type_ == "boolean":
        return lambda v: None if v is None else int(v)
    return None


def encode(type_: str, value):
    enc = encoder(type_)
    return enc(value) if enc else value


def decoder(type_: str):
    """Function that turns a stored value into its JSON form."""
    if type_ == "boolean":
        return lambda v: None if v is None else bool(v)
    if type_ == "timestamp":
        return lambda v: (
            v.astimezone(UTC).isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else v
        )
    if type_ == "date":
        return lambda v: v.isoformat() if isinstance(v, date) else v
    if type_ == "geometry":
        return lambda v: json.loads(v) if isinstance(v, str) else v
    return None


# --- tables ---


def table_name(dataset_id: int, version: int) -> str:
    return f"ds_{dataset_id}_{version}"


def create_table(table: str, columns: list[dict], geometry: bool) -> None:
    types = SQL_TYPES[connection.vendor]
    pk = "INTEGER PRIMARY KEY" if connection.vendor == "sqlite" else "BIGINT PRIMARY KEY"
    parts = [f"{qn('_id')} {pk}"]
    parts += [f"{qn(c['name'])} {types[c['type']]}" for c in columns]
    if geometry:
        real = "REAL" if connection.vendor == "sqlite" else "DOUBLE PRECISION"
        parts.append(f"{qn('geometry')} TEXT")
        parts += [f"{qn(b)} {real}" for b in BBOX]
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE {qn(table)} ({', '.join(parts)})")
    grant_reader(table)


def copy_table(source: str, target: str) -> None:
    """Fill ``target`` (same columns) with every row of ``source``: the base of an append."""
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {qn(target)} SELECT * FROM {qn(source)}")  # noqa: S608


def drop_table(table: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {qn(table)}")


def create_indexes(table: str, columns: list[dict], geometry: bool, key: str | None) -> None:
    """An index for each given column, the bounding box, and the unique key."""
    pg = is_postgres()
    with connection.cursor() as cur:
        if key:
            cur.execute(f"CREATE UNIQUE INDEX {qn(table + '_key')} ON {qn(table)} ({qn(key)})")
        for i, c in enumerate(columns):
            if c["name"] == key:
                continue
            # SQLite appends the rowid (_id) to every index by itself; PostgreSQL gets
            # (column NULLS FIRST, _id): the order the rows API promises (see Query), and
            # the row-value comparison of a keyset page as an index condition.
            cols = f"{qn(c['name'])} NULLS FIRST, {qn('_id')}" if pg else qn(c["name"])
            cur.execute(f"CREATE INDEX {qn(f'{table}_c{i}')} ON {qn(table)} ({cols})")
        if geometry:
            cur.execute(
                f"CREATE INDEX {qn(table + '_bbox')} ON {qn(table)} ({qn('_minx')}, {qn('_miny')})"
            )
        if pg:
            cur.execute(f"ANALYZE {qn(table)}")


def max_id(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX({qn('_id')}), 0) FROM {qn(table)}")  # noqa: S608
        return int(cur.fetchone()[0])


def count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608
        return int(cur.fetchone()[0])


class Writer:
    """Bulk writer of converted rows (a polars frame: ``_id``, the columns, geometry).

    PostgreSQL streams COPY's text format; SQLite runs executemany over the rows of each
    frame in the surrounding transaction, or stages large loads (staging.py). Upserts go through a staging table on PostgreSQL
    and ``INSERT ... ON CONFLICT`` on SQLite.
    """

    def __init__(
        self,
        table: str,
        names: list[str],
        types: dict[str, str],
        key: str | None = None,
        rows: int | None = None,
    ):
        from . import staging

        self.table, self.types, self.key = table, types, key
        self.pg = is_postgres()
        # SQLite numbers new rows itself, as the importer would (one more than the
        # largest _id): one value less to bind per row. Upserts name their _id.
        self.own_ids = self.pg or bool(key) or not names
        self.names = ["_id", *names] if self.own_ids else list(names)
        # Large SQLite loads go through a staging file (see staging.py).
        self.staged = not self.pg and (rows or 0) >= staging.STAGE_ROWS and staging.available()
        self._stage = None
        self._cursor = None
        self._target = table

    def __enter__(self):
        from . import staging

        self._cursor = connection.cursor().__enter__()
        cols = ", ".join(qn(n) for n in self.names)
        if self.pg:
            if self.key:
                self._target = f"{self.table}_stage"
                self._cursor.execute(
                    f"CREATE TEMP TABLE {qn(self._target)} (LIKE {qn(self.table)}) ON COMMIT DROP"
                )
            self._copy_sql = f"COPY {qn(self._target)} ({cols}) FROM STDIN"
            return self
        self._conflict = ""
        if self.key:
            updates = ", ".join(
                f"{qn(n)} = excluded.{qn(n)}" for n in self.names if n not in ("_id", self.key)
            )
            self._conflict = f"ON CONFLICT ({qn(self.key)}) DO " + (
                f"UPDATE SET {updates}" if updates else "NOTHING"
            )
        if self.staged:
            self._stage = staging.Stage()
        marks = ", ".join("?" for _ in self.names)
        self._sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks}) {self._conflict}"  # noqa: S608
        return self

    def prepare(self, frame):
        """What write() sends: COPY text (made by polars, without the GIL), SQLite's
        forms of the values as a frame for the staging file, or as Python tuples for
        executemany. It touches no connection, so it runs in another thread
        (importing._ahead) while write() stores the chunk before."""
        from . import fastparse

        if frame.height == 0:
            return None
        if not self.own_ids:
            frame = frame.drop("_id")
        if self.pg:
            return fastparse.copy_text(frame)
        frame = fastparse.sqlite_frame(frame, self.types)
        if self.staged:
            return frame
        return list(zip(*(s.to_list() for s in frame.iter_columns()), strict=True))

    def write(self, batch) -> None:
        if batch is None:
            return
        if self.pg:
            with self._cursor.cursor.copy(self._copy_sql) as copy:
                copy.write(batch)
        elif self._stage is not None:
            self._stage.write(batch)
        else:
            self._cursor.cursor.executemany(self._sql, batch)

    def __exit__(self, exc_type, exc, tb):
        try:
            if self._stage is not None:
                if exc_type is None:
                    self._stage.copy_into(self._cursor, self.table, self.names, self._conflict)
                else:
                    self._stage.discard()
            if exc_type is None and self.pg and self.key:
                updates = ", ".join(
                    f"{qn(n)} = EXCLUDED.{qn(n)}" for n in self.names if n not in ("_id", self.key)
                )
                names = ", ".join(qn(n) for n in self.names)
                # The staging table may hold a key twice; the last row of the file wins.
                self._cursor.execute(
                    f"INSERT INTO {qn(self.table)} ({names}) "  # noqa: S608
                    f"SELECT DISTINCT ON ({qn(self.key)}) {names} FROM {qn(self._target)} "
                    f"ORDER BY {qn(self.key)}, {qn('_id')} DESC "
                    f"ON CONFLICT ({qn(self.key)}) DO "
                    + (f"UPDATE SET {updates}" if updates else "NOTHING")
                )
                self._cursor.execute(f"DROP TABLE {qn(self._target)}")
        finally:
            self._cursor.__exit__(exc_type, exc, tb)
        return False


# --- reading rows ---


def has_geometry(table: str) -> bool:
    """Whether a dataset's table has the geometry column (and its bounding box)."""
    with connection.cursor() as cur:
        names = {c.name for c in connection.introspection.get_table_description(cur, table)}
    return "geometry" in names


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise ValueError("The cursor is not one this API handed out.") from exc
    if not isinstance(values, list) or not values:
        raise ValueError("The cursor is not one this API handed out.")
    return values


class Query:
    """A filtered, sorted, keyset-paginated read of one dataset table.

    ``filters`` are ``(column, operator, value)`` with values already encoded for the
    database; ``sort`` is ``(column, descending)`` or None for the natural ``_id`` order.
    """

    def __init__(
        self,
        dataset,
        *,
        filters=(),
        sort: tuple[str, bool] | None = None,
        fields: list[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ):
        self.dataset = dataset
        self.filters = list(filters)
        self.sort = sort
        self.bbox = bbox
        names = [c["name"] for c in dataset.columns]
        self.fields = fields or names
        self.geometry = dataset.has_geometry and (fields is None or "geometry" in fields)
        self.fields = [f for f in self.fields if f != "geometry"]

    def _where(self, params: list) -> list[str]:
        where = []
        for column, op, value in self.filters:
            col = qn(column)
            if op == "null":
                where.append(f"{col} IS NULL" if value else f"{col} IS NOT NULL")
            elif op == "in":
                where.append(f"{col} IN ({', '.join(['%s'] * len(value))})")
                params.extend(value)
            elif op == "contains":
                where.append(f"LOWER({col}) LIKE %s ESCAPE '\\'")
                escaped = (
                    str(value).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                )
                params.append(f"%{escaped}%")
            else:
                where.append(f"{col} {OPERATORS[op]} %s")
                params.append(value)
        if self.bbox:
            minx, miny, maxx, maxy = self.bbox
            where.append(
                f"{qn('_minx')} <= %s AND {qn('_maxx')} >= %s AND {qn('_miny')} <= %s AND {qn('_maxy')} >= %s"
            )
            params.extend([maxx, minx, maxy, miny])
        return where

    def _select_list(self) -> list[str]:
        cols = ["_id", *self.fields]
        if self.geometry:
            cols.append("geometry")
        return cols

    def count(self) -> int:
        params: list = []
        where = self._where(params)
        sql = f"SELECT COUNT(*) FROM {qn(self.dataset.table)}"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return int(cur.fetchone()[0])

    def _order(self) -> str:
        """Ascending: NULLs first, then values; descending: values, then NULLs; ties by _id.

        The same on both databases, and the order their indexes deliver: SQLite keeps
        NULLs first, PostgreSQL's datastore indexes are built (column NULLS FIRST, _id).
        """
        if self.sort is None:
            return qn("_id")
        column, desc = self.sort
        if desc:
            return f"{qn(column)} DESC NULLS LAST, {qn('_id')} DESC"
        return f"{qn(column)} ASC NULLS FIRST, {qn('_id')} ASC"

    def _fetch(self, where: list[str], params: list, order: str, limit: int, offset: int = 0):
        cols = self._select_list()
        sql = f"SELECT {', '.join(qn(c) for c in cols)} FROM {qn(self.dataset.table)}"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order} LIMIT %s OFFSET %s"
        with connection.cursor() as cur:
            cur.execute(sql, [*params, limit, offset])
            return cur.fetchall()

    def _after(self, after: list, limit: int) -> list:
        """Up to ``limit`` rows after the cursor.

        A sorted listing is two segments, the NULLs and the values; each is read with a
        condition its index serves (a row-value comparison, never an OR), and a page that
        reaches the end of the first segment continues in the second.
        """
        base_params: list = []
        base = self._where(base_params)
        col, rid = qn(self.sort[0]) if self.sort else None, qn("_id")
        if self.sort is None:
            return self._fetch([*base, f"{rid} > %s"], [*base_params, after[0]], rid, limit)
        desc = self.sort[1]
        value, last_id = after
        # The NULLS clause changes nothing in a segment without NULLs, but PostgreSQL uses
        # an index only for the ORDER BY it was built for.
        values_order = self._order()
        nulls_order = f"{rid} {'DESC' if desc else 'ASC'}"
        cmp = "<" if desc else ">"
        segments = []
        if value is None:
            # Inside the NULL segment: the rest of it, then (ascending) all values.
            segments.append(([f"{col} IS NULL", f"{rid} {cmp} %s"], [last_id], nulls_order))
            if not desc:
                segments.append(([f"{col} IS NOT NULL"], [], values_order))
        else:
            segments.append(([f"({col}, {rid}) {cmp} (%s, %s)"], [value, last_id], values_order))
            if desc:
                segments.append(([f"{col} IS NULL"], [], nulls_order))
        rows: list = []
        for where, params, order in segments:
            rows += self._fetch([*base, *where], [*base_params, *params], order, limit - len(rows))
            if len(rows) >= limit:
                break
        return rows

    def page(self, *, limit: int, after: list | None = None, offset: int = 0):
        """``limit`` rows after the cursor (or from ``offset``), and the next cursor."""
        if after is not None:
            raw = self._after(after, limit + 1)
        else:
            params: list = []
            where = self._where(params)
            raw = self._fetch(where, params, self._order(), limit + 1, offset)
        cols = self._select_list()
        more = len(raw) > limit
        raw = raw[:limit]
        cursor = None
        if more and raw:
            last = raw[-1]
            if self.sort is None:
                cursor = encode_cursor([last[0]])
            else:
                idx = cols.index(self.sort[0])
                cursor = encode_cursor([jsonable(last[idx]), last[0]])
        return [self.as_dict(r, cols) for r in raw], cursor

    def stream(self, batch: int = 5000) -> Iterator[dict]:
        """Every matching row, fetched in keyset batches so memory stays flat."""
        after = None
        while True:
            rows, cursor = self.page(limit=batch, after=after)
            yield from rows
            if cursor is None:
                return
            after = decode_cursor(cursor)

    def as_dict(self, row, cols) -> dict:
        decoders = self._decoders(cols)
        return {c: (d(v) if d else v) for c, d, v in zip(cols, decoders, row, strict=True)}

    def _decoders(self, cols):
        cached = getattr(self, "_dec", None)
        if cached is None:
            types = {c["name"]: c["type"] for c in self.dataset.columns}
            types["geometry"] = "geometry"
            cached = self._dec = [decoder(types.get(c, "integer")) for c in cols]
        return cached


def jsonable(value):
    """A value read from the database as JSON can carry it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no Infinity or NaN: they travel as text.
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, bytes | memoryview):
        return None
    return value
