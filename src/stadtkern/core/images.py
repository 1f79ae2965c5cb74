"""Pictures people upload (proposals, projects, updates, attachments): checked and
re-encoded before they are kept, so that what is served is a plain picture without the
place and time a phone wrote into it."""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IMAGE_MAX_BYTES = 8 * 2**20
IMAGE_MAX_SIDE = 1600


def reencode(data: bytes) -> tuple[bytes, str]:
    """Return the image re-encoded (at most 1600 px a side, without metadata) and its type.

    Re-encoding drops EXIF, where phones keep the place and time a photo was taken.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > IMAGE_MAX_BYTES:
        raise ValidationError({"image": _("An image may have at most 8 MB.")})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in ("JPEG", "PNG", "WEBP"):
                raise ValidationError({"image": _("Send a JPEG, PNG or WebP image.")})
            if probe.width * probe.height > 40_000_000:
                raise ValidationError({"image": _("The image has too many pixels.")})
            probe.load()
            picture = (
                probe.convert("RGB")
                if kind == "JPEG" or probe.mode not in ("RGB", "RGBA")
                else probe.copy()
            )
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ValidationError({"image": _("Send a JPEG, PNG or WebP image.")}) from None
    picture.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    out = io.BytesIO()
    if kind == "JPEG":
        picture.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), "image/jpeg"
    picture.save(out, "PNG", optimize=True)
    return out.getvalue(), "image/png"


def picture_response(found, *, public: bool):
    """Serve a stored, re-encoded picture (``image``, ``image_type``) as what it is; cached
    by everyone only when everyone may see it."""
    from django.http import Http404, HttpResponse

    if found is None:
        raise Http404(_("No such picture."))
    response = HttpResponse(bytes(found.image), content_type=found.image_type)
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def take_picture(upload, alt: str) -> tuple[bytes, str] | None:
    """An uploaded picture (file or bytes) checked and re-encoded, or None without one; a
    picture needs its description (ValidationError on ``image_alt``)."""
    if not upload:
        return None
    if not (alt or "").strip():
        raise ValidationError(
            {"image_alt": _("Describe the picture in a few words for people who cannot see it.")}
        )
    if getattr(upload, "size", 0) > IMAGE_MAX_BYTES:  # before reading it into memory
        raise ValidationError({"image": _("An image may have at most 8 MB.")})
    data = upload.read(IMAGE_MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    return reencode(data)
