"""What the MQTT worker announces: the topics of a created or changed entity
(OGC 18-088, 14.2.2) and its JSON, and the outbox the web process fills.

An entity is announced on its entity set (``v1.1/Observations``), on itself
(``v1.1/Observations(7)``) and on the navigation sets it belongs to
(``v1.1/Datastreams(3)/Observations``). Only entities that everyone may read are
announced: the broker has no notion of a reader's municipality.
"""

from django.conf import settings

from .entities import TYPES, EntityType
from .models import Notice
from .odata import Options
from .representation import Links, entity
from .selectors import Caller, visible

VERSION = "v1.1"


def record(changed) -> None:
    """Queue created and changed entities for the worker (when MQTT is configured)."""
    if not settings.MQTT_URL or not changed:
        return
    Notice.objects.bulk_create(
        [
            Notice(event=event, entity=etype.name, entity_id=obj.pk)
            for event, etype, obj in changed
            if event != "delete"
        ],
        batch_size=2000,
    )


def _back(target: EntityType, name: str):
    for nav in target.navs:
        if nav.many and nav.target == name:
            return nav
    return None


def topics(etype: EntityType, obj) -> list[str]:
    out = [f"{VERSION}/{etype.set}", f"{VERSION}/{etype.set}({obj.pk})"]
    for nav in etype.navs:
        if nav.many:
            continue
        parent_id = getattr(obj, f"{nav.field}_id", None)
        target = TYPES[nav.target]
        back = _back(target, etype.name)
        if parent_id is not None and back is not None:
            out.append(f"{VERSION}/{target.set}({parent_id})/{back.name}")
    if etype.name == "Location":  # many-to-many: announced under each of its Things
        out += [
            f"{VERSION}/Things({pk})/Locations" for pk in obj.things.values_list("pk", flat=True)
        ]
    return out


def links() -> Links:
    root = f"{settings.SITE_URL}/sta/v1.1/" if settings.SITE_URL else "/sta/v1.1/"
    return Links(root)


def public(etype: EntityType, ids) -> list:
    """The entities among ``ids`` that anonymous readers may see."""
    return list(visible(etype, Caller()).filter(pk__in=ids))


def messages(etype: EntityType, objs) -> list[tuple[str, dict]]:
    """(topic, JSON) pairs announcing ``objs``, which must be public."""
    base = links()
    options = Options()
    out = []
    for obj in objs:
        body = entity(obj, etype, options, base)
        out += [(topic, body) for topic in topics(etype, obj)]
    return out
