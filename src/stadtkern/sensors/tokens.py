"""Machine tokens: how sensors and gateways prove which municipality they write for.

A token reads ``skm_<prefix>_<secret>``; only the SHA-256 of the whole is stored, the
prefix finds the row. Over MQTT a sensor logs in with the prefix as user name and the
token as password; the broker checks it against ``mqtt_hash``. HTTP clients send it as ``Authorization: Bearer <token>`` or, for
clients that know only Basic authentication (FROST's client), as the password with any
user name. Revoked tokens stop working at once.
"""

import base64
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from stadtkern.core.models import Municipality
from stadtkern.core.services import secret_digest

from .models import Datastream, MachineToken

PREFIX = "skm_"


@transaction.atomic
def token_create(
    *, municipality: Municipality, name: str, datastreams: list[Datastream] = (), user=None
) -> tuple[MachineToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    for ds in datastreams:
        if ds.municipality_id != municipality.pk:
            raise ValueError(f"Datastream {ds.pk} belongs to another municipality.")
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = MachineToken.objects.create(
        municipality=municipality,
        name=(name or "").strip()[:100] or "Sensor",
        prefix=prefix,
        digest=secret_digest(secret),
        mqtt_hash=mosquitto_hash(secret),
        limited=bool(datastreams),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    token.datastreams.set(datastreams)
    return token, secret


def mosquitto_hash(secret: str, iterations: int = 101) -> str:
    """A password entry as ``mosquitto_passwd`` writes it: $7$, PBKDF2-HMAC-SHA512."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def token_revoke(*, token: MachineToken) -> MachineToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> MachineToken | None:
    # The random part may itself hold "_": only the first two separators count.
    if not secret.startswith(PREFIX):
        return None
    prefix, sep, rest = secret[len(PREFIX) :].partition("_")
    if not sep or not prefix or not rest:
        return None
    # Written out: every reading a sensor sends is looked up here, and building this
    # query with the ORM cost more than the database took to answer it.
    candidates = MachineToken.objects.raw(
        "SELECT * FROM sensors_machinetoken WHERE prefix = %s AND revoked_at IS NULL", [prefix]
    )
    digest = secret_digest(secret)
    token = next((t for t in candidates if secrets.compare_digest(t.digest, digest)), None)
    if token is None:
        return None
    now = timezone.now()
    # The last use is written at most once a minute, not on every reading a sensor sends.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        MachineToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def from_request(request) -> MachineToken | None:
    """The machine token an HTTP request carries, if any (Bearer or Basic password)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return token_authenticate(value.strip())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return token_authenticate(decoded.partition(":")[2])
    return None
