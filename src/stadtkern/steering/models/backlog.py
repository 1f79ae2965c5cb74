"""The backlog of an agile or hybrid project: items in one priority order, iterations
(sprints) with a goal and dates, and the board's columns (an item's status)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .plans import WorkPackage
from .projects import Project, TeamMember


class ItemKind(models.TextChoices):
    STORY = "story", _("user story")
    TASK = "task", _("task")
    BUG = "bug", _("defect")
    SPIKE = "spike", _("spike (research)")


class Column(models.TextChoices):
    """The board's columns, left to right."""

    TODO = "todo", _("to do")
    DOING = "doing", _("in progress")
    REVIEW = "review", _("in review")
    DONE = "done", _("done")


class Iteration(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="iterations")
    name = models.CharField(_("name"), max_length=100)
    goal = models.TextField(_("iteration goal"), max_length=1000, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["project", "start", "id"]
        verbose_name = _("iteration")
        verbose_name_plural = _("iterations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="iteration_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BacklogItem(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(
        _("type"), max_length=10, choices=ItemKind.choices, default=ItemKind.STORY
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    acceptance = models.TextField(_("acceptance criteria"), max_length=5000, blank=True)
    estimate = models.PositiveSmallIntegerField(_("estimate (points)"), null=True, blank=True)
    assignee = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="items",
        verbose_name=_("assignee"),
    )  # fmt: skip
    iteration = models.ForeignKey(
        Iteration, null=True, blank=True, on_delete=models.SET_NULL, related_name="items",
        verbose_name=_("iteration"),
    )  # fmt: skip
    package = models.ForeignKey(
        WorkPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="items",
        verbose_name=_("work package"),
    )  # fmt: skip
    status = models.CharField(
        _("column"), max_length=10, choices=Column.choices, default=Column.TODO
    )
    # The priority order of the whole backlog: lower comes first. Ranks lie GAP apart
    # (services/backlog.py), so that a move writes only the moved item's row.
    rank = models.BigIntegerField(default=0)
    # Counts the item's changes: a move or edit names the version it saw, and a stale one
    # (someone else moved the item meanwhile) is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "rank", "id"]
        verbose_name = _("backlog item")
        verbose_name_plural = _("backlog items")
        indexes = [models.Index(fields=["project", "rank"]),
                   models.Index(fields=["iteration", "status", "rank"])]  # fmt: skip

    def __str__(self) -> str:
        return self.title
