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
- WITH queries are resolved where SQL says they are visible, and renamed, so that no
  name the database finally sees can mean an application table;
- then ``sqlsandbox`` runs it where the database itself confines it (a role limited to
  dataset tables on PostgreSQL; a read-only connection with an authorizer on SQLite),
  a line of defence that trusts nothing this module decided.
"""

import logging
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, SqlglotError, TokenError

from stadtkern.core import rules, throttle
from stadtkern.core.models import Municipality

from . import sqlsandbox
from .datastore import INTERNAL, jsonable
from .models import Dataset

logger = logging.getLogger(__name__)

MAX_LENGTH = 20000
MAX_PAD = 10000
PRINTF_SPEC = re.compile(r"%[-+ #0!,]*[0-9*]*(?:\.[0-9*]*)?")

ALLOWED_FUNCTIONS = {
    # aggregates
    "Count", "Sum", "Avg", "Min", "Max", "Stddev", "StddevPop", "StddevSamp", "Variance",
    "VariancePop", "GroupConcat", "Median", "PercentileCont", "PercentileDisc",
    "CountIf", "LogicalAnd", "LogicalOr", "BoolAnd", "BoolOr",  # not ArrayAgg: see COLLECTING
    # arithmetic
    "Abs", "Round", "Floor", "Ceil", "Sqrt", "Pow", "Ln", "Log", "Exp", "Sign", "Mod", "Trunc",
    "Greatest", "Least", "SafeDivide",
    # conditionals and types
    "Case", "If", "Coalesce", "Nullif", "Cast", "TryCast",
    # text
    "Lower", "Upper", "Length", "Trim", "Substring", "Concat", "ConcatWs", "Initcap",
    "StrPosition", "Left", "Right", "Replace", "Pad", "RegexpLike", "Reverse", "SplitPart",
    # subqueries (checked as any query)
    "Exists",
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

# Aggregates that collect values into one: string_agg (GroupConcat) does so within the
# value bound; these would grow without one.
COLLECTING = (
    exp.ArrayAgg, exp.ArrayConcatAgg, exp.ArrayUnionAgg, exp.ArrayUniqueAgg,
    exp.JSONArrayAgg, exp.JSONObjectAgg, exp.JSONBObjectAgg, exp.ObjectAgg,
)  # fmt: skip

_T = exp.DataType.Type
ALLOWED_CASTS = {
    _T.SMALLINT, _T.INT, _T.BIGINT, _T.DECIMAL, _T.DOUBLE, _T.FLOAT, _T.TEXT, _T.VARCHAR,
    _T.CHAR, _T.BPCHAR, _T.DATE, _T.TIME, _T.TIMETZ, _T.TIMESTAMP, _T.TIMESTAMPTZ,
    _T.BOOLEAN, _T.INTERVAL, _T.JSON, _T.JSONB,
}  # fmt: skip

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
    datasets: list = field(default_factory=list)  # what the query read

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


def prepare(sql: str, user, home: Municipality | None) -> tuple[str, list[Dataset]]:
    """Check the query and return it in this database's dialect with the tables mapped."""
    tree = _parse(sql)
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise QueryError(_("Only SELECT queries are allowed; the datastore is read-only here."))
        if isinstance(node, exp.Func):
            _check_function(node)
        if isinstance(node, exp.Cast):
            _check_cast(node)
        if isinstance(node, exp.Binary):
            _check_operator(node)
    cache: dict = {}
    _map_tables(tree, user, home, cache)
    dialect = "sqlite"
    if connection.vendor == "postgresql":
        _check_attribute_calls(tree, cache.values())
        _bound_values(tree)
        dialect = BoundedPostgres
    try:
        return tree.sql(dialect=dialect), list(cache.values())
    except (RecursionError, SqlglotError):  # sqlglot may wrap the recursion error
        raise QueryError(_("The query is nested too deeply.")) from None


def _parse(sql: str) -> exp.Query:
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
    return tree


def _name_key(identifier) -> str:
    # PostgreSQL folds unquoted names to lower case; quoted ones are taken as written.
    text = identifier.this if isinstance(identifier, exp.Identifier) else str(identifier)
    return text if getattr(identifier, "quoted", False) else text.lower()


def _with_of(node) -> exp.With | None:
    return node.args.get("with_") or node.args.get("with")


