"""Every write of the core app: municipalities, memberships, users, tokens, audit."""

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, AuditEntry, Membership, Municipality, Role, User

TOKEN_PREFIX = "sk_"  # noqa: S105 (a prefix, not a secret)


def audit_record(
    *, municipality: Municipality, obj, action: str, user, before: dict | None, after: dict | None
) -> AuditEntry:
    """Record one change to a strategy object."""
    return AuditEntry.objects.create(
        municipality=municipality,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_label=str(obj)[:300],
        action=action,
        user=user if getattr(user, "is_authenticated", False) else None,
        before=before,
        after=after,
    )


@transaction.atomic
def municipality_create(
    *,
    name: str,
    slug: str,
    kind: str,
    state: str,
    ags: str | None = None,
    population: int | None = None,
    with_defaults: bool = True,
) -> Municipality:
    """Create a municipality; with_defaults offers the default fields of action and user groups."""
    municipality = Municipality(
        name=name, slug=slug, ags=ags or None, kind=kind, state=state, population=population
    )
    municipality.full_clean()
    municipality.save()
    if with_defaults:
        from stadtkern.strategy.services import defaults_offer

        defaults_offer(municipality=municipality)
    return municipality


@transaction.atomic
def municipality_update(*, municipality: Municipality, **changes) -> Municipality:
    """Change the given fields of a municipality after validating the whole of it."""
    for name, value in changes.items():
        setattr(municipality, name, value)
    if "ags" in changes and not municipality.ags:
        municipality.ags = None
    municipality.full_clean()
    municipality.save()
    return municipality


@transaction.atomic
def membership_set(*, user: User, municipality: Municipality, role: str) -> Membership:
    """Give a user a role in a municipality, replacing any earlier role."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    membership, _created = Membership.objects.update_or_create(
        user=user, municipality=municipality, defaults={"role": role}
    )
    return membership


@transaction.atomic
def membership_remove(*, user: User, municipality: Municipality) -> None:
    Membership.objects.filter(user=user, municipality=municipality).delete()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    is_staff: bool = False,
    check_password: bool = True,
) -> User:
    """Create a user with a hashed password; site staff may act in every municipality."""
    user = User(username=username, email=email, is_staff=is_staff, is_superuser=is_staff)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def secret_digest(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is safe and keeps lookups cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=user, name=name.strip(), prefix=prefix, digest=secret_digest(secret))
    token.full_clean()
    token.save()
    return token, secret


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> User | None:
    """Return the active user behind a token secret, or None."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or f"{parts[0]}_" != TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not secrets.compare_digest(token.digest, secret_digest(secret)):
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute, not on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
