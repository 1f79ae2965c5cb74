"""RFC 9457 problem details for every error of the JSON API."""

from django.http import JsonResponse

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
