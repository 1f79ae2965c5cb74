"""The data platform's part of the start page and the search (core/frontdoor.py)."""

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from stadtkern.core import frontdoor

from .models import Access, Dataset
from .selectors import datasets_visible


def _url(d: Dataset) -> str:
    return reverse("data:dataset", kwargs={"slug": d.municipality.slug, "name": d.slug})


def newest(request, limit):
    # The start page shows what everyone may see: public datasets only.
    found = Dataset.objects.filter(access=Access.PUBLIC).select_related("municipality")
    return [
        frontdoor.Item(d.municipality_id, d.display_title, _url(d), d.issued)
        for d in found.order_by("-issued", "-pk")[:limit]
    ]


def search(request, query, limit):
    fields = ["title", "title_en", "description", "description_en", "slug"]
    found = datasets_visible(request.user).filter(frontdoor.words_match(fields, query))
    hits = []
    for d in found.order_by("municipality__name", "title")[: limit * 2]:
        hits.append(frontdoor.Hit(d.municipality_id, d.display_title, _url(d),
                                  Truncator(d.display_description).chars(160)))  # fmt: skip
    # Keywords are a JSON list: matched here, on the few rows the words did not find.
    if len(hits) < limit:
        words = [w.lower() for w in query.split()]
        seen = {h.url for h in hits}
        for d in datasets_visible(request.user).exclude(keywords=[])[:2000]:
            text = " ".join(d.keywords).lower()
            if all(w in text for w in words) and _url(d) not in seen:
                hits.append(frontdoor.Hit(d.municipality_id, d.display_title, _url(d),
                                          ", ".join(d.keywords)[:160]))  # fmt: skip
    return hits[:limit]


def register() -> None:
    frontdoor.register_news("datasets", _("Newest datasets"), newest)
    frontdoor.register_search("datasets", _("Datasets"), search)
