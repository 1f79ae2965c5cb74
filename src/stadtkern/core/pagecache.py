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
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date

log = logging.getLogger("stadtkern.pagecache")
# Statements that change nothing. Every other statement counts as a write (INSERT OR
# IGNORE, REPLACE, TRUNCATE, MERGE, CREATE TABLE of an import's dataset...), unless
# it names only quiet tables or carries the readings' mark.
READS = re.compile(
    r"^(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|END|SET|SHOW|PRAGMA|EXPLAIN|VALUES"
    r"|DECLARE|FETCH|MOVE|CLOSE|LOCK|ANALYZE|VACUUM|LISTEN|NOTIFY)\b",
    re.IGNORECASE,
)
WRITES_IN_WITH = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
TARGET = re.compile(
    r"^(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM"
    r"|COPY|TRUNCATE(?:\s+TABLE)?)\s+\"?([\w.]+)\"?",
    re.IGNORECASE,
)
# The sensors' write path marks its statements with this: a reading moves no page's
# version (what shows readings is at most PAGE_CACHE_SECONDS old), a change of a
# Datastream's or a Thing's description does.
READINGS = "/* readings */"
# Tables whose changes no cached answer shows.
QUIET_TABLES = frozenset({
    "core_pageversion", "django_session", "core_attempt", "core_job", "core_apitoken",
    "django_tasks_db_dbtaskresult", "sensors_machinetoken", "sensors_observation",
    "sensors_notice", "sensors_deadletter",
})  # fmt: skip
CACHED_TYPES = ("text/html", "application/json", "application/geo+json")
# Personal, static, SensorThings (live), and the API's description (made once, from code).
NOT_CACHED = ("/admin/", "/account/", "/login", "/logout", "/static/", "/media/", "/sta/",
              "/api/v1/openapi.json", "/api/v1/docs")  # fmt: skip
NOT_CACHED += tuple(f"/en{path}" for path in NOT_CACHED)  # and their English pages
LARGEST = 2**20  # bytes of one answer kept


# --- noticing writes ------------------------------------------------------------------


def note_writes(execute, sql, params, many, context):
    """The execute wrapper: a statement that writes a table pages show moves the data
    version on once its transaction has committed."""
    result = execute(sql, params, many, context)
    if _shown(sql):
        _after_commit(context["connection"])
    return result


def _shown(sql: str) -> bool:
    """Whether the statement may change what a page shows."""
    text = sql.lstrip()
    if text.startswith(READINGS):
        return False
    while text.startswith("/*"):  # other leading comments say nothing
        text = text[text.find("*/") + 2 :].lstrip() if "*/" in text else ""
    if READS.match(text):
        return False
    if text[:4].upper() == "WITH":
        return bool(WRITES_IN_WITH.search(text))
    match = TARGET.match(text)
    if match:
        return match.group(1).lower().split(".")[-1] not in QUIET_TABLES
    return bool(text)


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
        # Forward always, also when this host's clock is behind the last writer's.
        cur.execute(
            "UPDATE core_pageversion SET changed_us = CASE WHEN changed_us < %s THEN %s"
            " ELSE changed_us + 1 END WHERE id = 1",
            [now, now],
        )
        if cur.rowcount == 0:
            cur.execute(
                "INSERT INTO core_pageversion (id, changed_us) VALUES (1, %s)"
                " ON CONFLICT (id) DO NOTHING",
                [now],
            )
    forget_version()  # this process reads it afresh at once


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


# --- the pages kept -------------------------------------------------------------------


class Kept:
    """The answers kept in this process: the least recently used go first once they
    hold more than PAGE_CACHE_BYTES together; each for PAGE_CACHE_SECONDS at most."""

    def __init__(self):
        self._entries: OrderedDict = OrderedDict()  # key -> (expires, size, answer)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, key: str, answer: tuple, size: int) -> None:
        size += len(key)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, size, answer)
            self._bytes += size
            while self._bytes > settings.PAGE_CACHE_BYTES and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        self._bytes -= self._entries.pop(key)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        return self._bytes


KEPT = Kept()


# --- the middleware -------------------------------------------------------------------


class AnonymousPageCache:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_use(request):
            return self.get_response(request)
        version = data_version()
        # Everything an answer may be made of besides the data: the address the visitor
        # used (absolute links), the language, the path with its query.
        key = "\0".join((
            str(version), request.scheme, request.get_host(), request.LANGUAGE_CODE,
            request.get_full_path(),
        ))  # fmt: skip
        kept = KEPT.get(key)
        if kept is not None:
            status, content, headers, tile_origin = kept
            response = _revived(status, content, headers)
            if tile_origin:  # the map's base layer, for the Content-Security-Policy
                request.map_tile_origin = tile_origin
        else:
            response = self.get_response(request)
            if not self._may_keep(request, response):
                return response
            set_response_etag(response)
            if version:
                response["Last-Modified"] = http_date(version // 1_000_000)
            response["Cache-Control"] = "no-cache"  # a browser asks again, with the ETag
            patch_vary_headers(response, ["Cookie"])  # what a member sees differs
            KEPT.put(
                key,
                (response.status_code, response.content, list(response.items()),
                 getattr(request, "map_tile_origin", "")),
                len(response.content),
            )  # fmt: skip
        # Only the ETag decides a 304: time alone (a phase that opens, a new reading)
        # changes a page without changing the data version its Last-Modified names.
        return get_conditional_response(request, etag=response.get("ETag"), response=response) or (
            response
        )

    @staticmethod
    def _may_use(request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES  # a message waits for this visitor
            and "Authorization" not in request.headers
            and "HX-Request" not in request.headers  # a part of a page, for a script
            and not request.path.startswith(NOT_CACHED)
        )

    @staticmethod
    def _may_keep(request, response) -> bool:
        varies = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies  # a session, a language, a CSRF cookie: someone's own
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form with a token
            # Accept-Language is in the key, and a request from a page's script
            # (HX-Request) never uses the cache; an answer that varies on anything else
            # (Cookie among them) is not the same for every visitor.
            and varies <= {"accept-language", "hx-request"}
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
