"""The strategy's part of the start page and the search (core/frontdoor.py)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core import frontdoor, rules
from stadtkern.core.selectors import municipalities_of

from .models import FieldOfAction, Goal, Measure


def _readable(request, qs):
    """Published objects everywhere; drafts only where the visitor may read them."""
    drafts = [
        m.pk for m in municipalities_of(request.user) if rules.can_view_drafts(request.user, m)
    ]
    return qs.filter(Q(published=True) | Q(municipality__in=drafts)).select_related("municipality")


def _text(obj, field: str) -> str:
    english = getattr(obj, f"{field}_en", "") if get_language() == "en" else ""
    return Truncator(english or getattr(obj, field, "") or "").chars(160)


def _search(model, url_name, text_field):
    def provider(request, query, limit):
        fields = ["title", "title_en"] + ([text_field, f"{text_field}_en"] if text_field else [])
        fields = [f for f in fields if any(x.name == f for x in model._meta.fields)]
        found = _readable(request, model.objects.filter(frontdoor.words_match(fields, query)))
        return [
            frontdoor.Hit(o.municipality_id, o.display_title,
                          reverse(url_name, kwargs={"slug": o.municipality.slug, "pk": o.pk}),
                          _text(o, text_field) if text_field else "")
            for o in found.order_by("municipality__name", "title")[:limit]
        ]  # fmt: skip

    return provider


def register() -> None:
    frontdoor.register_search(
        "goals", _("Strategic goals"), _search(Goal, "strategy:goal_detail", "description")
    )
    frontdoor.register_search(
        "fields",
        _("Fields of action"),
        _search(FieldOfAction, "strategy:field_detail", "description"),
    )
    frontdoor.register_search(
        "measures", _("Measures"), _search(Measure, "strategy:measure_detail", "summary")
    )
