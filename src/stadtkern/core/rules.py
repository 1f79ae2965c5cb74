"""Who may do what, per municipality. One line per permission; tested as a grid.

Roles are held per municipality (admin, editor, viewer); site staff may act
everywhere. Anonymous visitors read published content only.
"""

from .models import Municipality, Role

WRITE_ROLES = {Role.ADMIN, Role.EDITOR}
ADMIN_ROLES = {Role.ADMIN}
MEMBER_ROLES = {Role.ADMIN, Role.EDITOR, Role.VIEWER}


def role_of(user, municipality: Municipality) -> str | None:
    """Return the user's role in the municipality, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = getattr(user, "_stadtkern_roles", None)
    if cache is None:
        cache = dict(user.memberships.values_list("municipality_id", "role"))
        user._stadtkern_roles = cache
    return cache.get(municipality.pk)


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def _has(user, municipality: Municipality, roles: set) -> bool:
    return _is_staff(user) or role_of(user, municipality) in roles


def can_view_drafts(user, municipality: Municipality) -> bool:
    return _has(user, municipality, MEMBER_ROLES)


def can_view_audit(user, municipality: Municipality) -> bool:
    return _has(user, municipality, MEMBER_ROLES)


def can_edit_strategy(user, municipality: Municipality) -> bool:
    return _has(user, municipality, WRITE_ROLES)


def can_manage_municipality(user, municipality: Municipality) -> bool:
    return _has(user, municipality, ADMIN_ROLES)


def can_create_municipality(user) -> bool:
    return _is_staff(user)


def can_view_dataset(user, dataset) -> bool:
    """Public datasets are open to all; internal ones to the municipality's members."""
    return dataset.access == "public" or _has(user, dataset.municipality, MEMBER_ROLES)


def can_edit_data(user, municipality: Municipality) -> bool:
    """Create datasets, change their metadata, import files, save queries."""
    return _has(user, municipality, WRITE_ROLES)


class TeamReader:
    """Reads as a viewer of one municipality, and of no other: the principal of jobs that
    compute that municipality's figures (an indicator's saved query sees its internal
    datasets, never another municipality's)."""

    is_authenticated = True
    is_staff = False
    is_superuser = False

    def __init__(self, municipality: Municipality):
        self._stadtkern_roles = {municipality.pk: Role.VIEWER}
        # Its own name where queries are counted per client (data/sql.py): one
        # municipality's jobs do not wait for another's.
        self.pk = f"team-{municipality.pk}"
