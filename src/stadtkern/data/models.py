"""The urban data platform: catalogue entries (DCAT-AP.de), their imports, saved queries.

A dataset's rows do not live in a Django model: each dataset is a real table of its own
(``ds_<id>_<version>``, see datastore.py), typed and indexed, named in ``Dataset.table``.
"""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

from .vocab import FREQUENCIES, LICENSES

TITLE_MAX = 200
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
validate_dataset_slug = RegexValidator(
    SLUG_RE,
    _("Lower-case letters, digits and underscores, starting with a letter (at most 63)."),
)


class Access(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal (members only)")


class Dataset(models.Model):
    """A catalogue entry with DCAT-AP.de metadata and, once imported, a datastore table."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="datasets"
    )
    # Also the table name in SQL queries, hence an SQL identifier rather than a URL slug.
    slug = models.CharField(_("name"), max_length=63, validators=[validate_dataset_slug])
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    access = models.CharField(
        _("access"), max_length=10, choices=Access.choices, default=Access.PUBLIC
    )
    license = models.CharField(
        _("licence"), max_length=40, choices=LICENSES, default="dl-by-de/2.0"
    )
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    contact_name = models.CharField(_("contact point"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    frequency = models.CharField(
        _("update frequency"), max_length=10, choices=FREQUENCIES, default="UNKNOWN"
    )
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers until"), null=True, blank=True)
    source_url = models.URLField(_("source"), blank=True)
    # Drawn under every map of the municipality that has no base map: its district
    # outlines as context (core/maps.py). Only public datasets are drawn.
    outlines = models.BooleanField(
        _("district outlines"),
        default=False,
        help_text=_("Draw this dataset's areas as context on the municipality's maps."),
    )
    issued = models.DateTimeField(_("issued"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    # The datastore side, written by imports only.
    table = models.CharField(max_length=63, blank=True)
    version = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list, blank=True)  # [{name, title, type}]
    row_count = models.BigIntegerField(default=0)
    geometry_type = models.CharField(max_length=30, blank=True)
    bbox = models.JSONField(null=True, blank=True)  # [minx, miny, maxx, maxy] in EPSG:4326
    source_crs = models.CharField(max_length=40, blank=True)
    key = models.CharField(max_length=63, blank=True)  # unique key column, set by upserts
    indexed = models.JSONField(default=list, blank=True)  # columns with an index

    class Meta:
        ordering = ["municipality", "title"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="dataset_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(temporal_end__isnull=True)
                | models.Q(temporal_start__isnull=True)
                | models.Q(temporal_end__gte=models.F("temporal_start")),
                name="dataset_temporal_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title

    @property
    def display_description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description

    @property
    def is_public(self) -> bool:
        return self.access == Access.PUBLIC

    @property
    def has_geometry(self) -> bool:
        return bool(self.geometry_type)

    @property
    def qualified_name(self) -> str:
        """The name under which other municipalities' SQL reaches this dataset."""
        return f"{self.municipality.slug.replace('-', '_')}.{self.slug}"

    def column(self, name: str) -> dict | None:
        return next((c for c in self.columns if c["name"] == name), None)

    @property
    def time_column(self) -> str | None:
        return next((c["name"] for c in self.columns if c["type"] in ("timestamp", "date")), None)


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("preview")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed")


class ImportMode(models.TextChoices):
    REPLACE = "replace", _("replace all rows")
    APPEND = "append", _("append rows")
    UPSERT = "upsert", _("update or insert by key")


class ImportRun(models.Model):
    """One attempt to load a file into a dataset, with its provenance and row accounting.

    A committed run is a version of the dataset; a failed run leaves the previous version
    as it was. ``rows_in == rows_imported + rows_rejected`` always holds.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="imports")
    version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    mode = models.CharField(max_length=10, choices=ImportMode.choices, default="replace")
    key = models.CharField(max_length=63, blank=True)
    on_error = models.CharField(max_length=10, default="skip")  # skip | abort
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_file = models.CharField(max_length=255, blank=True)  # kept for preview -> commit
    format = models.CharField(max_length=10)
    encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    sheet = models.CharField(max_length=200, blank=True)
    source_crs = models.CharField(max_length=40, blank=True)
    options = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    rows_in = models.BigIntegerField(default=0)
    rows_imported = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    # The first rejected rows: line, column, value, reason.
    errors = models.JSONField(default=list, blank=True)
    sample = models.JSONField(default=list, blank=True)  # a preview's first rows, as read
    message = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.dataset} · {self.file_name} · {self.status}"


class SavedQuery(models.Model):
    """An SQL query over the datastore kept for re-use, such as vacancy per district."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="saved_queries"
    )
    slug = models.CharField(_("name"), max_length=63, validators=[validate_dataset_slug])
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), blank=True)
    sql = models.TextField(_("SQL"))
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "title"]
        verbose_name = _("saved query")
        verbose_name_plural = _("saved queries")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="saved_query_slug_unique")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title
