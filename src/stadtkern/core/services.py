"""Every write of the core app: municipalities, memberships, users, tokens, audit."""

import hashlib
import secrets
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .audit import snapshot
from .models import ApiToken, AuditEntry, Invitation, Membership, Municipality, Role, User
from .text import tidy

TOKEN_PREFIX = "sk_"  # noqa: S105 (a prefix, not a secret)


def audit_record(
    *,
    municipality: Municipality | None,
    obj,
    action: str,
    user,
    before: dict | None,
    after: dict | None,
) -> AuditEntry:
    """Record one change; ``municipality`` None for what the whole instance shares."""
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
    population_year: int | None = None,
    population_source: str = "",
    with_defaults: bool = True,
    by=None,
) -> Municipality:
    """Create a municipality; with_defaults offers the default fields of action and user groups."""
    municipality = Municipality(
        name=name, slug=slug, ags=ags or None, kind=kind, state=state, population=population,
        population_year=population_year, population_source=population_source,
    )  # fmt: skip
    municipality.full_clean()
    municipality.save()
    audit_record(municipality=municipality, obj=municipality, user=by,
                 action=AuditEntry.Action.CREATE, before=None, after=snapshot(municipality))  # fmt: skip
    if with_defaults:
        from stadtkern.strategy.services import defaults_offer

        defaults_offer(municipality=municipality)
    return municipality


@transaction.atomic
def municipality_update(*, municipality: Municipality, by=None, **changes) -> Municipality:
    """Change the given fields of a municipality after validating the whole of it; audited."""
    before = snapshot(Municipality.objects.get(pk=municipality.pk))
    for name, value in changes.items():
        setattr(municipality, name, value)
    if "ags" in changes and not municipality.ags:
        municipality.ags = None
    tidy(municipality)
    municipality.full_clean()
    municipality.save()
    after = snapshot(municipality)
    if after != before:
        audit_record(municipality=municipality, obj=municipality, user=by,
                     action=AuditEntry.Action.UPDATE, before=before, after=after)  # fmt: skip
    return municipality


def _member_snapshot(membership: Membership | None) -> dict | None:
    if membership is None:
        return None
    return {"user": membership.user.username, "role": membership.role}


def _keep_an_administrator(municipality: Municipality, leaving: User) -> None:
    """A municipality keeps at least one administrator, once it has one: otherwise nobody
    but site staff could manage its members again."""
    others = Membership.objects.filter(municipality=municipality, role=Role.ADMIN).exclude(
        user=leaving
    )
    was_admin = Membership.objects.filter(
        municipality=municipality, user=leaving, role=Role.ADMIN
    ).exists()
    if was_admin and not others.exists():
        raise ValidationError(
            {"role": _("%(name)s is the last administrator of %(municipality)s; name another "
                       "one first.") % {"name": leaving.username, "municipality": municipality.name}}
        )  # fmt: skip


