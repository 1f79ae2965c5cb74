from django.urls import translate_url

from .models import Municipality


def site(request):
    """Add the language switch links and the municipality switcher to every page."""
    path = request.get_full_path()
    return {
        "url_de": translate_url(path, "de"),
        "url_en": translate_url(path, "en"),
        "all_municipalities": Municipality.objects.only("name", "slug"),
    }
