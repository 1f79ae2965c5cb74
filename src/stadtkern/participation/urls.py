from django.urls import path

from . import assembly_views, survey_views, views

app_name = "participation"
urlpatterns = [
    path("", views.processes, name="processes"),
    # Before "<process_slug>/": "surveys", "pulse" and "assemblies" are not process names.
    path("surveys/<slug:survey_slug>/", survey_views.survey, name="survey"),
    path("surveys/<slug:survey_slug>/results/", survey_views.survey_results, name="survey_results"),
    path("pulse/<slug:series>/", survey_views.pulse_trend, name="pulse_trend"),
    path("assemblies/<slug:assembly_slug>/", assembly_views.assembly, name="assembly"),
    path(
        "assemblies/<slug:assembly_slug>/panel.csv",
        assembly_views.panel_export,
        name="assembly_panel",
    ),
    path("<slug:process_slug>/", views.process, name="process"),
    path("<slug:process_slug>/codes/", views.codes, name="codes"),
    path("<slug:process_slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("<slug:process_slug>/proposals/<int:pk>/", views.proposal, name="proposal"),
    path(
        "<slug:process_slug>/proposals/<int:pk>/image", views.proposal_image, name="proposal_image"
    ),
    path("<slug:process_slug>/budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("<slug:process_slug>/budgets/<int:budget_id>/results/", views.results, name="results"),
]
