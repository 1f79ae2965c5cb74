"""What every part of the steering API shares: who may read and write, finding an object
inside the caller's municipality or project (anything else is a 404), people named by
user id, and the plain JSON of a model's fields."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict

from stadtkern.core.selectors import municipality_get

from .. import rules, selectors


class Input(Schema):
    """What a client sends: a field the API does not know (or cannot change here) is an
    error naming it, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


TEAM_ONLY = "Only the municipality's team may see this."
EDITORS_ONLY = "Only editors and administrators of this municipality may do this."


def internal(request, slug: str, *, edit: bool = False):
    """The municipality, for its team (``edit``: its editors and administrators)."""
    municipality = municipality_get(slug)
    allowed = rules.can_edit_steering if edit else rules.can_view_internals
    if not allowed(request.auth, municipality):
        raise PermissionDenied(EDITORS_ONLY if edit else TEAM_ONLY)
    return municipality


def project(request, slug: str, pk: int, *, edit: bool = False, team: bool = True):
    """A project the caller may see; ``team``: only for the municipality's team."""
    municipality = internal(request, slug, edit=edit) if team or edit else municipality_get(slug)
    return selectors.project_get(request.auth, municipality, pk)


def one(queryset, value, what: str, *, field: str = "pk"):
    """The object of ``queryset`` (already limited to the caller's municipality or project)
    whose ``field`` is ``value``, or a 404 naming what was looked for."""
    found = queryset.filter(**{field: value}).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def person(municipality, user_id: int | None, field: str):
    """The member ``user_id`` of ``municipality``. Someone else is refused without being
    named: an id is not a way to learn who has an account."""
    if user_id is None:
        return None
    found = (
        get_user_model().objects.filter(pk=user_id, memberships__municipality=municipality).first()
    )
    if found is None:
        raise ValidationError({field: _("Choose a member of this municipality.")})
    return found


def changes(values: dict, *, nullable: tuple = ()) -> dict:
    """The fields a PATCH sets. Null clears only what may be empty; for anything else it
    names the field instead of reaching the database."""
    wrong = [k for k, v in values.items() if v is None and k not in nullable]
    if wrong:
        raise ValidationError({k: _("This field cannot be empty.") for k in wrong})
    return values


def plain(obj, names) -> dict:
    """The fields ``names`` of ``obj`` as JSON values; a relation is its id."""
    out = {}
    for name in names:
        field = obj._meta.get_field(name)
        out[name] = getattr(obj, field.attname)
    return out


def project_and_owner(municipality, fields: dict) -> dict:
    """``project`` and ``owner`` ids of a request as this municipality's project and member."""
    from ..models import Project

    if fields.get("project") is not None:
        fields["project"] = one(
            Project.objects.filter(municipality=municipality), fields["project"], "project"
        )
    if "owner" in fields:
        fields["owner"] = person(municipality, fields["owner"], "owner")
    return fields
