"""Addresses: the web UI in German at / and in English at /en/, the JSON API at /api/v1/,
the DCAT-AP.de catalogue at /catalog.ttl|jsonld|rdf and OGC API Features at /ogcapi/ and the
SensorThings API at /sta/v1.1/."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from .api import api
from .data import views as data_views
from .sensors import views as sensor_views
from .steering import calendar_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("catalog.<str:fmt>", data_views.catalog_file, name="dcat_catalog"),
    path("ogcapi/", include("stadtkern.data.ogcapi_urls")),
    path("sta/v1.1/", sensor_views.service, name="sta_root"),
    path("sta/v1.1/<path:rest>", sensor_views.service, name="sta"),
    path("calendar/<str:secret>.ics", calendar_views.personal_feed, name="personal_calendar"),
]
urlpatterns += i18n_patterns(
    path("", include("stadtkern.core.urls")),
    path("data/", data_views.catalogue, name="data_catalogue"),
    path("indicators/", include("stadtkern.indicators.comparison_urls")),
    # Before the strategy pages, whose "<kind>/new/" would also match "data/new/".
    path("m/<slug:slug>/data/", include("stadtkern.data.urls")),
    path("m/<slug:slug>/sensors/", include("stadtkern.sensors.urls")),
    path("m/<slug:slug>/participation/", include("stadtkern.participation.urls")),
    path("m/<slug:slug>/cockpit/", include("stadtkern.indicators.urls")),
    path("m/<slug:slug>/steering/", include("stadtkern.steering.urls")),
    path("m/<slug:slug>/", include("stadtkern.strategy.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler404 = "stadtkern.core.views.not_found"
handler500 = "stadtkern.core.views.server_error"
