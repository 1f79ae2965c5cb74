"""People and change: the municipality's stakeholder register (with the projects each
one matters to), who works with whom, and the communication and participation plan per
stakeholder group. Personal data stays minimal: a name, a group and an assessment; no
addresses or phone numbers, the contact owner knows how to reach them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

from .projects import Project


class StakeholderKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation")


class Attitude(models.TextChoices):
    SUPPORTIVE = "supportive", _("supportive")
    NEUTRAL = "neutral", _("neutral")
    CRITICAL = "critical", _("critical")


class Stakeholder(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="stakeholders"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=StakeholderKind.choices,
                            default=StakeholderKind.ORGANISATION)  # fmt: skip
    group = models.CharField(
        _("group"), max_length=100, help_text=_("e.g. retail, owners, council, residents")
    )
    influence = models.PositiveSmallIntegerField(_("influence (1–5)"))
    interest = models.PositiveSmallIntegerField(_("interest (1–5)"))
    attitude = models.CharField(
        _("attitude"), max_length=10, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    contact_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("contact owner"),
    )  # fmt: skip
    projects = models.ManyToManyField(
        Project, blank=True, related_name="stakeholders", verbose_name=_("projects")
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["municipality", "group", "name", "id"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=1) & Q(influence__lte=5), name="stakeholder_influence"
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=1) & Q(interest__lte=5), name="stakeholder_interest"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tie(models.Model):
    """Two stakeholders who work together (the actor network)."""

    a = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("how"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tie")
        verbose_name_plural = _("ties")
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="tie_once"),
            models.CheckConstraint(condition=Q(a__lt=F("b")), name="tie_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.a} – {self.b}"


class Format(models.TextChoices):
    COMMUNICATION = "communication", _("active communication")
    TRAINING = "training", _("training")
    DIALOGUE = "dialogue", _("dialogue format")


class Communication(models.Model):
    """One line of the communication and participation plan: how a stakeholder group is
    reached, how often, by whom, and when next."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="communications"
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="communications",
                                verbose_name=_("project"))  # fmt: skip
    group = models.CharField(_("stakeholder group"), max_length=100)
    format = models.CharField(
        _("format"), max_length=15, choices=Format.choices, default=Format.COMMUNICATION
    )
    channel = models.CharField(
        _("channel"), max_length=200, help_text=_("e.g. newsletter, workshop, round table")
    )
    frequency = models.CharField(_("frequency"), max_length=100, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))  # fmt: skip
    next_on = models.DateField(_("next date"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "next_on", "group", "id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communication plan")

    def __str__(self) -> str:
        return f"{self.group}: {self.channel}"
