"""Municipalities (the tenants), users, memberships, API tokens and the audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .maps import ATTRIBUTION_MAX, validate_tile_url
from .validators import validate_ags


class User(AbstractUser):
    """A person who logs in. Site staff (``is_staff``) may act in every municipality."""

    # The language of the pages this person last read: mails to them (reminders) speak it.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Bundesland(models.TextChoices):
    # The value is the Land's two-digit key, the first two digits of every AGS.
    SH = "01", "Schleswig-Holstein"
    HH = "02", "Hamburg"
    NI = "03", "Niedersachsen"
    HB = "04", "Bremen"
    NW = "05", "Nordrhein-Westfalen"
    HE = "06", "Hessen"
    RP = "07", "Rheinland-Pfalz"
    BW = "08", "Baden-Württemberg"
    BY = "09", "Bayern"
    SL = "10", "Saarland"
    BE = "11", "Berlin"
    BB = "12", "Brandenburg"
    MV = "13", "Mecklenburg-Vorpommern"
    SN = "14", "Sachsen"
    ST = "15", "Sachsen-Anhalt"
    TH = "16", "Thüringen"


class MunicipalityKind(models.TextChoices):
    STADT = "stadt", _("City (Stadt)")
    GEMEINDE = "gemeinde", _("Municipality (Gemeinde)")
    LANDKREIS = "landkreis", _("District (Landkreis)")
    VERBUND = "verbund", _("Association (Verbund)")


class Municipality(models.Model):
    """A tenant: a Stadt, Gemeinde, Landkreis or Verbund with its own strategy and data."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    ags = models.CharField(
        _("AGS (official municipality key)"),
        max_length=8,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_ags],
        help_text=_("Eight digits, e.g. 05170024; may stay empty only for an association."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MunicipalityKind.choices)
    state = models.CharField(_("federal state"), max_length=2, choices=Bundesland.choices)
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # What per-inhabitant comparisons divide by (indicators/comparison.py), with its origin.
    population_year = models.PositiveSmallIntegerField(
        _("population as of year"), null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    population_source = models.CharField(_("population source"), max_length=200, blank=True)
    # The base map of the municipality's maps (core/maps.py): off unless chosen, since each
    # tile a visitor loads tells the tile server about the visit.
    map_tile_url = models.CharField(
        _("base map tiles"),
        max_length=500,
        blank=True,
        validators=[validate_tile_url],
        help_text=_(
            "An XYZ address with {z}, {x} and {y}, or a WMTS RESTful address with "
            "{TileMatrix}, {TileRow} and {TileCol}. Empty: no base map."
        ),  # fmt: skip
    )
    map_tile_attribution = models.CharField(
        _("base map attribution"), max_length=ATTRIBUTION_MAX, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="verbund") | Q(ags__isnull=False),
                name="municipality_ags_required_unless_verbund",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not self.ags and self.kind != MunicipalityKind.VERBUND:
            errors["ags"] = _("An AGS is required for a Stadt, Gemeinde or Landkreis.")
        if self.ags and self.state and not self.ags.startswith(self.state):
            errors["ags"] = _(
                "The AGS %(ags)s does not lie in %(state)s (it must start with %(code)s)."
            ) % {
                "ags": self.ags,
                "state": self.get_state_display(),
                "code": self.state,
            }
        if self.ags and self.kind == MunicipalityKind.LANDKREIS and not self.ags.endswith("000"):
            errors["ags"] = _("The AGS of a Landkreis ends with 000.")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    # Moderates participation (hides posts with a published reason); no strategy rights.
    MODERATOR = "moderator", _("Moderator")


class Membership(models.Model):
    """The role a user holds in one municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("account"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="membership_unique"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"


class ApiToken(models.Model):
    """A personal, revocable token for scripts; only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """One change to a strategy object: who, when, what it looked like before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    # Empty for what the whole instance shares (shipped funding programmes and templates).
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    object_label = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} {self.action}"

    def changes(self) -> list[tuple[str, object, object]]:
        """Return (field, before, after) for every field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class Attempt(models.Model):
    """Attempts counted under a hashed key until ``expires_at`` (core/throttle.py)."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.count} attempts until {self.expires_at}"


class Invitation(models.Model):
    """An invitation by e-mail to join a municipality in a role; the link in the mail
    carries a one-time secret of which only the hash is stored."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def open(self) -> bool:
        from django.utils import timezone

        return (
            self.accepted_at is None
            and self.withdrawn_at is None
            and self.expires_at > timezone.now()
        )


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """Long work (an import, an indicator's computation) done by ``stadtkern worker``.

    The queue itself is django-tasks' database backend; this row is what people see:
    what runs for which municipality, who started it, how far it is and how it ended
    (core/jobs.py). Progress while running lives in a small file beside it, since a job
    that works inside one transaction could not make a row change visible.
    """

    kind = models.CharField(max_length=40)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class PageVersion(models.Model):
    """One row: when the data pages show last changed (microseconds since 1970). The
    cache of visitors' pages keys on it (core/pagecache.py)."""

    changed_us = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")

    def __str__(self) -> str:
        return str(self.changed_us)
