"""Pages and API answers for visitors without a session, answered from memory until the
data behind them changes.

What visitors read (the strategy house, the analysis, the catalogue, a dataset, the
participation pages, the measures API) is the same for all of them and changes far
less often than it is read. Each server process keeps what it rendered for a visitor
under the instance's *data version*; a write to the database moves that version on, so
that the next visitor gets a fresh page.

The version moves on with every committed INSERT, UPDATE, DELETE or COPY on a table that
pages show, however it was made (the ORM, a bulk update, raw SQL, an import in the
worker): an execute wrapper on every database connection notices them, so no service
has to remember to. Tables that change without changing a page (sessions, login
attempts, the job queue and its progress, tokens' last use) and the sensors' stream of
observations (every reading would empty the cache) do not count; what shows sensor
values is at most PAGE_CACHE_SECONDS old.

Every answer carries ``ETag`` and ``Last-Modified`` (the data version's time), so that
a browser asks again with ``If-None-Match`` and gets a 304 without the page.
"""

import logging
import re
import time

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import http_date

log = logging.getLogger("stadtkern.pagecache")
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?([\w.]+)"?', re.IGNORECASE)
# Tables whose changes no cached answer shows.
QUIET_TABLES = frozenset({
    "core_pageversion", "django_session", "core_attempt", "core_job", "core_user",
    "core_apitoken", "django_tasks_db_dbtaskresult", "sensors_machinetoken",
    "sensors_observation", "sensors_datastream", "sensors_notice", "sensors_deadletter",
})  # fmt: skip
CACHED_TYPES = ("text/html", "application/json", "application/geo+json")
# Personal, static, SensorThings (live), and the API's description (made once, from code).
NOT_CACHED = ("/admin/", "/account/", "/login", "/logout", "/static/", "/media/", "/sta/",
              "/api/v1/openapi.json", "/api/v1/docs")  # fmt: skip
LARGEST = 2 * 2**20  # bytes of an answer kept in memory


# --- noticing writes ------------------------------------------------------------------


def note_writes(execute, sql, params, many, context):
    """The execute wrapper: a statement that writes a table pages show moves the data
    version on once its transaction has committed."""
    result = execute(sql, params, many, context)
    if _shown(sql):
        _after_commit(context["connection"])
    return result


def _shown(sql: str) -> bool:
    match = WRITE.match(sql)
    if match:
        return match.group(1).lower().split(".")[-1] not in QUIET_TABLES
    # A statement with a common table expression may write (WITH ... INSERT): counted
    # unless it only touches the sensors' observations.
    head = sql.lstrip()[:4].upper()
    return head == "WITH" and "sensors_observation" not in sql


_BUMPERS: dict = {}  # alias -> the callback waiting for its connection's commit


def _after_commit(conn) -> None:
    if not conn.in_atomic_block:
        bump(conn)
        return
    bumper = _BUMPERS.setdefault(conn.alias, lambda alias=conn.alias: bump(connections[alias]))
    # Once per transaction; a rollback drops the callback with the transaction's writes.
    if not any(entry[1] is bumper for entry in conn.run_on_commit):
        transaction.on_commit(bumper, using=conn.alias)


def bump(conn=None) -> None:
    """Move the data version on: the time of the change, in microseconds. It runs after
    the change has committed, which it never undoes: a failure is logged."""
    conn = conn or connection
    try:
        _bump(conn)
    except DatabaseError as exc:
        if "pageversion" not in str(exc).lower():  # not only a database still migrating
            log.exception("the data version could not be moved on")


def _bump(conn) -> None:
    now = time.time_ns() // 1000
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE core_pageversion SET changed_us = %s WHERE id = 1 AND changed_us < %s",
            [now, now],
        )
        if cur.rowcount == 0:
            cur.execute("SELECT 1 FROM core_pageversion WHERE id = 1")
            if cur.fetchone() is None:
                cur.execute("INSERT INTO core_pageversion (id, changed_us) VALUES (1, %s)", [now])


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created: watch every new database connection's writes."""
    if not any(w is note_writes for w in connection.execute_wrappers):
        connection.execute_wrappers.append(note_writes)


# --- the version, as the server processes read it -------------------------------------

_read = {"at": -1.0, "version": 0}


def data_version() -> int:
    """The time of the last change in microseconds (0: none yet), read from the database
    at most every PAGE_VERSION_SECONDS (shared by the server processes)."""
    now = time.monotonic()
    if now - _read["at"] >= settings.PAGE_VERSION_SECONDS:
        with connection.cursor() as cur:
            cur.execute("SELECT changed_us FROM core_pageversion WHERE id = 1")
            row = cur.fetchone()
        _read.update(at=now, version=row[0] if row else 0)
    return _read["version"]


def forget_version() -> None:
    """Read the version afresh on the next request."""
    _read["at"] = -1.0


# --- the middleware -------------------------------------------------------------------


class AnonymousPageCache:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_use(request):
            return self.get_response(request)
        version = data_version()
        modified = version // 1_000_000 if version else None  # HTTP dates are in seconds
        key = f"{version}:{request.LANGUAGE_CODE}:{request.get_full_path()}"
        cache = caches["pages"]
        kept = cache.get(key)
        if kept is not None:
            response = _revived(*kept)
        else:
            response = self.get_response(request)
            if not self._may_keep(request, response):
                return response
            set_response_etag(response)
            if modified is not None:
                response["Last-Modified"] = http_date(modified)
            response["Cache-Control"] = "no-cache"  # a browser asks again, with the ETag
            cache.set(
                key,
                (response.status_code, response.content, list(response.items())),
                settings.PAGE_CACHE_SECONDS,
            )
        return (
            get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=modified,
                response=response,
            )
            or response
        )

    @staticmethod
    def _may_use(request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES  # a message waits for this visitor
            and "Authorization" not in request.headers
            and not request.path.startswith(NOT_CACHED)
            and not request.path.startswith(tuple(f"/en{p}" for p in NOT_CACHED))
        )

    @staticmethod
    def _may_keep(request, response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies  # a session, a language, a CSRF cookie: someone's own
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form with a token
            and "cookie" not in response.get("Vary", "").lower()
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
            and response.get("Content-Type", "").startswith(CACHED_TYPES)
            and len(response.content) <= LARGEST
        )


def _revived(status: int, content: bytes, headers: list) -> HttpResponse:
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response
