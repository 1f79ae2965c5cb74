"""Documents on goals and measures (council decisions, reports, graphic recordings):
PDF or pictures, at most 10 MB, checked by their content rather than their name, kept
in the database and served so that a browser cannot take them for a page."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core import rules
from stadtkern.core.images import reencode
from stadtkern.core.services import audit_record

from .models import Attachment, Goal, Measure

MAX_BYTES = 10 * 2**20
MAX_PER_OBJECT = 20
OWNERS = {"goal": Goal, "measure": Measure}


def _kind(data: bytes) -> str:
    """The type the bytes are, judged by their content; ValidationError otherwise."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[8:12] == b"WEBP":
        return "image"
    raise ValidationError({"file": _("Attach a PDF or a JPEG, PNG or WebP picture.")})


@transaction.atomic
def attachment_add(*, obj, user, title: str, upload) -> Attachment:
    if not rules.can_edit_strategy(user, obj.municipality):
        raise ValidationError(_("Only the municipality's editors attach documents."))
    if getattr(upload, "size", 0) > MAX_BYTES:  # before reading it into memory
        raise ValidationError({"file": _("A document may have at most 10 MB.")})
    data = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": _("A document may have at most 10 MB.")})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    kind = _kind(data)
    if kind == "image":
        try:
            data, kind = reencode(data)
        except ValidationError as exc:
            raise ValidationError({"file": exc.message_dict.get("image", exc.messages)}) from None
    object_type = obj._meta.model_name
    # The owner locked: two uploads at once must not both pass the count below.
    type(obj).objects.select_for_update().filter(pk=obj.pk).first()
    if (
        Attachment.objects.filter(object_type=object_type, object_id=obj.pk).count()
        >= MAX_PER_OBJECT
    ):
        raise ValidationError({"file": _("At most 20 documents per goal or measure.")})
    # Printable characters only: PostgreSQL stores no NUL, and a title has no controls.
    title = "".join(ch for ch in (title or "") if ch.isprintable()).strip()
    name = "".join(ch for ch in getattr(upload, "name", "") if ch.isprintable())
    title = title or name or _("Document")
    found = Attachment(municipality=obj.municipality, object_type=object_type, object_id=obj.pk,
                       title=title[:200], content_type=kind, size=len(data), data=data)  # fmt: skip
    found.full_clean(exclude=["data"])
    found.save()
    audit_record(municipality=obj.municipality, obj=obj, action="update", user=user,
                 before=None, after={"attachment": f"+ {found.title}"})  # fmt: skip
    return found


@transaction.atomic
def attachment_remove(*, attachment: Attachment, obj, user) -> None:
    if not rules.can_edit_strategy(user, obj.municipality):
        raise ValidationError(_("Only the municipality's editors remove documents."))
    audit_record(municipality=obj.municipality, obj=obj, action="update", user=user,
                 before={"attachment": attachment.title}, after=None)  # fmt: skip
    attachment.delete()


def attachments_of(obj):
    return Attachment.objects.filter(
        municipality=obj.municipality, object_type=obj._meta.model_name, object_id=obj.pk
    ).defer("data")