def _cte_in_scope(table: exp.Table) -> exp.CTE | None:
    """Return the WITH query that ``table`` names where it stands, or None.

    A name is looked up from the inside out, as SQL does: a query's WITH list is visible
    in its body; inside the list, a WITH query sees the ones before it, and all of them
    (itself included) when the list is RECURSIVE. Elsewhere the name is not a CTE.
    """
    key = _name_key(table.this)
    node = table
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.With):
            ctes = parent.expressions
            visible = ctes if parent.args.get("recursive") else ctes[: node.index]
            for cte in visible:
                if _name_key(cte.args["alias"].this) == key:
                    return cte
            # The query that owns this list must not be looked at again from its body.
            node = parent.parent
            continue
        if isinstance(parent, exp.Query) and node.arg_key not in ("with", "with_"):
            with_ = _with_of(parent)
            if with_ is not None:
                for cte in with_.expressions:
                    if _name_key(cte.args["alias"].this) == key:
                        return cte
        node = parent
    return None


def _map_tables(tree: exp.Query, user, home: Municipality | None, cache: dict) -> None:
    """Give every WITH query a name of its own and every other table its dataset's table.

    What the database finally sees names either one of our WITH queries or a dataset
    table: if our scoping and the database's ever disagreed, a name would point nowhere,
    never to an application table.
    """
    ctes = list(tree.find_all(exp.CTE))
    for cte in ctes:
        alias = cte.args.get("alias")
        if alias is None or not isinstance(alias.this, exp.Identifier):
            raise QueryError(_("Every WITH query needs a name."))
    names = {}
    for number, cte in enumerate(ctes, start=1):
        alias = cte.args["alias"]
        names[id(cte)] = f"sk_cte_{number}"
        siblings = [_name_key(c.args["alias"].this) for c in cte.parent.expressions]
        if siblings.count(_name_key(alias.this)) > 1:
            raise QueryError(
                _("The name %(name)s is given to two WITH queries.") % {"name": alias.this.this}
            )
    # Resolve every reference before renaming anything, against the names as written.
    targets = []
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise QueryError(_("Only datasets can appear in FROM."))
        cte = None if table.db else _cte_in_scope(table)
        targets.append((table, cte))
    for table, cte in targets:
        alias = table.alias
        original = table.this
        if cte is not None:
            table.set("this", exp.to_identifier(names[id(cte)], quoted=True))
            if not alias:
                table.set("alias", exp.TableAlias(this=original.copy()))
            continue
        dataset = _resolve(table, user, home, cache)
        table.set("this", exp.to_identifier(dataset.table, quoted=True))
        table.set("db", None)
        if not alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(dataset.slug)))
    for cte in ctes:
        cte.args["alias"].set("this", exp.to_identifier(names[id(cte)], quoted=True))


def _check_attribute_calls(tree: exp.Query, datasets) -> None:
    """PostgreSQL reads ``t.f``, where t has no column f, as the call ``f(t)``, and
    ``(expr).f`` as ``f(expr)`` (functional notation), past the allow-list. A qualified
    name that is also a function's passes only as a column of the dataset it names;
    names the query gives itself do not count (``1 AS ts_stat`` made ``('...').ts_stat``
    run any SQL text)."""
    columns: dict[str, set] = {}  # a table's name in the query -> its columns, if a dataset
    by_table = {d.table: {c["name"].lower() for c in d.columns} | set(INTERNAL) for d in datasets}
    for table in tree.find_all(exp.Table):
        names = by_table.get(table.name, set())
        key = (table.alias or table.name).lower()
        columns[key] = columns.get(key, names) & names  # a name given twice: what both have
    functions = _postgres_functions()
    for node in tree.find_all(exp.Column, exp.Dot):
        if isinstance(node, exp.Column):
            if not node.table:
                continue  # f alone is a column or nothing
            ident, qualifier = node.this, node.table.lower()
        else:
            ident, qualifier = node.expression, None
        if not isinstance(ident, exp.Identifier):
            continue
        name = ident.this if ident.quoted else ident.this.lower()
        if name in functions and name.lower() not in columns.get(qualifier, set()):
            raise QueryError(
                _(
                    "%(name)s is here no column of a dataset, and PostgreSQL would call the"
                    " function of that name; give the column another name (AS ...)."
                )
                % {"name": ident.this}
            )


@lru_cache(maxsize=1)
def _postgres_functions() -> frozenset:
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT proname FROM pg_catalog.pg_proc")
        return frozenset(row[0] for row in cur.fetchall())


