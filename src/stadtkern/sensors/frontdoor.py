"""The sensors' part of the start page and the search (core/frontdoor.py)."""

from django.urls import reverse

from stadtkern.core import frontdoor

from .entities import TYPES
from .selectors import Caller, visible


def _streams(request):
    caller = Caller.of(request, None)
    return visible(TYPES["Datastream"], caller).select_related("municipality", "thing")


def _item(ds):
    url = reverse("sensors:datastream", kwargs={"slug": ds.municipality.slug, "pk": ds.pk})
    return url


def newest(request, limit):
    return [
        frontdoor.Item(
            ds.municipality_id, ds.name, _item(ds), ds.phenomenon_time_end, ds.thing.name
        )  # fmt: skip
        for ds in _streams(request).order_by("-pk")[:limit]
    ]


def search(request, query, limit):
    found = _streams(request).filter(frontdoor.words_match(["name", "description"], query))
    return [
        frontdoor.Hit(ds.municipality_id, ds.name, _item(ds), ds.description)
        for ds in found.order_by("municipality__name", "name")[:limit]
    ]
