"""The SensorThings API 1.1 data model, each entity belonging to one municipality.

Entity and field names follow the standard (OGC 18-088, section 8.2): a Thing has
Locations (their past in HistoricalLocations) and Datastreams; a Datastream joins a
Sensor and an ObservedProperty and holds Observations, each of a FeatureOfInterest.

Observations are the one big table. A result is stored as a number when it is one
(``result_number``, what aggregation reads) and as JSON otherwise; time intervals are
two columns (start, end), an instant has no end. ``(datastream, phenomenon_time)`` is
the index every observation query of a datastream uses, and the latest observation of
each datastream (``latest``, with its time and result) and their number (``observation_count``) are kept on the
datastream itself, updated with every write, so that "the latest value of every
datastream" is one read of Datastreams and an unfiltered count a sum.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stadtkern.core.models import Municipality

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
OBSERVATION_TYPES = {
    OM + "OM_Measurement": "number",
    OM + "OM_CountObservation": "integer",
    OM + "OM_CategoryObservation": "string",
    OM + "OM_TruthObservation": "boolean",
    OM + "OM_Observation": "any",
}
GEOJSON = "application/geo+json"
ENCODING_TYPES = (GEOJSON, "application/vnd.geo+json", "application/json", "application/pdf",
                  "http://www.opengis.net/doc/IS/SensorML/2.0", "text/html", "text/plain")  # fmt: skip


class Owned(models.Model):
    """What every entity has: its municipality and its free-form properties."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    properties = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Thing(Owned):
    public = models.BooleanField(_("public"), default=True)
    locations = models.ManyToManyField("Location", related_name="things", blank=True)

    class Meta:
        verbose_name = _("thing")
        verbose_name_plural = _("things")


class Location(Owned):
    encoding_type = models.CharField(max_length=100, default=GEOJSON)
    location = models.JSONField()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")


class HistoricalLocation(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="historical_locations")
    time = models.DateTimeField()
    locations = models.ManyToManyField(Location, related_name="historical_locations", blank=True)

    class Meta:
        ordering = ["-time"]
        verbose_name = _("historical location")
        verbose_name_plural = _("historical locations")

    def __str__(self) -> str:
        return f"{self.thing_id} @ {self.time}"


class Sensor(Owned):
    encoding_type = models.CharField(max_length=100, default="application/pdf")
    metadata = models.TextField(blank=True)

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")


class ObservedProperty(Owned):
    definition = models.CharField(max_length=500)

    class Meta:
        verbose_name = _("observed property")
        verbose_name_plural = _("observed properties")


class FeatureOfInterest(Owned):
    encoding_type = models.CharField(max_length=100, default=GEOJSON)
    feature = models.JSONField()
    # Set when the feature was made from a Thing's Location for Observations naming none.
    from_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("feature of interest")
        verbose_name_plural = _("features of interest")


class Datastream(Owned):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="datastreams")
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.CASCADE, related_name="datastreams"
    )
    observation_type = models.CharField(max_length=200, default=OM + "OM_Measurement")
    unit_of_measurement = models.JSONField(default=dict)
    observed_area = models.JSONField(null=True, blank=True)
    # The span of the observations' times, kept up to date with every write.
    phenomenon_time_start = models.DateTimeField(null=True, blank=True)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time_start = models.DateTimeField(null=True, blank=True)
    result_time_end = models.DateTimeField(null=True, blank=True)
    # The latest observation by phenomenon time (see the module's docstring), with its
    # time and result, so that the latest values of all datastreams are one read of this
    # table and no look-up in the big one.
    latest = models.ForeignKey(
        "Observation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_time = models.DateTimeField(null=True, blank=True)
    latest_result_number = models.FloatField(null=True, blank=True)
    latest_result_json = models.JSONField(null=True, blank=True)
    # How many observations it holds, kept with every write, so that $count of
    # Observations without a filter is a sum over datastreams, not a scan.
    observation_count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("datastream")
        verbose_name_plural = _("datastreams")


class Observation(models.Model):
    # Neither reference is a database constraint: the database would check each row on
    # its own (two lookups per observation, a third of a bulk write's time), where the
    # writer checks the few datastreams and features of a whole write at once and holds
    # them with the lock the constraint would take (services.insert_observations), and
    # deleting them locks them first (services.delete_entity), so no observation is left
    # without its datastream or feature. Both are served by the indexes below.
    datastream = models.ForeignKey(
        Datastream,
        on_delete=models.CASCADE,
        related_name="observations",
        db_constraint=False,
        db_index=False,
    )
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest,
        on_delete=models.CASCADE,
        related_name="observations",
        db_constraint=False,
        db_index=False,
    )
    phenomenon_time = models.DateTimeField()
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time = models.DateTimeField(null=True, blank=True)
    result_number = models.FloatField(null=True, blank=True)
    result_json = models.JSONField(null=True, blank=True)
    result_quality = models.JSONField(null=True, blank=True)
    valid_time_start = models.DateTimeField(null=True, blank=True)
    valid_time_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["datastream", "phenomenon_time", "id"], name="obs_ds_time"),
            models.Index(fields=["feature_of_interest"], name="obs_foi"),
        ]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")

    def __str__(self) -> str:
        return f"{self.datastream_id} @ {self.phenomenon_time}"

    @property
    def result(self):
        return self.result_number if self.result_json is None else self.result_json


class MachineToken(models.Model):
    """A token for sensors and gateways: writes into one municipality, optionally only
    into given datastreams. Only a hash of the secret is stored; revocable."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="machine_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    # The same secret as Mosquitto's password files hash it (PBKDF2-SHA512), so that the
    # broker checks MQTT logins itself (see stadtkern.sensors.broker).
    mqtt_hash = models.CharField(max_length=200, blank=True)
    datastreams = models.ManyToManyField(Datastream, related_name="tokens", blank=True)
    # Limited to its datastreams, however many of them are left: a token whose last
    # datastream was deleted writes nothing, rather than into the whole municipality.
    limited = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("machine token")
        verbose_name_plural = _("machine tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notice(models.Model):
    """A created or changed entity waiting to be published on MQTT by the worker (an
    outbox: written in the same transaction as the change, so none is lost)."""

    event = models.CharField(max_length=10)  # create, update
    entity = models.CharField(max_length=30)  # entity type name, e.g. Observation
    entity_id = models.BigIntegerField()
    # Further entities of the same kind and event, when a bulk write created many at once
    # (a CreateObservations request): one notice instead of one per observation.
    more_ids = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event} {self.entity}({self.entity_id})"


class DeadLetter(models.Model):
    """An MQTT message the worker could not store, kept with its reason: it was
    acknowledged (never retried forever), and nothing of it is lost from sight."""

    KEEP = 4096  # bytes of the payload kept; ``size`` says how long it was

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    topic = models.CharField(max_length=500)
    payload = models.BinaryField()
    size = models.PositiveIntegerField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.topic}: {self.reason[:60]}"
