"""Where user SQL runs: the database's own line of defence, independent of our parser.

``sql.py`` checks and maps a query (the first line). This module runs what comes out of
it where the database itself keeps it away from application data, whatever the parser
let through:

- **PostgreSQL**: inside a read-only transaction, ``SET LOCAL ROLE`` switches to a
  dedicated role (``DATASTORE_SQL_ROLE``, created without login) that holds SELECT on
  dataset tables (``ds_*``) and nothing else, with ``search_path`` fixed and a statement
  time limit. The rows are made inside a SECURITY DEFINER function that the role owns,
  where PostgreSQL refuses any change of role (the session user could otherwise switch
  back with ``set_config('role', ...)``) and a second statement. The transaction is
  always rolled back.
- **SQLite**: a separate connection opened read-only (``mode=ro``, ``query_only``),
  which never takes the write lock, with an authorizer that admits reads of the named
  dataset tables only (not CTE names, not ``sqlite_master``), attachments limited to
  none and every value limited in length.
"""

import functools
import json
import sqlite3
import threading
import time
import zlib
from urllib.request import pathname2url

from django.conf import settings
from django.db import DatabaseError, connection, transaction

# Longest text or blob a query may build (``printf('%.999999999c', 'x')`` would otherwise
# allocate a gigabyte per request): SQLite's own limit, and on PostgreSQL BOUNDED_SQL's.
SQLITE_MAX_VALUE_BYTES = 1_000_000


