"""The instance's indicator templates and, for each, every municipality that publishes it."""

from django.urls import path

from . import views

app_name = "comparison"
urlpatterns = [
    path("", views.templates_index, name="index"),
    path("<slug:key>/", views.comparison, name="detail"),
]
