"""Reads of the core app."""

from django.http import Http404

from .audit import readable
from .models import ApiToken, AuditEntry, Municipality


def municipality_list():
    return Municipality.objects.all()


def municipality_get(slug: str) -> Municipality:
    try:
        return Municipality.objects.get(slug=slug)
    except Municipality.DoesNotExist:
        raise Http404(f"No municipality {slug!r}.") from None


def home_municipality(user) -> Municipality | None:
    """The municipality a member belongs to (the first by name, if several); site staff
    without a membership have none."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Municipality.objects.filter(memberships__user=user).order_by("name").first()


def municipalities_of(user) -> list[Municipality]:
    """Return the municipalities the user is a member of (all of them for site staff)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_staff:
        return list(Municipality.objects.all())
    return list(Municipality.objects.filter(memberships__user=user))


def audit_for(*, municipality: Municipality, object_type: str, object_id: int, limit: int = 50):
    return AuditEntry.objects.filter(
        municipality=municipality, object_type=object_type, object_id=object_id
    ).select_related("user")[:limit]


def open_invitations(municipality: Municipality):
    """Every invitation of the municipality whose link still works (none left out)."""
    from django.utils import timezone

    return municipality.invitations.filter(
        accepted_at=None, withdrawn_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def audit_of_types(*, municipality: Municipality, object_types, limit: int = 30):
    """The latest changes of some kinds (members, invitations, settings), readable."""
    return readable(
        AuditEntry.objects.filter(
            municipality=municipality, object_type__in=object_types
        ).select_related("user")[:limit]
    )


def audit_readable(**kwargs) -> list[AuditEntry]:
    """The trail of one object for a page: field labels, names, dates as the reader writes."""
    return readable(audit_for(**kwargs))


def tokens_of(user):
    return ApiToken.objects.filter(user=user)