class SandboxError(Exception):
    """The database refused or stopped the query; ``kind`` says why."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(detail or kind)
        self.kind = kind  # "timeout", "denied", "not_set_up", "error"
        self.detail = detail


def execute(
    sql: str, tables: set[str], *, max_rows: int, timeout_ms: int, client: str = ""
) -> tuple[list, list]:
    """Run one SELECT as the sandbox; return (column names, at most max_rows + 1 rows).

    Rows stop at ``DATASTORE_SQL_MAX_MB`` of values as well; a cut list ends with None.
    At most ``DATASTORE_SQL_CONCURRENCY`` queries run at once, and one per ``client``
    (an account or an address), so that one client cannot hold every place;
    SandboxError("busy") otherwise.
    """
    max_bytes = settings.DATASTORE_SQL_MAX_MB * 2**20
    if connection.vendor == "postgresql":
        return _execute_postgres(
            sql, max_rows=max_rows, timeout_ms=timeout_ms, max_bytes=max_bytes, client=client
        )
    with _SQLITE_CLIENTS_LOCK:
        if client and client in _sqlite_clients:
            raise SandboxError("busy")
        _sqlite_clients.add(client)
    try:
        places = _sqlite_places(settings.DATASTORE_SQL_CONCURRENCY)
        if not places.acquire(timeout=1):
            raise SandboxError("busy")
        try:
            return _execute_sqlite(
                sql, tables, max_rows=max_rows, timeout_ms=timeout_ms, max_bytes=max_bytes
            )
        finally:
            places.release()
    finally:
        with _SQLITE_CLIENTS_LOCK:
            _sqlite_clients.discard(client)


_sqlite_clients: set[str] = set()  # clients whose query runs in this process
_SQLITE_CLIENTS_LOCK = threading.Lock()


# Within a single expression neither database can be stopped (PostgreSQL has no memory
# limit per connection and looks at its time limit between rows; a row of a thousand
# numeric products or upper() calls takes seconds and a gigabyte): the number of queries
# at once bounds what all of them together take. SQLite queries run in this process.
@functools.cache
def _sqlite_places(concurrency: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(concurrency)


# PostgreSQL: one advisory lock per place, held by the query's transaction, for every
# process of the instance; the key's first half names the SQL endpoint.
_PLACES_KEY = 0x534B5351  # "SKSQ"
_CLIENTS_KEY = 0x534B5343  # "SKSC": one lock per client (a hash of its account or address)


# --- PostgreSQL ---


def reader_role() -> str:
    return settings.DATASTORE_SQL_ROLE


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


SANDBOX_SCHEMA = "sk_sandbox"
SANDBOX_FUNCTION = f"{SANDBOX_SCHEMA}.run_rows"
# Rows leave the database as JSON texts, at most n of them and at most max_bytes in all:
# the row that would pass the budget is sent as NULL, the mark of the cut. The loop
# reads through a cursor, so the database holds no more than the rows it sends.
SANDBOX_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION sk_sandbox.run_rows(q text, n integer, max_bytes bigint)
RETURNS SETOF text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    row_text text;
    total bigint := 0;
BEGIN
    FOR row_text IN EXECUTE
        'SELECT row_to_json(sk_row)::text FROM (' || q || ') AS sk_row LIMIT ' || n::text
    LOOP
        total := total + octet_length(row_text);
        IF total > max_bytes THEN
            RETURN NEXT NULL;
            RETURN;
        END IF;
        RETURN NEXT row_text;
    END LOOP;
END $$
"""
SANDBOX_SIGNATURE = "text, integer, bigint"
# PostgreSQL builds a text value of up to a gigabyte in one call (eight nested replace()
# took 1.5 GB; a string_agg over a cross join, or a WITH RECURSIVE that doubles a
# text, as much), and no time limit interrupts the call. sql.py routes the operations
# that make values grow through these, which stop at the same bound as SQLite.
# The bound of the running query (value_limit: smaller for results of many columns),
# set with SET LOCAL where the query runs; 1 MB where it is not set.
LIMIT_NOW = (
    "coalesce(nullif(pg_catalog.current_setting('sk.value_limit', true),"
    f" '')::integer, {SQLITE_MAX_VALUE_BYTES})"
)
BOUNDED_SQL = [
    """
CREATE OR REPLACE FUNCTION sk_sandbox.bounded(v anyelement) RETURNS anyelement
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF pg_catalog.pg_column_size(v) > {limit_now} THEN
        RAISE EXCEPTION 'a value larger than % bytes', {limit_now} USING ERRCODE = '54000';
    END IF;
    RETURN v;
END $$
""",
    """
CREATE OR REPLACE FUNCTION sk_sandbox.replace(a text, b text, c text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    -- the size of the result, counted before it is made: removing b only shrinks a
    IF pg_catalog.length(c) > pg_catalog.length(b) AND pg_catalog.length(b) > 0
       AND pg_catalog.octet_length(a)::bigint
           + (pg_catalog.length(a) - pg_catalog.length(pg_catalog.replace(a, b, '')))::bigint
             / pg_catalog.length(b) * pg_catalog.octet_length(c) > {limit_now} THEN
        RAISE EXCEPTION 'a value larger than % bytes', {limit_now} USING ERRCODE = '54000';
    END IF;
    RETURN pg_catalog.replace(a, b, c);
END $$
""",
    """
CREATE OR REPLACE FUNCTION sk_sandbox.string_agg_step(state text, v text, d text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF v IS NULL THEN
        RETURN state;
    END IF;
    state := CASE WHEN state IS NULL THEN v ELSE state || coalesce(d, '') || v END;
    IF pg_catalog.octet_length(state) > {limit_now} THEN
        RAISE EXCEPTION 'a value larger than % bytes', {limit_now} USING ERRCODE = '54000';
    END IF;
    RETURN state;
END $$
""",
    """
CREATE OR REPLACE AGGREGATE sk_sandbox.string_agg(text, text)
(SFUNC = sk_sandbox.string_agg_step, STYPE = text)
""",
]


def _execute_postgres(
    sql: str, *, max_rows: int, timeout_ms: int, max_bytes: int, client: str = ""
) -> tuple[list, list]:
    import psycopg

    role = reader_role()
    with transaction.atomic():
        try:
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION READ ONLY")
                _take_place(cur, client)
                cur.execute("SET LOCAL statement_timeout = %s", [int(timeout_ms)])
                cur.execute("SET LOCAL search_path = pg_catalog, public")
                try:
                    with transaction.atomic():
                        cur.execute(f"SET LOCAL ROLE {_qn(role)}")
                except DatabaseError as exc:
                    raise SandboxError("not_set_up", _first_line(exc)) from exc
            columns = _describe(sql)
            with connection.cursor() as cur:  # a row of many columns: smaller values
                cur.execute(
                    "SELECT pg_catalog.set_config('sk.value_limit', %s, true)",
                    [str(value_limit(len(columns), max_bytes))],
                )
            # The rows are made inside a SECURITY DEFINER function owned by the role:
            # there PostgreSQL refuses any change of role (set_config('role', ...) in the
            # query cannot climb back to the application's user), and the function
            # takes one statement only.
            with psycopg.Cursor(connection.connection) as raw:
                try:
                    raw.execute(
                        f"SELECT {SANDBOX_FUNCTION}(%s, %s, %s)", [sql, max_rows + 1, max_bytes]
                    )
                    rows = [None if text is None else _row_values(text) for (text,) in raw]
                except psycopg.Error as exc:
                    raise _classify(exc) from exc
        finally:
            # Nothing of this transaction stays: role, search path and read-only mode end
            # with it (inside an outer transaction, with its savepoint).
            transaction.set_rollback(True)
    return columns, rows