# Operators, as functions are: the ones a query over data needs, nothing that reaches
# further (OPERATOR(schema.op), jsonpath's @? and @@, which run a language of their own).
ALLOWED_OPERATORS = tuple(
    getattr(exp, name)
    for name in (
        "Add", "Sub", "Mul", "Div", "Mod", "IntDiv", "Pow", "EQ", "NEQ", "GT", "GTE", "LT",
        "LTE", "NullSafeEQ", "NullSafeNEQ", "Is", "And", "Or", "Xor", "Like", "ILike",
        "SimilarTo", "RegexpLike", "RegexpILike", "Escape", "DPipe", "BitwiseAnd",
        "BitwiseOr", "BitwiseXor", "BitwiseLeftShift", "BitwiseRightShift", "Dot",
        "JSONExtract", "JSONExtractScalar", "JSONBExtract", "JSONBExtractScalar",
        "PropertyEQ", "Kwarg", "Collate", "Corr",
    )
    if hasattr(exp, name)
)  # fmt: skip


def _check_operator(node: exp.Binary) -> None:
    # IS takes NULL, TRUE and FALSE; sqlglot reads IS DOCUMENT and IS NORMALIZED as IS
    # a column, which PostgreSQL runs as an XML parse or a Unicode check.
    bad_is = isinstance(node, exp.Is) and not isinstance(node.expression, exp.Null | exp.Boolean)
    if bad_is or not isinstance(node, ALLOWED_OPERATORS):
        raise QueryError(
            _("The operator %(op)s is not allowed in datastore queries.")
            % {"op": node.args.get("operator") or node.key}
        )


# On PostgreSQL these compute on numeric values digit by digit, in one uninterruptible
# call (7.0^130000 took 133 ms; a thousand of them in one expression, minutes past the
# time limit): they compute on double precision, as on SQLite.
FLOAT_MATH = (exp.Pow, exp.Exp, exp.Ln, exp.Log, exp.Sqrt)


def _bound_values(tree: exp.Query) -> None:
    """On PostgreSQL, the operations that make a value grow go through the sandbox's
    bounded functions (sqlsandbox.BOUNDED_SQL): replace() is counted before it runs,
    concatenations are checked as they are made, and string_agg (BoundedPostgres)
    stops at the bound. SQLite holds every value to the bound itself."""
    for node in list(tree.find_all(exp.Replace)):
        if node.args.get("replacement") is not None:
            node.replace(exp.Anonymous(this="sk_sandbox.replace", expressions=[
                node.this, node.expression, node.args["replacement"]]))  # fmt: skip
    for node in list(tree.find_all(exp.DPipe, exp.Concat, exp.ConcatWs)):
        check = exp.Anonymous(this="sk_sandbox.bounded", expressions=[])
        # a result column keeps the name PostgreSQL gives the unchecked expression
        named = node.arg_key == "expressions" and isinstance(node.parent, exp.Select)
        node.replace(
            exp.alias_(check, _OUTPUT_NAMES[type(node)], quoted=True, copy=False)
            if named
            else check
        )
        check.set("expressions", [node])
    for node in list(tree.find_all(*FLOAT_MATH)):
        for key in ("this", "expression"):
            value = node.args.get(key)
            if isinstance(value, exp.Expression):
                node.set(key, exp.cast(value, exp.DataType.build("double")))


_OUTPUT_NAMES = {exp.DPipe: "?column?", exp.Concat: "concat", exp.ConcatWs: "concat_ws"}


def _string_agg(generator, node: exp.GroupConcat) -> str:
    text = Postgres.Generator.TRANSFORMS[exp.GroupConcat](generator, node)
    if not text.startswith("STRING_AGG("):  # the form sqlglot writes; else no query
        raise QueryError(_("This use of string_agg is not supported."))
    return "sk_sandbox.string_agg(" + text[len("STRING_AGG(") :]


class BoundedPostgres(Postgres):
    """PostgreSQL as sqlglot writes it, with string_agg as the sandbox's bounded one."""

    class Generator(Postgres.Generator):
        TRANSFORMS = {**Postgres.Generator.TRANSFORMS, exp.GroupConcat: _string_agg}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__


