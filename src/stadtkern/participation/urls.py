from django.urls import path

from . import assembly_views, setup_views, survey_views, views
from . import implementation_views as iv

app_name = "participation"
urlpatterns = [
    path("", views.processes, name="processes"),
    # Before "<process_slug>/": these names are not process names (services.RESERVED_PROCESS_SLUGS).
    path("new/", setup_views.process_new, name="process_new"),
    path("surveys/new/", setup_views.survey_new, name="survey_new"),
    path("pulse/new/", setup_views.wave_new, name="series_new"),
    path("pulse/<slug:series>/new-wave/", setup_views.wave_new, name="wave_new"),
    path("assemblies/new/", setup_views.assembly_new, name="assembly_new"),
    path("surveys/<slug:survey_slug>/", survey_views.survey, name="survey"),
    path("surveys/<slug:survey_slug>/edit/", setup_views.survey_edit, name="survey_edit"),
    path("surveys/<slug:survey_slug>/results/", survey_views.survey_results, name="survey_results"),
    path("pulse/<slug:series>/", survey_views.pulse_trend, name="pulse_trend"),
    path("assemblies/<slug:assembly_slug>/", assembly_views.assembly, name="assembly"),
    path("assemblies/<slug:assembly_slug>/edit/", setup_views.assembly_edit, name="assembly_edit"),
    path(
        "assemblies/<slug:assembly_slug>/panel.csv",
        assembly_views.panel_export,
        name="assembly_panel",
    ),
    path("<slug:process_slug>/", views.process, name="process"),
    path("<slug:process_slug>/codes/", views.codes, name="codes"),
    path("<slug:process_slug>/setup/", setup_views.process_setup, name="process_setup"),
    path(
        "<slug:process_slug>/setup/<slug:kind>/<int:pk>/",
        setup_views.setup_edit,
        name="setup_edit",
    ),
    path("<slug:process_slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("<slug:process_slug>/proposals/<int:pk>/", views.proposal, name="proposal"),
    path(
        "<slug:process_slug>/proposals/<int:pk>/image", views.proposal_image, name="proposal_image"
    ),
    path("<slug:process_slug>/projects/<int:pk>/image", views.project_image, name="project_image"),
    path("<slug:process_slug>/implementation/", iv.implementation_page, name="implementation"),
    path(
        "<slug:process_slug>/implementation/<int:pk>/",
        iv.implementation_edit,
        name="implementation_edit",
    ),
    path(
        "<slug:process_slug>/implementation/updates/<int:pk>/image",
        iv.update_image,
        name="update_image",
    ),  # fmt: skip
    path("<slug:process_slug>/budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("<slug:process_slug>/budgets/<int:budget_id>/results/", views.results, name="results"),
]