def _describe(sql: str) -> list[str]:
    """Return the column names of the query, from PostgreSQL's parser; nothing runs."""
    pgconn = connection.connection.pgconn
    name = b"sk_sandbox_describe"
    result = pgconn.prepare(name, sql.encode())
    if result.error_message:
        raise _classify(Exception(result.error_message.decode(errors="replace")))
    try:
        described = pgconn.describe_prepared(name)
        return [described.fname(i).decode() for i in range(described.nfields)]
    finally:
        pgconn.exec_(b"DEALLOCATE sk_sandbox_describe")


class _Pairs(list):
    """A JSON object read with its keys in order (a row may repeat a column name)."""


def _number(text: str):
    # Python refuses integers of more than 4,300 digits; such a number stays text.
    return int(text) if len(text) <= 4000 else text


def _row_values(text: str) -> list:
    row = json.loads(text, object_pairs_hook=_Pairs, parse_int=_number)
    return [_plain(value) for _key, value in row]


def _plain(value):
    if isinstance(value, _Pairs):
        return {key: _plain(item) for key, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _classify(exc: Exception) -> SandboxError:
    text = _first_line(exc)
    sqlstate = getattr(exc, "sqlstate", None) or getattr(
        getattr(exc, "__cause__", None), "sqlstate", None
    )
    if sqlstate == "57014" or "statement timeout" in text:
        return SandboxError("timeout", text)
    if sqlstate == "42501" or "permission denied" in text:
        return SandboxError("denied", text)
    # ours (bounded values), or PostgreSQL's own end at a gigabyte or at its memory
    if sqlstate in ("54000", "53200") or "invalid memory alloc request size" in text:
        return SandboxError("too_big", text)
    if "multiple commands" in text:
        return SandboxError("denied", text)
    return SandboxError("error", text)


def _take_place(cur, client: str) -> None:
    """One of DATASTORE_SQL_CONCURRENCY places, until the transaction ends; waits a
    second for one to come free. A client whose other query still runs gets none."""
    if client:
        cur.execute(
            "SELECT pg_catalog.pg_try_advisory_xact_lock(%s, %s)",
            [_CLIENTS_KEY, zlib.crc32(client.encode()) & 0x7FFFFFFF],
        )
        if not cur.fetchone()[0]:
            raise SandboxError("busy")
    for attempt in range(11):
        for place in range(settings.DATASTORE_SQL_CONCURRENCY):
            cur.execute("SELECT pg_catalog.pg_try_advisory_xact_lock(%s, %s)", [_PLACES_KEY, place])
            if cur.fetchone()[0]:
                return
        if attempt < 10:
            time.sleep(0.1)
    raise SandboxError("busy")


def setup_reader_role(cursor) -> list[str]:
    """Create the sandbox role if needed and grant it exactly the dataset tables.

    Return the statements that could not run for want of privileges (empty when all
    is set): the operator runs them once as a database superuser.
    """
    role = reader_role()
    qrole = _qn(role)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        statement = f"CREATE ROLE {qrole} NOLOGIN NOINHERIT"
        if not _try(cursor, statement):
            return [statement, f"GRANT {qrole} TO CURRENT_USER"]
    cursor.execute(
        "SELECT pg_has_role(CURRENT_USER, %s, 'USAGE') OR rolsuper FROM pg_roles"
        " WHERE rolname = CURRENT_USER",
        [role],
    )
    row = cursor.fetchone()
    if not (row and row[0]):
        statement = f"GRANT {qrole} TO CURRENT_USER"
        if not _try(cursor, statement):
            return [statement]
    # The function that makes the rows belongs to the role, in a schema of the role's own.
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SANDBOX_SCHEMA} AUTHORIZATION {qrole}")
    cursor.execute(f"DROP FUNCTION IF EXISTS {SANDBOX_FUNCTION}(text, integer)")
    cursor.execute(SANDBOX_FUNCTION_SQL)
    cursor.execute(f"ALTER FUNCTION {SANDBOX_FUNCTION}({SANDBOX_SIGNATURE}) OWNER TO {qrole}")
    for statement in BOUNDED_SQL:
        cursor.execute(statement.replace("{limit_now}", LIMIT_NOW))
    cursor.execute(f"REVOKE ALL ON FUNCTION {SANDBOX_FUNCTION}({SANDBOX_SIGNATURE}) FROM PUBLIC")
    # Whatever an operator granted before: the role reads dataset tables and nothing else
    # in this database's own schema.
    cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {qrole}")
    cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {qrole}")
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE %s",
        ["ds\\_%"],
    )
    for (table,) in cursor.fetchall():
        cursor.execute(f"GRANT SELECT ON {_qn(table)} TO {qrole}")
    return []


