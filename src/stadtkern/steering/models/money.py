"""Money: a project's budget by year and cost type with its forecast, the actual costs
booked (entered or imported from the finance system), the funding programmes shared on
the instance, and the project's applications to them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

from .projects import Project

MAX_AMOUNT = 10**12
AMOUNT = {"max_digits": 14, "decimal_places": 2}


class CostType(models.TextChoices):
    PERSONNEL = "personnel", _("personnel")
    MATERIAL = "material", _("material")
    INVESTMENT = "investment", _("investment")
    SERVICES = "services", _("services")


class BudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget")
    year = models.PositiveSmallIntegerField(_("year"))
    cost_type = models.CharField(_("cost type"), max_length=20, choices=CostType.choices)
    planned = models.DecimalField(_("planned (EUR)"), **AMOUNT)
    forecast = models.DecimalField(_("forecast (EUR)"), null=True, blank=True, **AMOUNT)

    class Meta:
        ordering = ["project", "year", "cost_type"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "cost_type"], name="budget_line_once"
            ),
            models.CheckConstraint(condition=Q(planned__gte=0), name="budget_planned_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.cost_type}"


class Actual(models.Model):
    """A cost booked against the project (a line of the finance system's export)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actuals")
    booked_on = models.DateField(_("booked on"))
    cost_type = models.CharField(_("cost type"), max_length=20, choices=CostType.choices)
    amount = models.DecimalField(_("amount (EUR)"), **AMOUNT)
    text = models.CharField(_("booking text"), max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)  # "entered" or the file

    class Meta:
        ordering = ["project", "booked_on", "id"]
        verbose_name = _("actual cost")
        verbose_name_plural = _("actual costs")
        indexes = [models.Index(fields=["project", "booked_on"])]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount}"


class FundingLevel(models.TextChoices):
    EU = "eu", _("European Union")
    FEDERAL = "bund", _("federal")
    STATE = "land", _("state")
    OTHER = "other", _("other (foundation, district)")


class FundingProgramme(models.Model):
    """A funding programme, shared by every municipality on the instance. Those shipped
    with the product carry the day their facts were collected; calls change, so the page
    says to check the funder's own page before applying."""

    key = models.SlugField(_("short name"), max_length=60, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=FundingLevel.choices)
    state = models.CharField(_("federal state"), max_length=2, blank=True)  # Bundesland code
    funder = models.CharField(_("funder"), max_length=300)
    title = models.CharField(_("programme"), max_length=300)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=3000, blank=True)
    rate = models.DecimalField(_("funding rate (%)"), max_digits=5, decimal_places=2)
    rate_note = models.CharField(_("note on the rate"), max_length=300, blank=True)
    eligible = models.JSONField(_("eligible cost types"), default=list)
    min_own_share = models.DecimalField(
        _("minimum own share (%)"), max_digits=5, decimal_places=2, default=0
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_note = models.CharField(_("note on the deadline"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    collected_on = models.DateField(_("facts collected on"))
    added_by = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("added by"),
    )  # fmt: skip

    class Meta:
        ordering = ["level", "title"]
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100), name="funding_rate_percent"),
            models.CheckConstraint(condition=Q(min_own_share__gte=0) & Q(min_own_share__lte=100),
                                   name="funding_own_share_percent"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title

    @property
    def display_description(self) -> str:
        return (
            self.description_en
            if get_language() == "en" and self.description_en
            else self.description
        )


class ApplicationStatus(models.TextChoices):
    IDEA = "idea", _("idea")
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    GRANTED = "granted", _("granted")
    REJECTED = "rejected", _("rejected")


class Application(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="applications")
    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.PROTECT, related_name="applications",
        verbose_name=_("funding programme"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.IDEA)  # fmt: skip
    requested = models.DecimalField(_("requested (EUR)"), **AMOUNT)
    granted = models.DecimalField(_("granted (EUR)"), null=True, blank=True, **AMOUNT)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["project", "deadline", "id"]
        verbose_name = _("funding application")
        verbose_name_plural = _("funding applications")

    def __str__(self) -> str:
        return f"{self.programme} ({self.status})"

    @property
    def counted(self):
        """What the financing plan counts on: the grant once granted, the request while
        it is pending, nothing once rejected."""
        if self.status == ApplicationStatus.REJECTED:
            return 0
        return (
            self.granted
            if self.status == ApplicationStatus.GRANTED and self.granted is not None
            else self.requested
        )
