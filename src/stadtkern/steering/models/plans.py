"""The plan of a waterfall or hybrid project: phases, work packages and milestones,
finish-to-start dependencies with lag, and who is responsible, accountable, consulted or
informed for each package (RACI). Dates are whole days; see scheduling.py for the rules."""

from datetime import date, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .projects import Project, TeamMember

MAX_DURATION = 3650
MAX_LAG = 365


class Phase(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["project", "position", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self) -> str:
        return self.title


class WorkPackage(models.Model):
    """A work package, or a milestone when its duration is 0."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="packages")
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="packages",
        verbose_name=_("phase"),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    start = models.DateField(_("start"))
    duration = models.PositiveIntegerField(_("duration in days"))
    done = models.PositiveSmallIntegerField(_("done (%)"), default=0)
    baseline_start = models.DateField(_("baseline start"), null=True, blank=True)
    baseline_duration = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["project", "start", "position", "id"]
        verbose_name = _("work package")
        verbose_name_plural = _("work packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__lte=MAX_DURATION), name="package_duration"
            ),
            models.CheckConstraint(condition=Q(done__lte=100), name="package_done_percent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def milestone(self) -> bool:
        return self.duration == 0

    @property
    def finish(self) -> date:
        """The last working day (a milestone's own day)."""
        return self.start + timedelta(days=max(self.duration - 1, 0))

    @property
    def end(self) -> date:
        """The day after the last working day: where a successor may start."""
        return self.start + timedelta(days=self.duration)

    @property
    def baseline_finish(self) -> date | None:
        if self.baseline_start is None or self.baseline_duration is None:
            return None
        return self.baseline_start + timedelta(days=max(self.baseline_duration - 1, 0))

    @property
    def slip(self) -> int | None:
        """Days the finish lies after the baseline's (negative: ahead), or None."""
        baseline = self.baseline_finish
        return None if baseline is None else (self.finish - baseline).days


class Dependency(models.Model):
    """Finish to start: the successor starts ``lag`` days after the predecessor ends."""

    predecessor = models.ForeignKey(WorkPackage, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(
        WorkPackage, on_delete=models.CASCADE, related_name="predecessors"
    )
    lag = models.IntegerField(_("lag in days"), default=0)

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="dependency_once"),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="dependency_not_on_itself"
            ),
            models.CheckConstraint(
                condition=Q(lag__gte=-MAX_LAG) & Q(lag__lte=MAX_LAG), name="dependency_lag"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Responsibility(models.Model):
    class Letter(models.TextChoices):
        RESPONSIBLE = "R", _("responsible")
        ACCOUNTABLE = "A", _("accountable")
        CONSULTED = "C", _("consulted")
        INFORMED = "I", _("informed")

    package = models.ForeignKey(WorkPackage, on_delete=models.CASCADE, related_name="raci")
    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="raci")
    letter = models.CharField(_("role"), max_length=1, choices=Letter.choices)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["package", "member"], name="raci_once"),
            # RACI's own rule: one person is accountable for a package, no more.
            models.UniqueConstraint(
                fields=["package"], condition=Q(letter="A"), name="raci_one_accountable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter}: {self.member}"