def _try(cursor, statement: str) -> bool:
    try:
        with transaction.atomic():
            cursor.execute(statement)
    except DatabaseError:
        return False
    return True


def grant_reader(table: str) -> None:
    """Let the sandbox role read a new dataset table (PostgreSQL; nothing on SQLite)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [reader_role()])
        if cur.fetchone() is not None:
            cur.execute(f"GRANT SELECT ON {_qn(table)} TO {_qn(reader_role())}")


# --- SQLite ---


def value_limit(width: int, max_bytes: int) -> int:
    """The longest value a result of ``width`` columns may hold: a row stays within the
    result's budget, yet no value is cut below 64 KB (a wide dataset's geometry)."""
    return max(64 * 1024, min(SQLITE_MAX_VALUE_BYTES, max_bytes // max(width, 1)))


def _sqlite_reader() -> sqlite3.Connection:
    """Open the database file read-only on a connection of its own."""
    name = str(connection.settings_dict["NAME"])
    uri = f"file:{pathname2url(name)}?mode=ro"
    reader = sqlite3.connect(uri, uri=True, timeout=2, isolation_level=None)
    reader.execute("PRAGMA query_only = ON")
    reader.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
    reader.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    from .sqlfunctions import register

    register(reader)
    return reader


def _execute_sqlite(
    sql: str, tables: set[str], *, max_rows: int, timeout_ms: int, max_bytes: int
) -> tuple[list, list]:
    allowed = frozenset(tables)

    def authorize(action, arg1, arg2, dbname, source):
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE, sqlite3.SQLITE_FUNCTION):
            return sqlite3.SQLITE_OK
        # A recursive WITH query reading its own rows has no schema (dbname None): it
        # holds only what the query made. Stored data is read from "main".
        if action == sqlite3.SQLITE_READ and (
            dbname is None or (dbname == "main" and arg1 in allowed)
        ):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    try:
        reader = _sqlite_reader()
    except sqlite3.Error as exc:
        raise SandboxError("error", _first_line(exc)) from exc
    # A watchdog stops the query at the deadline, between any two steps, however long the
    # steps before took (a progress handler counts steps, not time).
    watchdog = threading.Timer(timeout_ms / 1000, reader.interrupt)
    watchdog.daemon = True
    try:
        reader.set_authorizer(authorize)
        watchdog.start()
        # A row is made whole before its size can be counted: a thousand columns of one
        # 1 MB value were 2 GB in this process. Wide results take smaller values.
        width = len(reader.execute(f"SELECT * FROM ({sql}) LIMIT 0").description or ())  # noqa: S608 (the checked query)
        reader.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, value_limit(width, max_bytes))
        cur = reader.execute(sql)
        columns = [d[0] for d in cur.description or []]
        rows, size = [], 0
        for row in cur:  # one at a time: each counted before the next is made
            size += sum(len(v) for v in row if isinstance(v, str | bytes)) + 8 * len(row)
            if size > max_bytes:
                return columns, [*rows, None]
            rows.append(row)
            if len(rows) > max_rows:
                break
        return columns, rows
    except sqlite3.Error as exc:
        text = _first_line(exc)
        if "interrupted" in text:
            raise SandboxError("timeout", text) from exc
        if "not authorized" in text or "prohibited" in text or "access to" in text:
            raise SandboxError("denied", text) from exc
        if "too big" in text:
            raise SandboxError("too_big", text) from exc
        raise SandboxError("error", text) from exc
    except (OverflowError, MemoryError) as exc:
        raise SandboxError("too_big", str(exc)) from exc
    finally:
        watchdog.cancel()
        reader.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else exc.__class__.__name__
