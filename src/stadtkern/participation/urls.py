from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("", views.processes, name="processes"),
    path("<slug:process_slug>/", views.process, name="process"),
    path("<slug:process_slug>/codes/", views.codes, name="codes"),
    path("<slug:process_slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("<slug:process_slug>/proposals/<int:pk>/", views.proposal, name="proposal"),
    path("<slug:process_slug>/budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("<slug:process_slug>/budgets/<int:budget_id>/results/", views.results, name="results"),
]
