"""OGC API Features addresses under /ogcapi/."""

from django.urls import path

from . import ogcapi

app_name = "ogcapi"
urlpatterns = [
    path("", ogcapi.landing, name="landing"),
    path("api", ogcapi.openapi, name="openapi"),
    path("conformance", ogcapi.conformance, name="conformance"),
    path("collections", ogcapi.collections, name="collections"),
    path("collections/<str:cid>", ogcapi.collection, name="collection"),
    path("collections/<str:cid>/items", ogcapi.items, name="items"),
    path("collections/<str:cid>/items/<str:fid>", ogcapi.item, name="item"),
]
