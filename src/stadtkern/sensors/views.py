"""The SensorThings API 1.1 at /sta/v1.1/: one view that reads the resource path and
answers GET, POST, PATCH, PUT and DELETE, plus the service root, JSON batch requests
and the dataArray extension's CreateObservations.

Each request is handled by ``execute``, which a batch request calls for each of its
parts, so a part behaves exactly as the same request sent alone.
"""

import contextlib
import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DataError, OperationalError, connection, transaction
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from stadtkern.core import strictjson
from stadtkern.core.problems import problem

from . import notices, representation, services, tokens
from .entities import BY_SET, TYPES
from .odata import ODataError, Path, entities_per, parse_options, parse_path
from .selectors import (
    Caller,
    expand_by_seeking,
    expansion_counts,
    filtered,
    kept_count,
    ordered,
    resolve,
    visible,
    with_expansions,
)

MAX_BODY = 64 * 2**20
MAX_BATCH = 100
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    # Requirements of create-update-delete that clients look for by name.
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete/update-entity-put",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete/update-entity-jsonpatch",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
    # Batches in OData's JSON format (the standard's own batch class is multipart).
    "https://fraunhoferiosb.github.io/FROST-Server/extensions/JsonBatchRequest.html",
]
_JSON = {"ensure_ascii": False}


@dataclass
class Answer:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    text: str | None = None  # a plain-text body ($value)


@dataclass
class Call:
    """What ``execute`` needs to know about the caller."""

    caller: Caller
    token: object
    links: representation.Links
    changed: list = field(default_factory=list)  # (event, entity type, object) written
    # Entities this response may still carry, over every $expand level and batch part:
    # what one request can make the server hold in memory.
    entities_left: int = field(default_factory=lambda: settings.STA_MAX_ENTITIES)

    def spend(self, entities: int) -> None:
        self.entities_left -= entities


@csrf_exempt
def service(request, rest: str = ""):
    try:
        token = tokens.from_request(request)
        if (
            token is None
            and request.headers.get("Authorization", "").lower().startswith(("bearer", "basic"))
            and not request.user.is_authenticated
        ):
            raise ODataError("The machine token is not valid or has been revoked.", 401)
        call = Call(
            Caller.of(request, token),
            token,
            representation.Links(request.build_absolute_uri(reverse("sta_root"))),
        )
        body = _body(request)
        # One transaction per request: a write is whole or absent, and a query the
        # database refuses (DataError) leaves the connection usable. Not for a read on
        # SQLite, whose transactions here begin IMMEDIATE, with the one write lock: every
        # read of every server process would wait for the one before.
        limit = _limit_for(request.method, rest)
        if request.method != "GET":
            scope = _written(limit)
        elif connection.vendor == "sqlite":
            scope = _read_snapshot(limit)
        else:
            scope = _read_only(limit)
        with scope:
            answer = _dispatch(call, request, rest, body)
            notices.record(call.changed)
    except ODataError as exc:
        return _problem(exc)
    except SuspiciousOperation as exc:  # e.g. more query parameters than Django reads
        return _problem(ODataError(str(exc) or "The request cannot be read."))
    except DataError as exc:  # e.g. a $filter dividing by zero or casting text to a number
        return _problem(
            ODataError(f"The request cannot be evaluated: {str(exc).splitlines()[0][:200]}")
        )
    except OperationalError as exc:
        if not _timed_out(exc):
            raise  # busy or away: the middleware answers 503
        return _problem(
            ODataError(
                f"The request ran longer than {settings.STA_QUERY_TIMEOUT_MS / 1000:g} s and was"
                " stopped; narrow $filter or lower $top.",
                408,
            )
        )
    return _response(answer)


@contextmanager
def _written(ms: int | None):
    with transaction.atomic(), _time_limit(ms):
        yield


@contextmanager
def _read_snapshot(ms: int | None):
    """A read on SQLite: one deferred transaction, so that the request's statements read
    one state of the database (and SQLite takes its read lock once), without the write
    lock an IMMEDIATE one takes. Nothing in it writes."""
    connection.ensure_connection()
    raw = connection.connection
    with _time_limit(ms):
        if raw.in_transaction:  # inside one already (a test's): it reads one state
            yield
            return
        raw.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if raw.in_transaction:
                raw.execute("COMMIT")


