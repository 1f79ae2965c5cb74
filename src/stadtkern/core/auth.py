"""Authentication of API requests: personal bearer tokens, browser sessions, anonymous reads."""

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer, django_auth

from .services import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sk_...``; a wrong or revoked token is refused, never ignored."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is None:
            raise AuthenticationError(401, "The API token is unknown or revoked.")
        request.user = user
        return user


class SessionOrAnonymous(APIKeyCookie):
    """Reads need no login: a browser session is used when present, else the visitor is anonymous."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=False)

    def __call__(self, request):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else AnonymousUser()

    def authenticate(self, request, key):  # pragma: no cover - __call__ answers directly
        return None


READ = [TokenAuth(), SessionOrAnonymous()]
# Session writes go through Django's CSRF check (django_auth has csrf=True).
WRITE = [TokenAuth(), django_auth]
