from django.urls import path

from . import views

app_name = "data"
urlpatterns = [
    path("", views.municipality_data, name="municipality"),
    path("new/", views.dataset_edit, name="dataset_create"),
    path("sql/", views.sql_console, name="sql"),
    path("outlines.geojson", views.outlines, name="outlines"),
    path("queries/<str:name>/", views.saved_query, name="saved_query"),
    path("<str:name>/", views.dataset_detail, name="dataset"),
    path("<str:name>/edit/", views.dataset_edit, name="dataset_edit"),
    path("<str:name>/delete/", views.dataset_delete, name="dataset_delete"),
    path("<str:name>/import/", views.import_upload, name="import_upload"),
    path("<str:name>/import/<int:pk>/", views.import_detail, name="import"),
]
