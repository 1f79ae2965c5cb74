"""The read-only SQL endpoint over the datastore: how data packages are brought together.

A query is parsed with sqlglot (PostgreSQL syntax), checked and rewritten before the
database sees it:

- exactly one statement, and it is a SELECT (set operations and CTEs included);
- every table is a dataset: ``name`` for one of the caller's municipality, ``other.name``
  for another municipality's dataset (``other`` is its short name, ``-`` written ``_``);
  the caller must be allowed to read it, and the application's own tables are never
  reachable, because only dataset names are mapped to tables;
- only functions from an allow-list (aggregates, arithmetic, text, dates, window
  functions and ``sk_within``), so nothing sleeps, reads files or calls out;
- then it runs in a read-only transaction with a time limit and a row limit. On SQLite
  an authorizer admits nothing but reads of the mapped tables, as a second line.
"""

import time
from dataclasses import dataclass

import sqlglot
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from stadtkern.core import rules
from stadtkern.core.models import Municipality

from .datastore import jsonable
from .models import Dataset

MAX_LENGTH = 20000

ALLOWED_FUNCTIONS = {
    # aggregates
    "Count", "Sum", "Avg", "Min", "Max", "Stddev", "StddevPop", "StddevSamp", "Variance",
    "VariancePop", "GroupConcat", "ArrayAgg", "Median", "PercentileCont", "PercentileDisc",
    "CountIf", "LogicalAnd", "LogicalOr", "BoolAnd", "BoolOr",
    # arithmetic
    "Abs", "Round", "Floor", "Ceil", "Sqrt", "Pow", "Ln", "Log", "Exp", "Sign", "Mod",
    "Greatest", "Least", "SafeDivide",
    # conditionals and types
    "Case", "If", "Coalesce", "Nullif", "Cast", "TryCast",
    # text
    "Lower", "Upper", "Length", "Trim", "Substring", "Concat", "ConcatWs", "Initcap",
    "StrPosition", "Left", "Right", "Replace", "Lpad", "Rpad", "RegexpLike", "Reverse",
    # dates
    "Extract", "CurrentDate", "CurrentTimestamp", "Date", "DateTrunc", "TimestampTrunc",
    "DateDiff", "DateAdd", "DateSub", "TimeToStr", "StrToTime", "StrToDate", "Year",
    "Month", "Day", "DayOfWeek",
    # window functions
    "RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist", "Ntile", "Lag", "Lead",
    "FirstValue", "LastValue", "NthValue",
}  # fmt: skip
# Functions sqlglot does not know by name, allowed by their lower-case name.
ALLOWED_ANONYMOUS = {
    "sk_within",
    "strftime",
    "julianday",
    "date_part",
    "to_char",
    "printf",
    "ifnull",
    "instr",
    "total",
}

FORBIDDEN_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Into",
        "Set", "Pragma", "Transaction", "Commit", "Rollback", "Copy", "LoadData", "Lock",
        "Attach", "Detach", "Use", "Grant", "TruncateTable", "Analyze",
    )
    if hasattr(exp, name)
)  # fmt: skip


