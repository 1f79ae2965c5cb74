"""The JSON API at /api/v1/: routers of every app, and problem+json for every error."""

import json
import logging

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.openapi.docs import Swagger

from stadtkern.core.api import router as core_router
from stadtkern.core.problems import busy_problem, database_busy, field_errors, problem
from stadtkern.core.throttle import Throttled
from stadtkern.data.api import router as data_router
from stadtkern.data.rowfilters import FilterError
from stadtkern.indicators.api import router as indicators_router
from stadtkern.participation.api import router as participation_router
from stadtkern.participation.assembly_api import router as assembly_router
from stadtkern.participation.survey_api import router as survey_router
from stadtkern.sensors.api import router as sensors_router
from stadtkern.steering.api import router as steering_router
from stadtkern.strategy.api import router as strategy_router

log = logging.getLogger(__name__)


class LocalSwagger(Swagger):
    """The interactive documentation with the Swagger UI files this instance serves itself.
    (ninja would fetch them from a CDN unless it is an installed app, which it is not:
    see settings.NINJA_DIR.)"""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        auth = api.auth if isinstance(api.auth, list | tuple) else []  # as ninja decides it
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api,
                   "add_csrf": any(getattr(a, "csrf", False) for a in auth)}  # fmt: skip
        return render(request, self.template, context)


api = NinjaAPI(
    docs=LocalSwagger(),
    title="Stadtkern API",
    version="1.0.0",
    description=(
        "Read and write a municipality's smart-city strategy. Reads are public for published "
        "content; members also see drafts. Writes need a browser session (with CSRF token) or a "
        "personal API token: `Authorization: Bearer sk_...`. Errors are RFC 9457 "
        "problem details (`application/problem+json`) with an `errors` list naming each field."
    ),
    urls_namespace="api",
)
api.add_router("", core_router)
api.add_router("", strategy_router)
api.add_router("", data_router)
api.add_router("", sensors_router)
api.add_router("", indicators_router)
api.add_router("", steering_router)
api.add_router("", participation_router)
api.add_router("", survey_router)
api.add_router("", assembly_router)

_SKIP_LOC = {"body", "query", "path", "payload", "filters", "data"}


def _loc(loc) -> str:
    parts = [str(p) for p in loc if str(p) not in _SKIP_LOC]
    return ".".join(parts) or "body"


@api.exception_handler(SchemaError)
def on_schema_error(request, exc: SchemaError):
    errors = [
        {"field": _loc(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors
    ]
    if any(e.get("type") == "json_invalid" for e in exc.errors):
        return problem(400, "Malformed JSON", "The request body is not valid JSON.", errors)
    return problem(422, "Invalid input", "Some fields are not valid.", errors)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = (
        field_errors(exc.message_dict)
        if hasattr(exc, "error_dict")
        else [{"field": None, "message": m} for m in exc.messages]
    )
    # A move that someone else's move overtook, a change to approved minutes: the request
    # was right, the state has moved on.
    codes = {e.code for errors_ in getattr(exc, "error_dict", {}).values() for e in errors_}
    if codes & {"conflict", "fixed"}:
        return problem(
            409, "Conflict", "Someone else changed this meanwhile, or it is fixed.", errors
        )
    return problem(422, "Invalid input", "Some fields are not valid.", errors)


@api.exception_handler(FilterError)
def on_bad_parameter(request, exc: FilterError):
    return problem(400, "Bad parameter", str(exc), [{"field": exc.field, "message": str(exc)}])


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc: AuthenticationError):
    detail = (
        str(exc.message)
        if getattr(exc, "message", None) not in (None, "Unauthorized")
        else ("Log in or send a personal API token: Authorization: Bearer sk_...")
    )
    return problem(401, "Authentication required", detail)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return problem(403, "Forbidden", str(exc) or "You may not do this in this municipality.")


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return problem(404, "Not found", str(exc) or None)


@api.exception_handler(ObjectDoesNotExist)
def on_missing(request, exc: ObjectDoesNotExist):
    return problem(404, "Not found", str(exc) or None)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    titles = {
        400: "Bad request",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
    }
    return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc: SuspiciousOperation):
    # e.g. more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS
    return problem(400, "Bad request", str(exc) or "The request cannot be read.")


@api.exception_handler(MultiPartParserError)
def on_unreadable_upload(request, exc: MultiPartParserError):
    # e.g. a file name longer than the headers of a part may be
    return problem(400, "Bad request", f"The uploaded form cannot be read: {exc}")


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    response = problem(429, "Too many requests", str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    if database_busy(exc):
        return busy_problem()
    log.exception("Unexpected error in %s %s", request.method, request.path)
    return problem(500, "Internal error", "The error was logged; nothing was saved.")
