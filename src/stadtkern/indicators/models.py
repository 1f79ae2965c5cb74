"""Indicators: what a municipality measures, from which source, against which target.

An indicator belongs to one municipality; its ``key`` is the key of the template it was
adopted from (``catalogue.yaml``), which is what makes the same indicator comparable
across municipalities. Its values are computed by jobs (``compute.py``) or entered by
editors, each with its provenance; the last good values stay when a computation fails.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality
from stadtkern.strategy.models import Goal, Measure, SdgTarget

KEY_RE = r"^[a-z][a-z0-9_]{1,62}$"
validate_key = RegexValidator(
    KEY_RE, _("Lower-case letters, digits and underscores, starting with a letter.")
)


class Direction(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class Level(models.TextChoices):
    MUNICIPALITY = "municipality", _("the whole municipality")
    DISTRICT = "district", _("per district")


class SourceKind(models.TextChoices):
    QUERY = "query", _("saved query of the data platform")
    SENSOR = "sensor", _("sensor aggregation")
    SURVEY = "survey", _("survey or pulse check")
    MANUAL = "manual", _("entered or imported values")
    STATISTICS = "statistics", _("official statistics (GENESIS / Regionaldatenbank)")


class SensorInterval(models.TextChoices):
    DAY = "1d", _("day")
    MONTH = "1mo", _("month")
    YEAR = "1y", _("year")


class SensorFunction(models.TextChoices):
    AVG = "avg", _("mean")
    # The sum per day, averaged over the days of the period that have observations:
    # daily footfall as a monthly or yearly mean, free of the weekday's swing.
    DAY_MEAN = "daymean", _("daily sum, averaged over the period")
    MIN = "min", _("minimum")
    MAX = "max", _("maximum")
    SUM = "sum", _("sum")


class SurveyMeasure(models.TextChoices):
    AGREE = "agree", _("share agreeing (4 or 5 of 5), in percent")
    MEAN = "mean", _("mean answer")
    NPS = "nps", _("Net Promoter Score")


class Comparison(models.TextChoices):
    AS_IS = "", _("as measured")
    PER_1000 = "per_1000", _("per 1,000 inhabitants")


class Indicator(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="indicators"
    )
    key = models.CharField(_("key"), max_length=63, validators=[validate_key])
    name = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    explanation = models.TextField(_("explanation in plain words (German)"), blank=True)
    explanation_en = models.TextField(_("explanation in plain words (English)"), blank=True)
    formula = models.CharField(_("formula"), max_length=500, blank=True)
    unit = models.CharField(_("unit (German)"), max_length=40, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=1, validators=[MaxValueValidator(6)]
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    level = models.CharField(
        _("spatial level"), max_length=15, choices=Level.choices, default=Level.MUNICIPALITY
    )
    comparison = models.CharField(
        _("compared across municipalities"),
        max_length=10,
        choices=Comparison.choices,
        blank=True,
        default="",
    )
    source_hint = models.CharField(_("source hint"), max_length=500, blank=True)
    # A limit value drawn on the chart, such as the EU's 40 µg/m³ for NO2.
    limit_value = models.FloatField(_("limit value"), null=True, blank=True)
    limit_label = models.CharField(_("limit label (German)"), max_length=100, blank=True)
    limit_label_en = models.CharField(_("limit label (English)"), max_length=100, blank=True)
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="indicators", verbose_name=_("strategic goals")
    )
    sdg_targets = models.ManyToManyField(
        SdgTarget, blank=True, related_name="local_indicators", verbose_name=_("SDG targets")
    )
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are visible to members only.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    # The source: one of five kinds, with the settings of that kind.
    source = models.CharField(
        _("source"), max_length=12, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    query = models.ForeignKey(
        "data.SavedQuery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
        verbose_name=_("saved query"),
    )
    period_column = models.CharField(_("period column"), max_length=63, default="period")
    value_column = models.CharField(_("value column"), max_length=63, default="value")
    district_column = models.CharField(
        _("district column"), max_length=63, default="district", blank=True
    )
    datastream = models.ForeignKey(
        "sensors.Datastream",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
        verbose_name=_("datastream"),
    )
    sensor_interval = models.CharField(
        _("interval"), max_length=4, choices=SensorInterval.choices, default=SensorInterval.YEAR
    )
    sensor_function = models.CharField(
        _("function"), max_length=8, choices=SensorFunction.choices, default=SensorFunction.AVG
    )
    survey_series = models.SlugField(_("pulse-check series"), max_length=80, blank=True)
    survey_question = models.PositiveSmallIntegerField(
        _("question number"), default=1, validators=[MinValueValidator(1)]
    )
    survey_measure = models.CharField(
        _("measure"), max_length=6, choices=SurveyMeasure.choices, default=SurveyMeasure.AGREE
    )
    statistics_table = models.CharField(_("statistics table code"), max_length=40, blank=True)
    statistics_column = models.CharField(_("statistics value column"), max_length=120, blank=True)
    statistics_filter = models.CharField(
        _("statistics row filter"),
        max_length=300,
        blank=True,
        help_text=_("Where the table has more dimensions, e.g. 2_Auspraegung_Code=GESAMT."),
    )

    # The target: baseline and target value with dates; milestones in between.
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.FloatField(_("target value"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_text = models.CharField(_("target in words (German)"), max_length=300, blank=True)
    target_text_en = models.CharField(_("target in words (English)"), max_length=300, blank=True)
    tolerance = models.FloatField(
        _("tolerance"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("How far behind the target path a value may be and still count as on track."),
    )

    # The last computation: when, what it fingerprinted, and its error if it failed.
    computed_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=200, blank=True)
    # The datasets the saved query read last time (ids): whose new versions mean "compute".
    source_datasets = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "position", "name", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="indicator_key_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name

    @property
    def display_explanation(self) -> str:
        if get_language() == "en" and self.explanation_en:
            return self.explanation_en
        return self.explanation

    @property
    def display_unit(self) -> str:
        return self.unit_en if get_language() == "en" and self.unit_en else self.unit

    @property
    def display_target_text(self) -> str:
        return (
            self.target_text_en
            if get_language() == "en" and self.target_text_en
            else self.target_text
        )

    @property
    def display_limit_label(self) -> str:
        if get_language() == "en" and self.limit_label_en:
            return self.limit_label_en
        return self.limit_label

    @property
    def computed(self) -> bool:
        return self.source in (SourceKind.QUERY, SourceKind.SENSOR, SourceKind.SURVEY)

    @property
    def has_target(self) -> bool:
        return None not in (
            self.baseline_value,
            self.baseline_date,
            self.target_value,
            self.target_date,
        )

    def clean(self) -> None:
        errors = {}
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            errors["target_date"] = _("The target date must lie after the baseline date.")
        parts = [self.baseline_value, self.baseline_date, self.target_value, self.target_date]
        if any(p is not None for p in parts) and any(p is None for p in parts):
            errors["target_value"] = _(
                "A target needs all four: baseline value and date, target value and date."
            )
        if self.source == SourceKind.QUERY and self.query_id is None:
            errors["query"] = _("Choose the saved query that computes the values.")
        if self.source == SourceKind.SENSOR and self.datastream_id is None:
            errors["datastream"] = _("Choose the datastream whose observations are aggregated.")
        if self.source == SourceKind.SURVEY and not self.survey_series:
            errors["survey_series"] = _("Name the pulse-check series whose waves are read.")
        if self.source == SourceKind.STATISTICS and not self.statistics_column:
            errors["statistics_column"] = _("Name the value column of the statistics table.")
        if errors:
            raise ValidationError(errors)


class Milestone(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["indicator", "date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="milestone_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} on {self.date}"


class IndicatorValue(models.Model):
    """One value of one period (and district), with where it came from.

    ``period`` is written as the source gives it, normalised (``2024``, ``2024-03``,
    ``2024-Q1``, ``2024-03-15``); ``start`` and ``end`` are its first and last day.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(max_length=10)
    start = models.DateField()
    end = models.DateField()
    district = models.CharField(max_length=200, blank=True, default="")
    value = models.FloatField()
    # What the value was computed from, or who entered it from which source.
    provenance = models.JSONField(default=dict)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "end", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "district"], name="indicator_value_unique"
            )
        ]
        indexes = [models.Index(fields=["indicator", "district", "end"])]

    def __str__(self) -> str:
        return f"{self.indicator.key} {self.period} {self.district}: {self.value}"

    @property
    def display_period(self) -> str:
        from .periods import display

        return display(self.period, self.start, self.end)

    @property
    def middle(self):
        """Where charts draw the value: the middle of its period."""
        return self.start + (self.end - self.start) / 2


class Effect(models.Model):
    """What a measure should contribute to an indicator in one year, and what it did.

    Contributions are in the indicator's unit, signed as the change they make (a measure
    that lowers the vacancy rate by 1.5 points contributes -1.5).
    """

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="effects")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="effects")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    planned = models.FloatField(_("planned contribution"))
    achieved = models.FloatField(_("achieved contribution"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "measure", "year"]
        verbose_name = _("effect")
        verbose_name_plural = _("effects")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "indicator", "year"], name="effect_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} → {self.indicator} {self.year}"