@contextmanager
def _read_only(ms: int | None):
    """A read on PostgreSQL: a transaction the database keeps from writing (READ ONLY),
    its time limit set in the same round trip as its start. With Django's transaction
    and ``SET LOCAL`` these were two round trips, the client's BEGIN and the SET, of the
    four or five a page of observations takes."""
    if not connection.in_atomic_block:
        # What Django's own transaction does first: a connection the server has dropped
        # (restart, idle timeout) is replaced instead of failing this request.
        connection.close_if_health_check_failed()
    if connection.in_atomic_block or not connection.get_autocommit():  # in one (a test's)
        with _written(ms):
            yield
        return
    raw = connection.connection
    limit = f"; SET LOCAL statement_timeout = {int(ms)}" if ms else ""
    try:
        with connection.wrap_database_errors:
            raw.execute(f"BEGIN READ ONLY{limit}")
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # the request's own error is the one to tell
            raw.execute("ROLLBACK")
        raise
    with connection.wrap_database_errors:
        raw.execute("COMMIT")


def _limit_for(method: str, rest: str) -> int | None:
    """The time limit of a read (a $batch may hold reads). A write runs statements by key
    whose cost the client does not choose, and so no limit and no statement to set one:
    one round trip less for every reading a sensor sends, and a Datastream with millions
    of observations can still be deleted."""
    if method in ("POST", "PATCH", "PUT", "DELETE") and rest.strip("/") != "$batch":
        return None
    return settings.STA_QUERY_TIMEOUT_MS


@contextmanager
def _time_limit(ms: int | None):
    """Stop the request's queries after ``ms``: a $filter across several navigations
    can make the database work for minutes."""
    if ms is None:
        yield
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL statement_timeout = %s", [int(ms)])
        yield
        return
    connection.ensure_connection()
    # SQLite calls the handler every few thousand steps of a statement and ends the
    # statement ("interrupted") once it answers true: a time limit without starting a
    # watchdog thread on every request.
    deadline = time.monotonic() + ms / 1000
    raw = connection.connection
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _timed_out(exc: Exception) -> bool:
    text = str(exc).lower()
    return "statement timeout" in text or "interrupted" in text


def _dispatch(call, request, rest, body) -> "Answer":
    if rest == "$batch":
        if request.method != "POST":
            raise ODataError("$batch takes POST.", 405)
        return batch(call, body)
    return execute(call, request.method, rest, request.GET, body, request.content_type)


def _problem(exc: ODataError):
    titles = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
              405: "Method not allowed", 413: "Request too large", 501: "Not implemented"}  # fmt: skip
    # problem+json, with the members SensorThings clients (FROST's among them) read.
    response = problem(
        exc.status, titles.get(exc.status, "Error"), str(exc),
        extra={"code": exc.status, "type": "error", "message": str(exc)},
    )  # fmt: skip
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="SensorThings"'
    return response


def _response(answer: Answer):
    if answer.text is not None:
        response = HttpResponse(
            answer.text, status=answer.status, content_type="text/plain; charset=utf-8"
        )
    elif answer.body is None:
        response = HttpResponse(status=answer.status)
        if answer.status == 204:
            del response["Content-Type"]  # no content, so no type of it
    else:
        response = HttpResponse(
            _json(answer.body), status=answer.status, content_type="application/json"
        )
    for key, value in answer.headers.items():
        response[key] = value
    return response


