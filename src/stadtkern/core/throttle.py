"""Attempt limits kept in the database, so that every process of the instance counts
the same attempts: logins (every path, /admin/ included), voting codes, anonymous
survey answers.

An attempt is counted *before* it is checked, in one statement, so attempts racing
each other are each counted, and one more than the limit is always refused.
"""

import hashlib
import hmac
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.utils import timezone

from .models import Attempt


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or "-"


def normalise_username(username) -> str:
    """The name as the user model stores it (NFKC, no surrounding spaces).

    Full-width ``ｅｒｉｋ`` and `` erik`` log in as ``erik``; they count as ``erik`` too.
    """
    return unicodedata.normalize("NFKC", str(username or "")).strip()


def _key(scope: str, *parts: str) -> str:
    # Keyed with SECRET_KEY: an address (only 2^32 for IPv4) cannot be found again from a
    # copy of the table by trying them all.
    message = "\x1f".join((scope, *parts)).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def attempt(scope: str, *parts: str, window: int) -> int:
    """Count one attempt under (scope, parts) and return the count in the current window."""
    now = timezone.now()
    table = connection.ops.quote_name(Attempt._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET "
            f"count = CASE WHEN {table}.expires_at <= %s THEN 1 ELSE {table}.count + 1 END, "
            f"expires_at = CASE WHEN {table}.expires_at <= %s THEN excluded.expires_at "
            f"ELSE {table}.expires_at END RETURNING count",
            [_key(scope, *parts), now + timedelta(seconds=window), now, now],
        )
        return cur.fetchone()[0]


def over_limit(scope: str, *parts: str, limit: int, window: int) -> bool:
    """Count an attempt; True when it is one more than ``limit`` allows in ``window``."""
    return attempt(scope, *parts, window=window) > limit


class Throttled(Exception):
    """Too many attempts from this client; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def refund(scope: str, *parts: str) -> None:
    """Take back an attempt that turned out to be legitimate (a valid voting code)."""
    Attempt.objects.filter(key=_key(scope, *parts), count__gt=0).update(count=F("count") - 1)


def clear(scope: str, *parts: str) -> None:
    Attempt.objects.filter(key=_key(scope, *parts)).delete()


def purge_expired() -> int:
    return Attempt.objects.filter(expires_at__lte=timezone.now()).delete()[0]


class ThrottledModelBackend(ModelBackend):
    """Django's password check, after counting the attempt by name and address: every
    login path (our page, /admin/, any API) stops past the limit."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None:
            return None
        address = client_address(request)
        # Per name and address, and per address over all names (password spraying).
        if over_limit(
            "login",
            normalise_username(username),
            address,
            limit=settings.LOGIN_FAILURE_LIMIT,
            window=settings.LOGIN_FAILURE_WINDOW,
        ) or over_limit(
            "login-address",
            address,
            limit=settings.LOGIN_ADDRESS_LIMIT,
            window=settings.LOGIN_FAILURE_WINDOW,
        ):
            if request is not None:
                request.login_throttled = True
            raise PermissionDenied("too many attempts")
        return super().authenticate(request, username=username, password=password, **kwargs)


def on_login(sender, request, user, **kwargs):
    """A successful login clears the name's count from that address and gives back its
    attempt to the address's count (an office behind one address logs in all morning);
    expired counts go."""
    clear("login", normalise_username(user.get_username()), client_address(request))
    refund("login-address", client_address(request))
    purge_expired()
