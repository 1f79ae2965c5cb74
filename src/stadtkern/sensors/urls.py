from django.urls import path

from . import pages

app_name = "sensors"
urlpatterns = [
    path("", pages.things, name="things"),
    path("datastreams/<int:pk>/", pages.datastream, name="datastream"),
]