def _json(body) -> bytes:
    """The answer as JSON, written by orjson (a page of 2,000 observations in a few
    milliseconds); a value it cannot write (an integer beyond 64 bits in a result) goes
    through the standard library instead."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, **_JSON).encode()


def _body(request):
    if request.method not in ("POST", "PATCH", "PUT"):
        return None
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        raise ODataError(f"The request body is larger than {MAX_BODY // 2**20} MB.", 413)
    raw = request.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ODataError(f"The request body is larger than {MAX_BODY // 2**20} MB.", 413)
    try:
        return strictjson.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ODataError(f"The request body is not valid JSON: {str(exc)[:120]}") from None
    except RecursionError:
        raise ODataError("The request body is nested too deeply.") from None


def execute(
    call: Call, method: str, rest: str, query, body, content_type: str = "application/json"
) -> Answer:
    rest = rest.strip("/")
    if rest == "":
        if method != "GET":
            raise ODataError("The service root takes GET.", 405)
        return Answer(200, root(call.links))
    if rest == "CreateObservations":
        if method != "POST":
            raise ODataError("CreateObservations takes POST.", 405)
        ctx = services.Context.of(call.token)
        ids = services.create_observations(ctx, body)
        call.changed.extend(ctx.changed)
        etype = TYPES["Observation"]
        return Answer(201, [call.links.entity(etype, pk) for group in ids for pk in group])
    path = parse_path(rest)
    if method == "GET":
        return read(call, path, query)
    if path.prop is not None or path.ref:
        raise ODataError("Properties and references are changed through their entity.", 405)
    ctx = services.Context.of(call.token)
    etype = path.last.etype
    if method == "POST":
        if path.single:
            raise ODataError(f"POST goes to a collection, e.g. {etype.set}.", 405)
        parent = None
        if len(path.steps) > 1:
            pobj = resolve(Path(path.steps[:-1]), call.caller)
            ptype = path.steps[-2].etype
            services.check_parent(ctx, ptype, pobj)
            parent = (ptype, pobj, path.last.nav.name)
        obj = services.create_entity(ctx, etype, body, parent)
        call.changed.extend(ctx.changed)
        location = call.links.entity(etype, obj.pk)
        # An Observation answers with what was written, without reading it back: it has no
        # related entities to show and nothing the database computes. Others are read
        # again for what their creation set around them.
        fresh = (
            obj
            if etype.name == "Observation"
            else visible(etype, call.caller).filter(pk=obj.pk).first() or obj
        )
        return Answer(
            201,
            representation.entity(fresh, etype, parse_options(etype, {}), call.links),
            {"Location": location},
        )
    if not path.single:
        raise ODataError(f"{method} goes to one entity, e.g. {etype.set}(1).", 405)
    obj = resolve(path, call.caller)
    if method == "DELETE":
        services.delete_entity(ctx, etype, obj)
        return Answer(200)  # deletions are not announced on MQTT (the standard has no topic)
    if method in ("PATCH", "PUT"):
        if content_type == "application/json-patch+json":
            if method != "PATCH":
                raise ODataError("A JSON Patch is sent with PATCH.", 405)
            services.update_entity(ctx, etype, obj, {}, patch=body)
        else:
            services.update_entity(ctx, etype, obj, body, replace=method == "PUT")
        call.changed.extend(ctx.changed)
        obj.refresh_from_db()
        return Answer(200, representation.entity(obj, etype, parse_options(etype, {}), call.links))
    raise ODataError(f"{method} is not supported; use GET, POST, PATCH, PUT or DELETE.", 405)


def root(links: representation.Links) -> dict:
    return {
        "value": [{"name": s, "url": f"{links.root}{s}"} for s in BY_SET],
        "serverSettings": {"conformance": CONFORMANCE},
    }


def read(call: Call, path: Path, query) -> Answer:
    etype = path.last.etype
    options = parse_options(etype, query)
    target = resolve(path, call.caller)
    if path.prop is not None:
        value = representation.entity(
            target, etype, parse_options(etype, {"$select": path.prop.name}), call.links
        )[path.prop.name]
        if path.value:
            if value is None:
                return Answer(204)
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return Answer(200, text=text)
        return Answer(200, {path.prop.name: value})
    per_entity = 1 if path.ref else entities_per(options)
    if path.single:
        if path.ref:
            return Answer(200, {"@iot.selfLink": call.links.entity(etype, target.pk)})
        _check_budget(call, per_entity, etype)
        call.spend(per_entity)
        obj = with_expansions(
            visible(etype, call.caller).filter(pk=target.pk), etype, options, call.caller
        ).first()
        expand_by_seeking([obj], etype, options, call.caller)
        expansion_counts([obj], etype, options, call.caller)
        return Answer(200, representation.entity(obj, etype, options, call.links))
    if options.result_format and etype.name != "Observation":
        raise ODataError("$resultFormat=dataArray is for Observations.")
    series = len(path.steps) > 1 and path.steps[-2].etype.name == "Datastream"
    qs = ordered(filtered(target, etype, options, call.caller), etype, options, series)
    out = {}
    if options.count:
        kept = kept_count(path, options, call.caller)
        out["@iot.count"] = qs.count() if kept is None else kept
    # Server-driven paging (OGC 18-088, 9.3.3.4): a page holds no more entities, with
    # their expansions, than the response may still carry; the nextLink goes on.
    _check_budget(call, per_entity, etype)
    options.top = min(options.top, call.entities_left // per_entity)
    call.spend(options.top * per_entity)
    # Observations without expansions come straight from the rows, without an object each.
    plain = etype.name == "Observation" and not (
        path.ref or options.expand or options.result_format
    )
    if plain:
        qs = qs.values_list(*representation.OBSERVATION_COLUMNS)
    elif not path.ref:
        qs = with_expansions(qs, etype, options, call.caller)
    window = qs[options.skip : options.skip + options.top + 1]
    page = representation.plain_rows(window) if plain else list(window)
    more = len(page) > options.top > 0  # $top=0 asks for no entity: nothing follows
    page = page[: options.top]
    if plain:
        out["value"] = representation.observations(page, options, call.links)
    elif path.ref:
        out["value"] = [{"@iot.selfLink": call.links.entity(etype, o.pk)} for o in page]
    elif options.result_format:
        out["value"] = representation.data_array(page, options, call.links)
    else:
        expand_by_seeking(page, etype, options, call.caller)
        expansion_counts(page, etype, options, call.caller)
        out["value"] = [representation.entity(o, etype, options, call.links) for o in page]
    if more:
        params = {k: v for k, v in query.items() if k not in ("$skip", "$top")}
        params.update({"$top": options.top, "$skip": options.skip + options.top})
        rest = "/".join(_segment(s) for s in path.steps) + ("/$ref" if path.ref else "")
        out["@iot.nextLink"] = f"{call.links.root}{rest}?{urlencode(params)}"
    return Answer(200, out)


def _check_budget(call: Call, per_entity: int, etype) -> None:
    if per_entity > call.entities_left:
        raise ODataError(
            f"One {etype.name} with these expansions can bring up to {per_entity:,} entities;"
            f" a response carries at most {settings.STA_MAX_ENTITIES:,}"
            + (
                " (fewer are left in this batch)"
                if call.entities_left < settings.STA_MAX_ENTITIES
                else ""
            )
            + ". Lower $top inside $expand.",
            413,
        )


def _segment(step) -> str:
    name = step.nav.name if step.nav is not None else step.etype.set
    return f"{name}({step.id})" if step.id is not None else name


def batch(call: Call, body) -> Answer:
    """JSON batch requests (OData 4.01 JSON format, OGC 18-088 11.2). Requests sharing an
    ``atomicityGroup`` form a changeset: all of it is written or none; ``$<id>`` in a
    URL stands for the entity an earlier request of the batch created."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise ODataError('A batch is {"requests": [{"id", "method", "url", "body"}, ...]}.')
    requests = body["requests"]
    if len(requests) > MAX_BATCH:
        raise ODataError(f"A batch holds at most {MAX_BATCH} requests.", 413)
    created: dict[str, str] = {}
    responses = []
    i = 0
    while i < len(requests):
        group = requests[i].get("atomicityGroup") if isinstance(requests[i], dict) else None
        j = i + 1
        while (
            group is not None
            and j < len(requests)
            and isinstance(requests[j], dict)
            and requests[j].get("atomicityGroup") == group
        ):
            j += 1
        part = requests[i:j]
        if group is None:
            responses.append(_batch_one(call, part[0], created))
        else:
            responses.extend(_changeset(call, part, created))
        i = j
    return Answer(200, {"responses": responses})