def _check_function(node: exp.Func) -> None:
    name = type(node).__name__
    if isinstance(node.parent, exp.Dot):
        # schema.function(...): only the functions we know, by their plain names
        raise QueryError(_("Functions cannot be named with a schema in datastore queries."))
    if isinstance(node, COLLECTING):
        raise QueryError(
            _("%(f)s is not allowed in datastore queries; collect values with string_agg.")
            % {"f": node.sql_name()}
        )
    if name == "Anonymous":
        fname = str(node.name).lower()
        if fname not in ALLOWED_ANONYMOUS:
            raise QueryError(
                _("The function %(f)s is not allowed in datastore queries.") % {"f": fname}
            )
        if fname == "printf":
            _check_printf(node)
    elif name not in ALLOWED_FUNCTIONS and not isinstance(
        node, exp.AggFunc | exp.Binary | exp.Unary
    ):
        raise QueryError(
            _("The function %(f)s is not allowed in datastore queries.") % {"f": node.sql_name()}
        )
    if isinstance(node, exp.Pad):
        # A padded length is memory the database allocates: a literal of modest size only.
        length = node.args.get("expression")
        if not (
            isinstance(length, exp.Literal)
            and not length.is_string
            and length.this.isdigit()
            and int(length.this) <= MAX_PAD
        ):
            raise QueryError(
                _("Pad to a fixed length of at most %(n)s characters.") % {"n": MAX_PAD}
            )


def _check_printf(node: exp.Anonymous) -> None:
    # SQLite builds a printf result in one call, which no time limit interrupts:
    # widths and precisions stay small and are written in the format itself.
    fmt = node.expressions[0] if node.expressions else None
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise QueryError(_("printf needs its format as a text literal."))
    for spec in PRINTF_SPEC.finditer(fmt.this):
        numbers = [int(n) for n in re.findall(r"\d+", spec.group(0))]
        if "*" in spec.group(0) or any(n > MAX_PAD for n in numbers):
            raise QueryError(_("printf widths and precisions are at most %(n)s.") % {"n": MAX_PAD})


def _check_cast(node: exp.Cast) -> None:
    to = node.args.get("to")
    if not isinstance(to, exp.DataType) or to.this not in ALLOWED_CASTS:
        raise QueryError(
            _("Values can be cast to numbers, text, dates, times and booleans only, not %(t)s.")
            % {"t": to.sql(dialect="postgres") if to is not None else "?"}
        )


def run(
    sql: str, user, home: Municipality | None, *, max_rows: int | None = None, request=None
) -> Result:
    """Check, map and run the query; QueryError for refusals, errors and the time limit.
    ``request`` names the client, who may run one query at a time."""
    max_rows = min(max_rows or settings.DATASTORE_SQL_MAX_ROWS, settings.DATASTORE_SQL_MAX_ROWS)
    final, datasets = prepare(sql, user, home)
    timeout = settings.DATASTORE_SQL_TIMEOUT_MS
    started = time.monotonic()
    try:
        columns, raw = sqlsandbox.execute(
            final, {d.table for d in datasets}, max_rows=max_rows, timeout_ms=timeout,
            client=_client(user, request),
        )  # fmt: skip
    except sqlsandbox.SandboxError as exc:
        raise _refusal(exc, timeout) from exc
    cut_by_size = bool(raw) and raw[-1] is None
    if cut_by_size:
        raw = raw[:-1]
    truncated = cut_by_size or len(raw) > max_rows
    rows = [[jsonable(v) for v in row] for row in raw[:max_rows]]
    return Result(columns, rows, truncated, time.monotonic() - started, final, datasets)


def _client(user, request) -> str:
    """Who runs the query: the account, else the address (none from the command line)."""
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"address:{throttle.client_address(request)}" if request is not None else ""


def _refusal(exc: "sqlsandbox.SandboxError", timeout_ms: int) -> QueryError:
    if exc.kind == "timeout":
        return QueryError(
            _("The query ran longer than the limit of %(s)s s and was stopped.")
            % {"s": timeout_ms / 1000},
            408,
        )
    if exc.kind == "denied":
        return QueryError(_("The query tried something other than reading datasets."))
    if exc.kind == "too_big":
        return QueryError(
            _("The query builds a value larger than %(n)s bytes (less in results of many columns).")
            % {"n": sqlsandbox.SQLITE_MAX_VALUE_BYTES}
        )
    if exc.kind == "busy":
        return QueryError(_("Other SQL queries are running; try again in a few seconds."), 503)
    if exc.kind == "not_set_up":
        logger.error("The SQL sandbox role is not usable: %s", exc.detail)
        return QueryError(
            _(
                "The SQL endpoint is not set up on this database yet; the operator runs"
                " 'stadtkern migrate' with the rights to create its role."
            ),
            503,
        )
    return QueryError(_("The database refused the query: %(e)s") % {"e": exc.detail[:300]})
