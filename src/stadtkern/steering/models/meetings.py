"""Jour fixe and steering meetings: a series per project or for a whole programme (or all
the municipality's projects), each meeting with the agenda it assembled, its minutes,
decisions and action items. Approved minutes are fixed: a correction is a new version
that points to the one it corrects, which stays as it was."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

from .programmes import Programme
from .projects import Project


class SeriesKind(models.TextChoices):
    JOUR_FIXE = "jour_fixe", _("jour fixe")
    STEERING = "steering", _("steering committee")


class MeetingSeries(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="meeting_series"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SeriesKind.choices, default=SeriesKind.JOUR_FIXE
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="meeting_series",
                                verbose_name=_("project"), help_text=_("Empty: for a programme or all projects."))  # fmt: skip
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="meeting_series", verbose_name=_("programme"))  # fmt: skip
    cadence = models.CharField(
        _("cadence"), max_length=100, blank=True, help_text=_("e.g. every second Tuesday")
    )
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("chair"))  # fmt: skip

    class Meta:
        ordering = ["municipality", "title", "id"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(condition=Q(project__isnull=True) | Q(programme__isnull=True),
                                   name="series_project_or_programme"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("minutes in draft")
        APPROVED = "approved", _("approved")
        SUPERSEDED = "superseded", _("corrected by a later version")

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveSmallIntegerField(default=1)
    corrects = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="correction")  # fmt: skip
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    attendees = models.TextField(_("attendees"), max_length=2000, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip

    class Meta:
        ordering = ["series", "-held_on", "-version"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.series} {self.held_on} v{self.version}"

    @property
    def fixed(self) -> bool:
        return self.status != self.Status.DRAFT


class Section(models.TextChoices):
    STRATEGIC = "strategic", _("strategic")
    OPERATIVE = "operative", _("operative")


class AgendaItem(models.Model):
    class Source(models.TextChoices):
        ACTION = "action", _("open action item")
        RISK = "risk", _("risk due for review")
        REPORT = "report", _("red status report")
        MILESTONE = "milestone", _("milestone due")
        MANUAL = "manual", _("added by hand")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    source_id = models.BigIntegerField(null=True, blank=True)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("topic"), max_length=300)
    note = models.TextField(_("minutes on this topic"), max_length=5000, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "section", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=3000)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions",
                                verbose_name=_("project"))  # fmt: skip

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:60]


class ActionItem(models.Model):
    """A task the meeting gave someone; it stays open on later agendas until done, and may
    flow into the project's backlog or plan."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions",
                                verbose_name=_("project"))  # fmt: skip
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))  # fmt: skip
    due_on = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    backlog_item = models.ForeignKey("steering.BacklogItem", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    package = models.ForeignKey("steering.WorkPackage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")  # fmt: skip

    class Meta:
        ordering = ["done", "due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["done", "due_on"])]

    def __str__(self) -> str:
        return self.title
