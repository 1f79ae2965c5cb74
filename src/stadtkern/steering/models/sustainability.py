"""The sustainability check of a measure: a score from 1 to 5 and a reason per criterion
(sustainability.py names them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stadtkern.strategy.models import Measure


class SustainabilityScore(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="sustainability")
    criterion = models.CharField(_("criterion"), max_length=30)
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    reason = models.TextField(_("reason"), max_length=2000)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    assessed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure", "criterion"]
        verbose_name = _("sustainability score")
        verbose_name_plural = _("sustainability scores")
        constraints = [
            models.UniqueConstraint(fields=["measure", "criterion"], name="sustainability_once"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="sustainability_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
