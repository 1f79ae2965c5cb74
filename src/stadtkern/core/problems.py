"""RFC 9457 problem details for every error of the JSON API."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

PROBLEM_TYPE = "about:blank"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[dict] | None = None,
    extra: dict | None = None,
) -> JsonResponse:
    """Return an ``application/problem+json`` response; ``errors`` name field and reason,
    ``extra`` adds members of the problem type (RFC 9457, section 3.2)."""
    body: dict = {"type": PROBLEM_TYPE, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def field_errors(message_dict: dict[str, list[str]]) -> list[dict]:
    """Turn Django's ``ValidationError.message_dict`` into a list of {field, message}."""
    out = []
    for field, messages in message_dict.items():
        for message in messages:
            out.append({"field": None if field == "__all__" else field, "message": str(message)})
    return out


# PostgreSQL's codes for "try again": lock wait over lock_timeout, serialization failure,
# deadlock, too many connections, server starting or shutting down.
BUSY_SQLSTATES = {"55P03", "40001", "40P01", "53300", "57P03"}
RETRY_AFTER_SECONDS = 5


def database_busy(exc: BaseException) -> bool:
    """Return True for a database error that says "busy, try again" rather than a fault."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    text = str(exc).lower()
    # Refused at connecting, where the error carries no SQLSTATE: every connection taken.
    return any(
        phrase in text
        for phrase in (
            "database is locked", "database table is locked", "too many clients",
            "remaining connection slots are reserved",
        )
    )  # fmt: skip


def busy_problem() -> JsonResponse:
    """Return 503 with Retry-After: the database was busy longer than the request waits."""
    response = problem(
        503,
        _("Busy"),
        _("The database is busy; nothing was saved. Please try again in a few seconds."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
