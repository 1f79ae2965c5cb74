"""Addresses: the web UI in German at / and in English at /en/, the JSON API at /api/v1/."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
]
urlpatterns += i18n_patterns(
    path("", include("stadtkern.core.urls")),
    path("m/<slug:slug>/", include("stadtkern.strategy.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler404 = "stadtkern.core.views.not_found"
handler500 = "stadtkern.core.views.server_error"
