from django.urls import path

from . import edit_views, views

# Indicator keys are lower-case letters, digits and underscores: the pages of the cockpit
# itself carry a hyphen, so that no key can shadow them.
app_name = "indicators"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("at-a-glance/", views.glance, name="glance"),
    path("adopt-templates/", edit_views.adopt, name="adopt"),
    path("statistics-import/", edit_views.statistics, name="statistics"),
    path("goals/<int:pk>/", views.goal, name="goal"),
    path("<slug:key>/", views.indicator_detail, name="detail"),
    path("<slug:key>/chart.svg", views.chart_svg, name="chart_svg"),
    path("<slug:key>/chart.png", views.chart_png, name="chart_png"),
    path("<slug:key>/widget/", views.widget, name="widget"),
    path("<slug:key>/values.csv", views.values_csv, name="values_csv"),
    path("<slug:key>/compute/", views.compute, name="compute"),
    path("<slug:key>/edit/", edit_views.edit, name="edit"),
    path("<slug:key>/delete/", edit_views.delete, name="delete"),
    path("<slug:key>/milestones/", edit_views.milestone_add, name="milestone_add"),
    path(
        "<slug:key>/milestones/<int:milestone_id>/remove/",
        edit_views.milestone_remove,
        name="milestone_remove",
    ),
    path("<slug:key>/values/", edit_views.values, name="values"),
    path("<slug:key>/effects/", edit_views.effects, name="effects"),
    path(
        "<slug:key>/effects/<int:effect_id>/remove/", edit_views.effect_remove, name="effect_remove"
    ),
]
