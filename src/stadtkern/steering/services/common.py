"""What every steering write shares: clean, save, and leave an audit entry."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import AuditEntry, Municipality
from stadtkern.core.rules import role_of
from stadtkern.core.services import audit_record
from stadtkern.core.text import tidy


def store(obj: models.Model, *, exclude: tuple = ()) -> bool:
    """Validate and save ``obj``; True when it was new."""
    tidy(obj)
    try:
        obj.full_clean(exclude=["municipality", "project", *exclude], validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    creating = obj.pk is None
    obj.save()
    return creating


def record(obj: models.Model, *, municipality: Municipality, user, before: dict | None,
           m2m: dict | None = None) -> None:  # fmt: skip
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    audit_record(municipality=municipality, obj=obj, user=user, action=action, before=before,
                 after=snapshot(obj, m2m))  # fmt: skip


def save(obj: models.Model, *, municipality: Municipality, user, before: dict | None,
         exclude: tuple = ()) -> models.Model:  # fmt: skip
    """Validate and store ``obj``, then record it in the audit log."""
    store(obj, exclude=exclude)
    record(obj, municipality=municipality, user=user, before=before)
    return obj


def delete(obj: models.Model, *, municipality: Municipality, user) -> None:
    before = snapshot(obj)
    audit_record(municipality=municipality, obj=obj, user=user,
                 action=AuditEntry.Action.DELETE, before=before, after=None)  # fmt: skip
    obj.delete()


def keeps_minutes(series_filter: dict, what: str) -> None:
    """Refuse to remove what approved minutes belong to: they are the record of what was
    decided (``code="fixed"``, a conflict)."""
    from ..models import Meeting

    if Meeting.objects.filter(**series_filter).exclude(status=Meeting.Status.DRAFT).exists():
        raise ValidationError({"minutes": ValidationError(_(
            "Approved minutes belong to this %(what)s; they are the record and stay, so it stays too."
        ) % {"what": what}, code="fixed")})  # fmt: skip


def member(user, municipality: Municipality, field: str):
    """``user`` if they belong to the municipality; a person from elsewhere cannot lead
    or sit on one of its projects."""
    if user is None:
        return None
    if role_of(user, municipality) is None:
        raise ValidationError({field: _("%(name)s is not a member of %(m)s.") % {
            "name": user.get_username(), "m": municipality.name}})  # fmt: skip
    return user


def pick(changes: dict, allowed) -> dict:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    return changes


def own(model, ids, municipality: Municipality, field: str) -> list:
    """The objects of ``ids``, all of this municipality, or an error naming the field."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    found = list(model.objects.filter(municipality=municipality, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({field: _("Only objects of this municipality can be chosen.")})
    return found


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def bounded(day, field: str):
    """A date a municipality plans with: from 2000 to 2100 (a typo like 9999 is refused)."""
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValidationError({field: _("Choose a date between 2000 and 2100.")})
    return day


def shown(day) -> str:
    """A date in a message, as the reader writes it."""
    from stadtkern.core.charts import date_formatter

    return date_formatter()(day)
