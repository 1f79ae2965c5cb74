"""What the MQTT worker announces: the topics of a created or changed entity
(OGC 18-088, 14.2.2) and its JSON, and the outbox the web process fills.

An entity is announced on its entity set (``v1.1/Observations``), on itself
(``v1.1/Observations(7)``) and on the navigation sets it belongs to
(``v1.1/Datastreams(3)/Observations``). Only entities that everyone may read are
announced: the broker has no notion of a reader's municipality.
"""

import json

from django.conf import settings

from .entities import TYPES, EntityType, iso
from .models import Notice
from .odata import Options
from .representation import Links, entity, whole
from .selectors import Caller, visible

VERSION = "v1.1"


def record(changed) -> None:
    """Queue created and changed entities for the worker (when MQTT is configured)."""
    if not settings.MQTT_URL or not changed:
        return
    notes = []
    for event, etype, obj in changed:
        if event == "delete":
            continue
        if isinstance(obj, list):  # ids of a bulk write
            if obj:
                notes.append(
                    Notice(event=event, entity=etype.name, entity_id=obj[0], more_ids=obj[1:])
                )
        else:
            notes.append(Notice(event=event, entity=etype.name, entity_id=obj.pk))
    Notice.objects.bulk_create(notes, batch_size=2000)


def ids_of(notice: Notice) -> list[int]:
    return [notice.entity_id, *(notice.more_ids or ())]


def _back(target: EntityType, name: str):
    for nav in target.navs:
        if nav.many and nav.target == name:
            return nav
    return None


def topics(etype: EntityType, obj, created: bool = False) -> list[str]:
    """The topics announcing ``obj``; a new entity's own topic is left out, as no one
    can have subscribed to an id that did not exist."""
    out = (
        [f"{VERSION}/{etype.set}"]
        if created
        else [f"{VERSION}/{etype.set}", f"{VERSION}/{etype.set}({obj.pk})"]
    )
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


def messages(etype: EntityType, objs, created: bool = False) -> list[tuple[dict, list[str]]]:
    """(JSON, topics) announcing each of ``objs``, which must be public."""
    base = links()
    options = Options()
    return [(entity(obj, etype, options, base), topics(etype, obj, created)) for obj in objs]


def public_datastreams(ids) -> set[int]:
    return set(
        visible(TYPES["Datastream"], Caller()).filter(pk__in=set(ids)).values_list("pk", flat=True)
    )


def observation_messages(stored: list[tuple[int, tuple]]) -> list[tuple[str, list[str]]]:
    """(JSON text, topics) for new Observations given as ``(id, row)`` of
    insert_observations, built from the rows without reading them back."""
    root = links().root
    shown = public_datastreams(row[0] for _pk, row in stored)
    out = []
    for pk, r in stored:
        ds, foi = r[0], r[1]
        if ds not in shown:
            continue
        body = {
            "@iot.id": pk,
            "@iot.selfLink": f"{root}Observations({pk})",
            "phenomenonTime": _span(r[2], r[3]),
            "resultTime": iso(r[4]),
            "result": whole(r[5]) if r[6] is None else r[6],
            "resultQuality": r[7],
            "validTime": _span(r[8], r[9]),
            "parameters": r[10],
            "Datastream@iot.navigationLink": f"{root}Observations({pk})/Datastream",
            "FeatureOfInterest@iot.navigationLink": f"{root}Observations({pk})/FeatureOfInterest",
        }
        topics = [f"{VERSION}/Observations", f"{VERSION}/Datastreams({ds})/Observations",
                  f"{VERSION}/FeaturesOfInterest({foi})/Observations"]  # fmt: skip
        out.append((json.dumps(body, ensure_ascii=False), topics))
    return out


def _span(start, end):
    if start is None:
        return None
    return iso(start) if end is None else f"{iso(start)}/{iso(end)}"
