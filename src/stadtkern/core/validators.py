"""Validators for official German keys."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_AGS = re.compile(r"[0-9]{8}")
LAND_CODES = {f"{n:02d}" for n in range(1, 17)}


def validate_ags(value: str) -> None:
    """Reject anything that is not an 8-digit AGS of one of the 16 Länder."""
    if not isinstance(value, str) or not _AGS.fullmatch(value):
        raise ValidationError(_("An AGS has exactly 8 digits, e.g. 05170024."), code="ags_format")
    if value[:2] not in LAND_CODES:
        raise ValidationError(
            _("An AGS starts with the key of a federal state, 01 to 16."), code="ags_land"
        )
