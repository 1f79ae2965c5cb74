"""A measure that became a project: its design, lead, team and status reports."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality
from stadtkern.strategy.models import Measure


class Design(models.TextChoices):
    WATERFALL = "waterfall", _("waterfall (plan)")
    HYBRID = "hybrid", _("hybrid (plan and backlog)")
    AGILE = "agile", _("agile (backlog)")


class Light(models.TextChoices):
    """A traffic light; the order of the choices is the order of concern."""

    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


LIGHT_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


class Project(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="projects"
    )
    measure = models.OneToOneField(
        Measure, on_delete=models.CASCADE, related_name="project", verbose_name=_("measure")
    )
    design = models.CharField(
        _("project design"), max_length=20, choices=Design.choices, default=Design.HYBRID
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("project lead"),
    )  # fmt: skip
    department = models.CharField(_("responsible department"), max_length=200, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    published = models.BooleanField(
        _("published"), default=False,
        help_text=_("Published projects show in the public portfolio and calendar with their "
                    "milestones; plans, money, risks and people stay with the team."),
    )  # fmt: skip
    baseline_at = models.DateTimeField(_("baseline taken"), null=True, blank=True)
    risk_threshold = models.PositiveSmallIntegerField(
        _("risk threshold"), default=12,
        help_text=_("Risks whose probability × impact reaches this score show in the status "
                    "reports and the cockpit."),
    )  # fmt: skip
    pulse_series = models.SlugField(
        _("pulse check of decision makers"), max_length=80, blank=True,
        help_text=_("The short name of a pulse-check series of the participation pages; its trend shows here."),
    )  # fmt: skip
    own_funds = models.DecimalField(
        _("own funds (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("What the municipality pays itself; with the grants it must cover the budget."),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "start", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["municipality", "department"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="project_end_after_start")
        ]

    def __str__(self) -> str:
        return self.measure.title

    @property
    def title(self) -> str:
        return self.measure.display_title

    @property
    def has_plan(self) -> bool:
        return self.design in (Design.WATERFALL, Design.HYBRID)

    @property
    def has_backlog(self) -> bool:
        return self.design in (Design.AGILE, Design.HYBRID)


class TeamMember(models.Model):
    """Someone in the project: a user of the instance, or a named outsider (a consultant,
    a partner's contact) who has no login."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("user"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role in the project"), max_length=200, blank=True)

    class Meta:
        ordering = ["project", "name", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], condition=Q(user__isnull=False),
                name="team_member_once",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class StatusReport(models.Model):
    """The project's state on a day: a light each for scope, time, money and overall."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    period_end = models.DateField(_("as of"))
    scope = models.CharField(_("scope"), max_length=10, choices=Light.choices)
    time = models.CharField(_("time"), max_length=10, choices=Light.choices)
    money = models.CharField(_("money"), max_length=10, choices=Light.choices)
    overall = models.CharField(_("overall"), max_length=10, choices=Light.choices)
    text = models.TextField(_("summary"), max_length=5000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-period_end"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(fields=["project", "period_end"], name="one_report_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period_end}"
