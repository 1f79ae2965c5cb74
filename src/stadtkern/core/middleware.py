"""Security headers for every response; the language of API answers; busy database."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import translation

from .maps import tile_origin, xyz_template
from .problems import RETRY_AFTER_SECONDS, busy_problem, database_busy

# No inline script or style anywhere: every asset is a file of this instance.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (the API docs page) sets styles inline; it gets its own, looser policy.
CSP_API_DOCS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _with_tiles(policy: str, origins: set[str]) -> str:
    """Let maps load the base map chosen for the page, and nothing else from outside."""
    if not origins:
        return policy
    return policy.replace(
        "img-src 'self' data:", f"img-src 'self' data: {' '.join(sorted(origins))}"
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = CSP_API_DOCS if request.path.startswith("/api/v1/docs") else CSP
        # The operator's base map (any page may show it) and the municipality's own, noted
        # by core.maps.map_context while the page was made.
        origins = (
            {tile_origin(xyz_template(settings.MAP_TILE_URL))} if settings.MAP_TILE_URL else set()
        )
        if getattr(request, "map_tile_origin", ""):
            origins.add(request.map_tile_origin)
        response.headers.setdefault("Content-Security-Policy", _with_tiles(policy, origins))
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if not settings.DEBUG:
            response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class ApiLanguageMiddleware:
    """Answer the APIs in the language the client asks for (Accept-Language), German by default.

    Pages take their language from the URL (``/en/...``); Django's LocaleMiddleware
    then ignores Accept-Language for paths without a prefix, which are all API paths.
    """

    PREFIXES = ("/api/", "/sta/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.PREFIXES):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)


class RememberLanguageMiddleware:
    """Keep the language a signed-in person reads the pages in, so that mails sent to them
    later (reminders) speak it. Written only when it changes, not on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        language = getattr(request, "LANGUAGE_CODE", "")
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")  # not a download
            and not request.path.startswith(ApiLanguageMiddleware.PREFIXES)
            and getattr(user, "is_authenticated", False)
            and getattr(user, "language", language) != language
        ):
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return response


class BusyDatabaseMiddleware:
    """Answer 503 with Retry-After, never 500, when the database stayed busy too long.

    A request waits for a lock up to SQLITE_BUSY_TIMEOUT or DATABASE_LOCK_TIMEOUT; past
    that the client is told to come back, and its transaction was rolled back whole.
    The JSON API answers the same through its own exception handler.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return busy_response(request) if database_busy(exception) else None


def busy_response(request):
    """503 with Retry-After: problem+json on the APIs, the page otherwise."""
    if request.path.startswith(ApiLanguageMiddleware.PREFIXES):
        return busy_problem()
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