class _Rollback(Exception):
    pass


def _changeset(call: Call, part, created) -> list[dict]:
    answers = []
    written = len(call.changed)
    try:
        with transaction.atomic():
            for req in part:
                answer = _batch_one(call, req, created)
                answers.append(answer)
                if answer["status"] >= 400:
                    raise _Rollback
    except _Rollback:
        del call.changed[written:]  # rolled back: nothing to announce
        failed = answers[-1]
        return [dict(failed, id=_req_id(req)) for req in part]
    return answers


def _req_id(req) -> str | None:
    return str(req.get("id")) if isinstance(req, dict) and req.get("id") is not None else None


def _batch_one(call: Call, req, created) -> dict:
    rid = _req_id(req)
    try:
        if not isinstance(req, dict):
            raise ODataError("Each batch request is a JSON object.")
        method = str(req.get("method", "")).upper()
        url = req.get("url")
        if not isinstance(url, str) or not url:
            raise ODataError("A batch request needs a url.")
        reference = re.match(r"^\$([\w-]+)(.*)$", url)
        if reference and reference.group(1) not in ("batch",):
            if reference.group(1) not in created:
                raise ODataError(
                    f"${reference.group(1)[:20]} names no entity created earlier in the batch."
                )
            url = created[reference.group(1)] + reference.group(2)
        parts = urlsplit(url)
        rest, root_path = parts.path, urlsplit(call.links.root).path
        if rest.startswith(root_path):
            rest = rest[len(root_path) :]
        elif parts.scheme or rest.startswith("/"):
            raise ODataError(f"The url {url[:80]} lies outside the service.")
        headers = req.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ODataError(
                'A batch request\'s headers are an object of texts, e.g. {"content-type": "..."}.'
            )
        headers = {str(k).lower(): v for k, v in headers.items()}
        with transaction.atomic():  # a request that fails leaves no half of it behind
            answer = execute(
                call, method, rest, QueryDict(parts.query), req.get("body"),
                headers.get("content-type", "application/json").split(";")[0],
            )  # fmt: skip
    except ODataError as exc:
        return {
            "id": rid,
            "status": exc.status,
            "body": {"title": "Error", "status": exc.status, "detail": str(exc)},
        }
    out = {"id": rid, "status": answer.status}
    if answer.headers.get("Location"):
        out["headers"] = {"location": answer.headers["Location"]}
        if rid is not None:
            created[rid] = answer.headers["Location"]
    if answer.body is not None:
        out["body"] = answer.body
    elif answer.text is not None:
        out["body"] = answer.text
    return out