@transaction.atomic
def membership_set(*, user: User, municipality: Municipality, role: str, by=None) -> Membership:
    """Give a user a role in a municipality, replacing any earlier role; audited."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    # Locked, so that two administrators demoting each other at once leave one of them.
    list(Membership.objects.select_for_update().filter(municipality=municipality))
    before = Membership.objects.filter(user=user, municipality=municipality).first()
    if before is not None and before.role == role:
        return before
    if role != Role.ADMIN:
        _keep_an_administrator(municipality, user)
    snapshot_before = _member_snapshot(before)
    if before is not None and before.role == Role.ADMIN:
        _withdraw_invitations_of(user, municipality, by)
    membership, _created = Membership.objects.update_or_create(
        user=user, municipality=municipality, defaults={"role": role}
    )
    audit_record(
        municipality=municipality, obj=membership, user=by,
        action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE,
        before=snapshot_before, after=_member_snapshot(membership),
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_remove(*, user: User, municipality: Municipality, by=None) -> None:
    list(Membership.objects.select_for_update().filter(municipality=municipality))
    membership = Membership.objects.filter(user=user, municipality=municipality).first()
    if membership is None:
        return
    _keep_an_administrator(municipality, user)
    _withdraw_invitations_of(user, municipality, by)
    audit_record(
        municipality=municipality, obj=membership, user=by, action=AuditEntry.Action.DELETE,
        before=_member_snapshot(membership), after=None,
    )  # fmt: skip
    membership.delete()


def _withdraw_invitations_of(user: User, municipality: Municipality, by) -> None:
    """An administrator who steps down or leaves takes their open invitations along: a
    link they sent must not let them, or anyone, in afterwards."""
    for invitation in Invitation.objects.filter(
        municipality=municipality, invited_by=user, accepted_at=None, withdrawn_at=None
    ):
        invitation_withdraw(invitation=invitation, by=by)


def _inviter_may_still_invite(invitation: Invitation) -> bool:
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        return False
    return (
        inviter.is_staff
        or Membership.objects.filter(
            user=inviter, municipality=invitation.municipality, role=Role.ADMIN
        ).exists()
    )


@transaction.atomic
def invitation_create(
    *, municipality: Municipality, email: str, role: str, by, accept_url
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; ``accept_url(secret)`` makes the link in the mail. The
    secret is sent once and only its hash kept. If the mail cannot be sent, nothing is
    stored and the caller hears why."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        municipality=municipality, email=email.strip(), role=role, digest=secret_digest(secret),
        invited_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )  # fmt: skip
    invitation.full_clean()
    invitation.save()
    audit_record(
        municipality=municipality, obj=invitation, user=by, action=AuditEntry.Action.CREATE,
        before=None, after={"email": invitation.email, "role": role},
    )  # fmt: skip
    subject = _("Invitation to %(municipality)s on Stadtkern") % {"municipality": municipality.name}
    body = _(
        "%(inviter)s invites you to work on %(municipality)s on Stadtkern as %(role)s.\n\n"
        "Accept the invitation here (the link works once, until %(until)s):\n%(link)s\n\n"
        "If you did not expect this mail, ignore it; nothing happens without the link."
    ) % {
        "inviter": getattr(by, "username", "Stadtkern"), "municipality": municipality.name,
        "role": invitation.get_role_display(), "link": accept_url(secret),
        "until": formats.date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT"),
    }  # fmt: skip
    try:
        send_mail(subject, body, None, [invitation.email])
    except (OSError, SMTPException) as exc:
        raise ValidationError(
            {"email": _("The mail could not be sent (%(reason)s); nothing was saved.")
                      % {"reason": exc.__class__.__name__}}
        ) from exc  # fmt: skip
    return invitation, secret


def invitation_find(secret: str) -> Invitation | None:
    """The open invitation a link's secret belongs to, or None (used, withdrawn, expired
    or unknown alike: the page tells no more than that)."""
    if not secret or len(secret) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("municipality", "invited_by")
        .filter(digest=secret_digest(secret)).first()
    )  # fmt: skip
    # Checked again on use, independent of the withdrawal when the inviter stepped down:
    # an invitation is only as good as its sender's standing now.
    if invitation is None or not invitation.open or not _inviter_may_still_invite(invitation):
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, user: User) -> Membership:
    """Join the municipality with the invitation's role; the link is then used up."""
    invitation = invitation_find(secret)
    if invitation is None:
        raise ValidationError(_("This invitation is not valid any more."))
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.open:  # accepted a moment ago in another request
        raise ValidationError(_("This invitation is not valid any more."))
    current = Membership.objects.filter(user=user, municipality=locked.municipality).first()
    # Accepting never lowers a role the person already holds.
    order = [Role.VIEWER, Role.MODERATOR, Role.EDITOR, Role.ADMIN]
    role = locked.role
    if current is not None and order.index(current.role) > order.index(role):
        role = current.role
    membership = membership_set(user=user, municipality=locked.municipality, role=role, by=user)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, by) -> None:
    if invitation.withdrawn_at is None and invitation.accepted_at is None:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])
        audit_record(
            municipality=invitation.municipality, obj=invitation, user=by,
            action=AuditEntry.Action.DELETE,
            before={"email": invitation.email, "role": invitation.role}, after=None,
        )  # fmt: skip


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
