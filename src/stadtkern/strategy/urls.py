from django.urls import path

from . import views

app_name = "strategy"
urlpatterns = [
    path("", views.house, name="house"),
    path("<str:object_type>s/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "<str:object_type>s/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment",
    ),
    path(
        "<str:object_type>s/<int:pk>/attachments/<int:attachment_id>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),  # fmt: skip
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/new/", views.measure_edit, name="measure_create"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/delete/", views.measure_delete, name="measure_delete"),
    path("goals/new/", views.goal_edit, name="goal_create"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("fields/<int:pk>/", views.field_detail, name="field_detail"),
    path("<str:kind>/new/", views.simple_edit, name="simple_create"),
    path("<str:kind>/<int:pk>/edit/", views.simple_edit, name="simple_edit"),
    path("<str:kind>/<int:pk>/delete/", views.simple_delete, name="simple_delete"),
    path("vision/", views.vision, name="vision"),
    path("vision/edit/", views.vision_edit, name="vision_edit"),
    path("analysis/", views.analysis, name="analysis"),
]
