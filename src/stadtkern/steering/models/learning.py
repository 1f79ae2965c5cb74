"""Quality and learning: a template library every municipality on the instance shares,
lessons learned per project (shared across the instance when the team says so), and a
continuous-improvement log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality
from stadtkern.strategy.models import FieldOfAction

from .projects import Project


class TemplateKind(models.TextChoices):
    CHARTER = "charter", _("project charter")
    STATUS_REPORT = "status_report", _("status report")
    LESSONS = "lessons", _("lessons-learned form")
    OTHER = "other", _("other")


class DocumentTemplate(models.Model):
    kind = models.CharField(_("kind"), max_length=15, choices=TemplateKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    added_by = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("added by"))  # fmt: skip
    key = models.SlugField(max_length=60, unique=True, null=True, blank=True)  # shipped ones
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title", "id"]
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    worked = models.TextField(_("what worked"), max_length=5000, blank=True)
    did_not = models.TextField(_("what did not work"), max_length=5000, blank=True)
    recommendation = models.TextField(_("recommendation"), max_length=5000)
    fields_of_action = models.ManyToManyField(FieldOfAction, blank=True, related_name="lessons",
                                              verbose_name=_("fields of action"))  # fmt: skip
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("comma-separated"))
    shared = models.BooleanField(_("shared with every municipality on the instance"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")

    def __str__(self) -> str:
        return self.title


class ImprovementStatus(models.TextChoices):
    OPEN = "open", _("open")
    DOING = "doing", _("in progress")
    DONE = "done", _("done")


class Improvement(models.Model):
    """One entry of the continuous-improvement log: what was observed, what is done about
    it, by whom, and whether it worked."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="improvements"
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="improvements",
                                verbose_name=_("project"))  # fmt: skip
    observed = models.TextField(_("what we observed"), max_length=3000)
    action = models.TextField(_("what we change"), max_length=3000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=ImprovementStatus.choices,
                              default=ImprovementStatus.OPEN)  # fmt: skip
    result = models.TextField(_("what came of it"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        verbose_name = _("improvement")
        verbose_name_plural = _("continuous-improvement log")

    def __str__(self) -> str:
        return self.observed[:60]
