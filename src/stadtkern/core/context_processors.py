from django.urls import translate_url
from django.utils.functional import SimpleLazyObject

from . import selectors
from .models import Municipality


def site(request):
    """Add the language switch links and the municipality switcher to every page."""
    path = request.get_full_path()
    return {
        "url_de": translate_url(path, "de"),
        "url_en": translate_url(path, "en"),
        "all_municipalities": Municipality.objects.only("name", "slug"),
        # outside any municipality the switcher starts at the member's own (looked up
        # only on such pages)
        "home_slug": SimpleLazyObject(lambda: _home_slug(request.user)),
    }


def _home_slug(user) -> str:
    own = selectors.home_municipality(user)
    return own.slug if own else ""
