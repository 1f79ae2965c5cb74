"""Programmes: what a municipality steers side by side (the smart-city strategy, the
integrated urban development concept, the climate plan, ...). A goal or measure may serve
several programmes; projects belong to a programme through their measure."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality
from stadtkern.strategy.models import Goal, Measure

TITLE_MAX = 200


class ProgrammeKind(models.TextChoices):
    SMART_CITY = "smart_city", _("smart-city strategy")
    ISEK = "isek", _("integrated urban development concept (ISEK)")
    CLIMATE = "climate", _("climate plan")
    DIGITAL = "digital", _("digital strategy")
    FUNDING = "funding", _("funding programme")
    OTHER = "other", _("other programme")


class ProgrammeStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    CLOSED = "closed", _("closed")


class Programme(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="programmes"
    )
    slug = models.SlugField(_("short name"), max_length=50)
    title = models.CharField(_("title (German)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=5000, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ProgrammeKind.choices, default=ProgrammeKind.SMART_CITY
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProgrammeStatus.choices,
        default=ProgrammeStatus.ACTIVE,
    )  # fmt: skip
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("owner"),
    )  # fmt: skip
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="programmes", verbose_name=_("goals")
    )
    measures = models.ManyToManyField(
        Measure, blank=True, related_name="programmes", verbose_name=_("measures")
    )
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are visible to members only.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "position", "title", "id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="programme_slug_unique"),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=F("start")),
                name="programme_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title

    @property
    def display_description(self) -> str:
        english = get_language() == "en" and self.description_en
        return self.description_en if english else self.description
