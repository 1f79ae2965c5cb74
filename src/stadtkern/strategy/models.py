"""The strategy house: vision, values, goals, fields of action, measures, and the SDG catalogue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

TITLE_MAX = 200


# --- SDG catalogue (shared by every municipality, loaded by a data migration) ---


class SdgGoal(models.Model):
    number = models.PositiveSmallIntegerField(primary_key=True)
    short_de = models.CharField(max_length=100)
    short_en = models.CharField(max_length=100)
    title_de = models.TextField()
    title_en = models.TextField()

    class Meta:
        ordering = ["number"]
        verbose_name = _("SDG")
        verbose_name_plural = _("SDGs")

    def __str__(self) -> str:
        return f"SDG {self.number}: {self.short}"

    @property
    def short(self) -> str:
        return self.short_en if get_language() == "en" else self.short_de

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_de


class SdgTarget(models.Model):
    code = models.CharField(max_length=8, primary_key=True)  # "11.1", "11.a"
    goal = models.ForeignKey(SdgGoal, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField()  # sorts 11.2 before 11.10 and 11.a
    title_de = models.TextField()
    title_en = models.TextField()

    class Meta:
        ordering = ["goal", "position"]
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_de


class SdgIndicator(models.Model):
    code = models.CharField(max_length=12, primary_key=True)  # "11.1.1"
    target = models.ForeignKey(SdgTarget, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField()
    title_de = models.TextField()
    title_en = models.TextField()

    class Meta:
        ordering = ["target", "position"]
        verbose_name = _("SDG indicator")
        verbose_name_plural = _("SDG indicators")

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" else self.title_de


# --- A municipality's strategy ---


class StrategyObject(models.Model):
    """Common shape: owned by one municipality, bilingual title, draft until published."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title (German)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are visible to members only.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """Return the English title on English pages when there is one."""
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title

    @property
    def display_description(self) -> str:
        english = getattr(self, "description_en", "")
        return english if get_language() == "en" and english else getattr(self, "description", "")


class Value(StrategyObject):
    """A guiding value of the strategy, e.g. partizipativ, nachhaltig, inklusiv."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="values")
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["municipality", "position", "id"]
        verbose_name = _("value")
        verbose_name_plural = _("values")


class Priority(models.IntegerChoices):
    HIGH = 1, _("high")
    MEDIUM = 2, _("medium")
    LOW = 3, _("low")


class Goal(StrategyObject):
    """A strategic goal, tied to SDG targets."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    sdg_targets = models.ManyToManyField(
        SdgTarget, blank=True, related_name="goals", verbose_name=_("SDG targets")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["municipality", "priority", "position", "id"]
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")


class FieldOfAction(StrategyObject):
    """A Handlungsfeld such as Mobilität or Verwaltung."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="fields_of_action"
    )
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["municipality", "position", "id"]
        verbose_name = _("field of action")
        verbose_name_plural = _("fields of action")


class UserGroup(StrategyObject):
    """A group of people a measure brings value to: citizens, businesses, the administration..."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="user_groups"
    )
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["municipality", "position", "id"]
        verbose_name = _("user group")
        verbose_name_plural = _("user groups")


class Tag(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class MeasureStatus(models.TextChoices):
    IDEA = "idea", _("idea")
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    STOPPED = "stopped", _("stopped")


class Measure(StrategyObject):
    """A measure or project that serves goals within fields of action."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="measures"
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    fields_of_action = models.ManyToManyField(
        FieldOfAction, blank=True, related_name="measures", verbose_name=_("fields of action")
    )
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="measures", verbose_name=_("goals")
    )
    sdg_targets = models.ManyToManyField(
        SdgTarget, blank=True, related_name="measures", verbose_name=_("SDG targets")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.IDEA
    )
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    estimated_cost = models.DecimalField(
        _("estimated cost (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(999_999_999_999)],
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="measures", verbose_name=_("tags"))

    class Meta:
        ordering = ["municipality", "title", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["municipality", "published", "title"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=F("start")),
                name="measure_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="measure_cost_not_negative",
            ),
        ]

    @property
    def display_summary(self) -> str:
        return self.summary_en if get_language() == "en" and self.summary_en else self.summary

    @property
    def overdue(self) -> bool:
        """Its period has ended while it is still said to be in progress."""
        from django.utils import timezone

        return (
            self.status == MeasureStatus.IN_PROGRESS
            and self.end is not None
            and self.end < timezone.localdate()
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end lies before the start.")})


class Benefit(models.Model):
    """The value a measure brings to one user group."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="benefits")
    user_group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="benefits")
    value = models.TextField(_("value for this group"), max_length=2000)
    value_en = models.TextField(_("value for this group (English)"), max_length=2000, blank=True)

    class Meta:
        ordering = ["user_group__position", "user_group_id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "user_group"], name="benefit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_group}: {self.value[:50]}"

    @property
    def display_value(self) -> str:
        return self.value_en if get_language() == "en" and self.value_en else self.value


class VisionVersion(models.Model):
    """One version of a municipality's vision; the newest published one is shown."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="vision_versions"
    )
    version = models.PositiveIntegerField()
    text = models.TextField(_("vision (German)"), max_length=10000)
    text_en = models.TextField(_("vision (English)"), max_length=10000, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "version"], name="vision_version_unique"
            ),
        ]
        verbose_name = _("vision")
        verbose_name_plural = _("vision versions")

    def __str__(self) -> str:
        return f"{self.municipality} v{self.version}"

    @property
    def title(self) -> str:
        return f"Vision v{self.version}"

    @property
    def display_text(self) -> str:
        if get_language() == "en" and self.text_en:
            return self.text_en
        return self.text


class Attachment(models.Model):
    """A document on a goal or measure: a council decision, a report, a graphic recording.
    PDFs are kept as sent and served as downloads; pictures are re-encoded without their
    metadata. Visible where the object is."""

    KINDS = {
        "application/pdf": "pdf",
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/webp": "webp",
    }

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="attachments"
    )
    object_type = models.CharField(max_length=20)  # "goal" or "measure"
    object_id = models.BigIntegerField()
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    data = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["municipality", "object_type", "object_id"])]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
