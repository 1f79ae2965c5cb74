"""Opportunities and risks of a project: probability and impact from 1 to 5, a response,
an owner and a review date, with every assessment kept."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .projects import Project, TeamMember

SCALE = range(1, 6)


class RiskKind(models.TextChoices):
    RISK = "risk", _("risk")
    OPPORTUNITY = "opportunity", _("opportunity")


class Response(models.TextChoices):
    # for risks
    AVOID = "avoid", _("avoid")
    REDUCE = "reduce", _("reduce")
    TRANSFER = "transfer", _("transfer")
    ACCEPT = "accept", _("accept")
    # for opportunities
    EXPLOIT = "exploit", _("exploit")
    ENHANCE = "enhance", _("enhance")


RISK_RESPONSES = {Response.AVOID, Response.REDUCE, Response.TRANSFER, Response.ACCEPT}
OPPORTUNITY_RESPONSES = {Response.EXPLOIT, Response.ENHANCE, Response.ACCEPT}


class Risk(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(
        _("kind"), max_length=12, choices=RiskKind.choices, default=RiskKind.RISK
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability (1–5)"))
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"))
    response = models.CharField(
        _("response"), max_length=10, choices=Response.choices, default=Response.REDUCE
    )
    measures = models.TextField(_("what we do about it"), max_length=3000, blank=True)
    owner = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks",
        verbose_name=_("owner"),
    )
    review_on = models.DateField(_("next review"), null=True, blank=True)
    closed = models.BooleanField(_("closed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "closed", "-probability", "-impact", "id"]
        verbose_name = _("opportunity or risk")
        verbose_name_plural = _("opportunities and risks")
        indexes = [models.Index(fields=["project", "closed", "review_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=1) & Q(probability__lte=5), name="risk_probability"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1) & Q(impact__lte=5), name="risk_impact"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.probability * self.impact


class Assessment(models.Model):
    """One assessment of a risk, as it stood: the history the register keeps."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    at = models.DateTimeField(auto_now_add=True)
    probability = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["risk", "-at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.probability}×{self.impact}"
