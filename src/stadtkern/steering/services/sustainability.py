"""The sustainability check: all scores of a measure at once, each with its reason."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core.models import AuditEntry
from stadtkern.core.services import audit_record
from stadtkern.core.text import without_controls
from stadtkern.strategy.models import Measure

from ..models import SustainabilityScore
from ..sustainability import BY_KEY, TOP


@transaction.atomic
def check_save(*, measure: Measure, user, scores: dict[str, tuple[int | None, str]]) -> int:
    """``scores``: criterion key -> (score or None to clear, reason). Every score needs a
    reason; nothing is written unless all are right. Returns how many scores there are."""
    errors = {}
    for key, (score, reason) in scores.items():
        if key not in BY_KEY:
            errors["criterion"] = _("There is no criterion '%(k)s'.") % {"k": str(key)[:40]}
        elif score is not None and (
            isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= TOP
        ):
            errors[f"score_{key}"] = _("Score from 1 to %(n)s.") % {"n": TOP}
        elif score is not None and not without_controls(reason or "").strip():
            errors[f"reason_{key}"] = _("Give the reason for this score.")
    if errors:
        raise ValidationError(errors)
    before = dict(
        SustainabilityScore.objects.filter(measure=measure).values_list("criterion", "score")
    )
    for key, (score, reason) in scores.items():
        if score is None:
            SustainabilityScore.objects.filter(measure=measure, criterion=key).delete()
            continue
        SustainabilityScore.objects.update_or_create(
            measure=measure, criterion=key,
            defaults={"score": score, "reason": without_controls(reason).strip()[:2000],
                      "assessed_by": user if getattr(user, "is_authenticated", False) else None},
        )  # fmt: skip
    after = dict(
        SustainabilityScore.objects.filter(measure=measure).values_list("criterion", "score")
    )
    audit_record(municipality=measure.municipality, obj=measure, action=AuditEntry.Action.UPDATE, user=user,
                 before={"sustainability": before}, after={"sustainability": after})  # fmt: skip
    return len(after)