class QueryError(Exception):
    """The query is refused or failed; the message names the reason."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Result:
    columns: list[str]
    rows: list[list]
    truncated: bool
    seconds: float
    sql: str

    def as_json(self) -> dict:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": len(self.rows),
            "truncated": self.truncated,
            "seconds": round(self.seconds, 4),
        }


def _resolve(table: exp.Table, user, home: Municipality | None, cache: dict) -> Dataset:
    if table.args.get("catalog"):
        raise QueryError(_("Table names have at most two parts: municipality.dataset."))
    owner_name = table.db
    name = table.name
    key = (owner_name, name)
    if key in cache:
        return cache[key]
    if owner_name:
        owner = Municipality.objects.filter(slug=owner_name.replace("_", "-")).first()
        owner = owner or Municipality.objects.filter(slug=owner_name).first()
        if owner is None:
            raise QueryError(_("Unknown municipality '%(name)s'.") % {"name": owner_name}, 404)
    else:
        if home is None:
            raise QueryError(
                _("Name the municipality of '%(name)s' (municipality.dataset), or choose one.")
                % {"name": name}
            )
        owner = home
    dataset = (
        Dataset.objects.filter(municipality=owner, slug=name).select_related("municipality").first()
    )
    if dataset is None or not rules.can_view_dataset(user, dataset):
        # The same answer for missing and for internal datasets: nothing leaks.
        raise QueryError(
            _("There is no dataset '%(name)s' you may read.")
            % {"name": f"{owner_name}.{name}" if owner_name else name},
            404,
        )
    if not dataset.table:
        raise QueryError(_("The dataset '%(name)s' has no data yet.") % {"name": name}, 409)
    cache[key] = dataset
    return dataset


def prepare(sql: str, user, home: Municipality | None) -> tuple[str, list[Dataset], set[str]]:
    """Check the query and return it in this database's dialect with the tables mapped."""
    if not sql or not sql.strip():
        raise QueryError(_("The query is empty."))
    if len(sql) > MAX_LENGTH:
        raise QueryError(_("The query is longer than %(n)s characters.") % {"n": MAX_LENGTH})
    if "\x00" in sql:
        raise QueryError(_("The query contains a NUL character."))
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except (ParseError, TokenError) as exc:
        raise QueryError(_("The query is not valid SQL: %(e)s") % {"e": _first_line(exc)}) from exc
    except (ValueError, RecursionError) as exc:
        raise QueryError(_("The query is not valid SQL.")) from exc
    if len(statements) != 1:
        raise QueryError(
            _("Send exactly one statement; this query has %(n)s.") % {"n": len(statements)}
        )
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryError(_("Only SELECT queries are allowed; the datastore is read-only here."))
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise QueryError(_("Only SELECT queries are allowed; the datastore is read-only here."))
        if isinstance(node, exp.Func):
            _check_function(node)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    cache: dict = {}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise QueryError(_("Only datasets can appear in FROM."))
        if not table.db and table.name in ctes:
            continue
        dataset = _resolve(table, user, home, cache)
        alias = table.alias
        table.set("this", exp.to_identifier(dataset.table, quoted=True))
        table.set("db", None)
        if not alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(dataset.slug)))
    dialect = "postgres" if connection.vendor == "postgresql" else "sqlite"
    return tree.sql(dialect=dialect), list(cache.values()), ctes


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__


def _check_function(node: exp.Func) -> None:
    name = type(node).__name__
    if name == "Anonymous":
        fname = str(node.name).lower()
        if fname not in ALLOWED_ANONYMOUS:
            raise QueryError(
                _("The function %(f)s is not allowed in datastore queries.") % {"f": fname}
            )
    elif name not in ALLOWED_FUNCTIONS and not isinstance(
        node, exp.AggFunc | exp.Binary | exp.Unary
    ):
        raise QueryError(
            _("The function %(f)s is not allowed in datastore queries.") % {"f": node.sql_name()}
        )


def run(sql: str, user, home: Municipality | None, *, max_rows: int | None = None) -> Result:
    """Check, map and run the query; QueryError for refusals, errors and the time limit."""
    max_rows = min(max_rows or settings.DATASTORE_SQL_MAX_ROWS, settings.DATASTORE_SQL_MAX_ROWS)
    final, datasets, ctes = prepare(sql, user, home)
    tables = {d.table for d in datasets} | ctes
    timeout = settings.DATASTORE_SQL_TIMEOUT_MS
    started = time.monotonic()
    try:
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET TRANSACTION READ ONLY")
                cur.execute(f"SET LOCAL statement_timeout = {int(timeout)}")
                cur.execute(final)
                raw = cur.fetchmany(max_rows + 1)
            else:
                raw = _run_sqlite(cur, final, tables, timeout, max_rows)
            columns = [d[0] for d in cur.description or []]
    except DatabaseError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if "statement timeout" in text or "interrupted" in text:
            raise QueryError(
                _("The query ran longer than the limit of %(s)s s and was stopped.")
                % {"s": timeout / 1000},
                408,
            ) from exc
        if "not authorized" in text or "prohibited" in text:
            raise QueryError(_("The query tried something other than reading datasets.")) from exc
        raise QueryError(_("The database refused the query: %(e)s") % {"e": text[:300]}) from exc
    truncated = len(raw) > max_rows
    rows = [[jsonable(v) for v in row] for row in raw[:max_rows]]
    return Result(columns, rows, truncated, time.monotonic() - started, final)


def _run_sqlite(cur, final: str, tables: set[str], timeout_ms: int, max_rows: int):
    import sqlite3

    raw_conn = connection.connection
    deadline = time.monotonic() + timeout_ms / 1000

    def progress():
        return 1 if time.monotonic() > deadline else 0

    def authorize(action, arg1, arg2, dbname, source):
        if action == sqlite3.SQLITE_SELECT or action == sqlite3.SQLITE_RECURSIVE:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            return sqlite3.SQLITE_OK if arg1 in tables or arg1 is None else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    raw_conn.set_progress_handler(progress, 10000)
    raw_conn.set_authorizer(authorize)
    try:
        cur.execute(final)
        return cur.fetchmany(max_rows + 1)
    finally:
        raw_conn.set_authorizer(None)
        raw_conn.set_progress_handler(None, 0)
