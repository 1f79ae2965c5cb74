from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("<slug:key>/", views.indicator_detail, name="detail"),
    path("<slug:key>/chart.svg", views.chart_svg, name="chart_svg"),
    path("<slug:key>/values.csv", views.values_csv, name="values_csv"),
    path("<slug:key>/compute/", views.compute, name="compute"),
]
