"""Opportunities and risks: create, reassess (each assessment kept), close."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot

from ..models import Assessment, Project, Risk, TeamMember
from ..models.risks import OPPORTUNITY_RESPONSES, RISK_RESPONSES, RiskKind
from .common import bounded, pick, save

FIELDS = ("kind", "title", "description", "probability", "impact", "response", "measures", "owner",
          "review_on", "closed")  # fmt: skip


def _checked(risk: Risk) -> None:
    for field in ("probability", "impact"):
        value = getattr(risk, field)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ValidationError({field: _("Rate it from 1 (very low) to 5 (very high).")})
    allowed = OPPORTUNITY_RESPONSES if risk.kind == RiskKind.OPPORTUNITY else RISK_RESPONSES
    if risk.response not in allowed:
        raise ValidationError({"response": _("An opportunity is exploited, enhanced or accepted; a risk is "
                                             "avoided, reduced, transferred or accepted.")})  # fmt: skip
    if (
        risk.owner_id is not None
        and TeamMember.objects.filter(pk=risk.owner_id).values_list("project_id", flat=True).first()
        != risk.project_id
    ):
        raise ValidationError({"owner": _("Choose a member of this project's team.")})


@transaction.atomic
def risk_save(
    *, project: Project, user, risk: Risk | None = None, note: str = "", **fields
) -> Risk:
    """A new risk or opportunity, or changes to one; a new probability or impact is a new
    assessment in its history."""
    pick(fields, FIELDS)
    before = snapshot(risk) if risk is not None else None
    old = (risk.probability, risk.impact) if risk is not None else None
    risk = risk or Risk(project=project)
    for name, value in fields.items():
        setattr(risk, name, value)
    _checked(risk)
    bounded(risk.review_on, "review_on")
    save(risk, municipality=project.municipality, user=user, before=before, exclude=("owner",))
    if old != (risk.probability, risk.impact) or note:
        Assessment.objects.create(risk=risk, probability=risk.probability, impact=risk.impact, note=note[:500],
                                  by=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
    return risk


def due(project: Project, today: date):
    return Risk.objects.filter(project=project, closed=False, review_on__lte=today)
