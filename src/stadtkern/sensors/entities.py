"""The SensorThings entity types: their JSON properties, navigation links and models.

One table describes the standard's model (OGC 18-088, 8.2) so that paths, $select,
$expand, $orderby, writing and the JSON form all read from the same place.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import models

# How a property is stored: a plain field, JSON, a time, or a time interval of two fields.
PLAIN, JSON, TIME, INTERVAL, RESULT = "plain", "json", "time", "interval", "result"


@dataclass(frozen=True)
class Prop:
    name: str  # as the standard names it
    field: str  # model field (for an interval: the field of its start)
    kind: str = PLAIN
    required: bool = False
    end: str | None = None  # an interval's end field


@dataclass(frozen=True)
class Nav:
    name: str
    target: str  # entity type name
    many: bool
    field: str  # the model's relation


@dataclass
class EntityType:
    name: str
    set: str
    model: type
    props: list[Prop]
    navs: list[Nav]
    prop_by_name: dict = field(init=False)
    nav_by_name: dict = field(init=False)

    def __post_init__(self):
        self.prop_by_name = {p.name: p for p in self.props}
        self.nav_by_name = {n.name: n for n in self.navs}


_NAME = Prop("name", "name", required=True)
_DESCRIPTION = Prop("description", "description", required=True)
_PROPERTIES = Prop("properties", "properties", JSON)

TYPES: dict[str, EntityType] = {
    t.name: t
    for t in [
        EntityType(
            "Thing",
            "Things",
            models.Thing,
            [_NAME, _DESCRIPTION, _PROPERTIES],
            [
                Nav("Locations", "Location", True, "locations"),
                Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
                Nav("Datastreams", "Datastream", True, "datastreams"),
            ],
        ),
        EntityType(
            "Location",
            "Locations",
            models.Location,
            [
                _NAME,
                _DESCRIPTION,
                Prop("encodingType", "encoding_type", required=True),
                Prop("location", "location", JSON, required=True),
                _PROPERTIES,
            ],
            [
                Nav("Things", "Thing", True, "things"),
                Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
            ],
        ),
        EntityType(
            "HistoricalLocation",
            "HistoricalLocations",
            models.HistoricalLocation,
            [Prop("time", "time", TIME, required=True)],
            [
                Nav("Thing", "Thing", False, "thing"),
                Nav("Locations", "Location", True, "locations"),
            ],
        ),
        EntityType(
            "Sensor",
            "Sensors",
            models.Sensor,
            [
                _NAME,
                _DESCRIPTION,
                Prop("encodingType", "encoding_type", required=True),
                Prop("metadata", "metadata", required=True),
                _PROPERTIES,
            ],
            [Nav("Datastreams", "Datastream", True, "datastreams")],
        ),
        EntityType(
            "ObservedProperty",
            "ObservedProperties",
            models.ObservedProperty,
            [_NAME, Prop("definition", "definition", required=True), _DESCRIPTION, _PROPERTIES],
            [Nav("Datastreams", "Datastream", True, "datastreams")],
        ),
        EntityType(
            "Datastream",
            "Datastreams",
            models.Datastream,
            [
                _NAME,
                _DESCRIPTION,
                Prop("unitOfMeasurement", "unit_of_measurement", JSON, required=True),
                Prop("observationType", "observation_type", required=True),
                Prop("observedArea", "observed_area", JSON),
                Prop(
                    "phenomenonTime", "phenomenon_time_start", INTERVAL, end="phenomenon_time_end"
                ),
                Prop("resultTime", "result_time_start", INTERVAL, end="result_time_end"),
                _PROPERTIES,
            ],
            [
                Nav("Thing", "Thing", False, "thing"),
                Nav("Sensor", "Sensor", False, "sensor"),
                Nav("ObservedProperty", "ObservedProperty", False, "observed_property"),
                Nav("Observations", "Observation", True, "observations"),
            ],
        ),
        EntityType(
            "Observation",
            "Observations",
            models.Observation,
            [
                Prop("phenomenonTime", "phenomenon_time", INTERVAL, end="phenomenon_time_end"),
                Prop("resultTime", "result_time", TIME),
                Prop("result", "result_number", RESULT, required=True),
                Prop("resultQuality", "result_quality", JSON),
                Prop("validTime", "valid_time_start", INTERVAL, end="valid_time_end"),
                Prop("parameters", "parameters", JSON),
            ],
            [
                Nav("Datastream", "Datastream", False, "datastream"),
                Nav("FeatureOfInterest", "FeatureOfInterest", False, "feature_of_interest"),
            ],
        ),
        EntityType(
            "FeatureOfInterest",
            "FeaturesOfInterest",
            models.FeatureOfInterest,
            [
                _NAME,
                _DESCRIPTION,
                Prop("encodingType", "encoding_type", required=True),
                Prop("feature", "feature", JSON, required=True),
                _PROPERTIES,
            ],
            [Nav("Observations", "Observation", True, "observations")],
        ),
    ]
}
BY_SET = {t.set: t for t in TYPES.values()}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def value_of(obj, prop: Prop):
    """A property's JSON value from a model instance."""
    if prop.kind == RESULT:
        return obj.result
    raw = getattr(obj, prop.field)
    if prop.kind == TIME:
        return iso(raw)
    if prop.kind == INTERVAL:
        end = getattr(obj, prop.end)
        if raw is None:
            return None
        if end is None or (end == raw and prop.field == "phenomenon_time"):
            return iso(raw)
        return f"{iso(raw)}/{iso(end)}"
    return raw


def reverse_lookup(etype: EntityType, nav: Nav) -> str:
    """Return the lookup from ``nav``'s target back to ``etype`` (e.g. Datastreams of a
    Sensor: ``sensor``; Things of a Location: ``locations``)."""
    rel = etype.model._meta.get_field(nav.field)
    return rel.related_query_name() if rel.many_to_many and not rel.auto_created else rel.field.name


# Entity types whose visibility follows their Thing, and the navigations between them
# that stay within one Thing (a visible source reaches only visible targets).
RESTRICTED = {"Thing", "Datastream", "Observation", "HistoricalLocation"}
WITHIN_ONE_THING = {
    ("Thing", "Datastream"), ("Thing", "HistoricalLocation"), ("Datastream", "Observation"),
    ("Datastream", "Thing"), ("HistoricalLocation", "Thing"), ("Observation", "Datastream"),
}  # fmt: skip


def leaves_visibility(source: EntityType, nav: Nav) -> bool:
    """True when ``nav`` reaches entities whose visibility its source does not vouch for."""
    return nav.target in RESTRICTED and (source.name, nav.target) not in WITHIN_ONE_THING
