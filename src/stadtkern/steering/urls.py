from django.urls import path, re_path

from . import (
    backlog_views,
    calendar_views,
    learning_views,
    meeting_views,
    money_views,
    people_views,
    risk_views,
    sustainability_views,
    views,
)

app_name = "steering"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<slug:programme>/edit/", views.programme_edit, name="programme_edit"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/team/", views.team_add, name="team_add"),
    path("projects/<int:pk>/team/<int:member_id>/remove/", views.team_remove, name="team_remove"),
    path("projects/<int:pk>/reports/new/", views.report_new, name="report_new"),
    path("projects/<int:pk>/plan/", views.plan_page, name="plan"),
    path("projects/<int:pk>/plan.svg", views.plan_svg, name="plan_svg"),
    path("projects/<int:pk>/plan/phases/", views.phase_add, name="phase_add"),
    path(
        "projects/<int:pk>/plan/phases/<int:phase_id>/remove/",
        views.phase_remove,
        name="phase_remove",
    ),
    path("projects/<int:pk>/plan/packages/new/", views.package_new, name="package_new"),
    path(
        "projects/<int:pk>/plan/packages/<int:package_id>/", views.package_edit, name="package_edit"
    ),
    path(
        "projects/<int:pk>/plan/packages/<int:package_id>/delete/",
        views.package_delete,
        name="package_delete",
    ),
    path("projects/<int:pk>/plan/packages/<int:package_id>/raci/", views.raci_set, name="raci_set"),
    path("projects/<int:pk>/plan/dependencies/", views.dependency_add, name="dependency_add"),
    path(
        "projects/<int:pk>/plan/dependencies/remove/",
        views.dependency_remove,
        name="dependency_remove",
    ),
    path("projects/<int:pk>/plan/baseline/", views.baseline, name="baseline"),
    path("projects/<int:pk>/backlog/", backlog_views.backlog_page, name="backlog"),
    path("projects/<int:pk>/backlog/new/", backlog_views.item_new, name="item_new"),
    path("projects/<int:pk>/backlog/<int:item_id>/", backlog_views.item_edit, name="item_edit"),
    path(
        "projects/<int:pk>/backlog/<int:item_id>/delete/",
        backlog_views.item_delete,
        name="item_delete",
    ),
    path(
        "projects/<int:pk>/backlog/iterations/", backlog_views.iteration_add, name="iteration_add"
    ),
    path("projects/<int:pk>/board/", backlog_views.board_page, name="board"),
    path("projects/<int:pk>/board/move/", backlog_views.board_move, name="board_move"),
    path("projects/<int:pk>/money/", money_views.money_page, name="money"),
    path("projects/<int:pk>/money/budget/", money_views.budget_set, name="budget_set"),
    path("projects/<int:pk>/money/actuals/", money_views.actual_add, name="actual_add"),
    path(
        "projects/<int:pk>/money/actuals/import/", money_views.actuals_import, name="actuals_import"
    ),
    path(
        "projects/<int:pk>/money/applications/", money_views.application_add, name="application_add"
    ),
    path("projects/<int:pk>/money/financing/", money_views.financing_set, name="financing_set"),
    path(
        "projects/<int:pk>/money/applications/<int:application_id>/",
        money_views.application_update,
        name="application_update",
    ),
    path(
        "projects/<int:pk>/money/actuals/<int:actual_id>/",
        money_views.actual_edit,
        name="actual_edit",
    ),
    path("funding/", money_views.funding, name="funding"),
    path("funding/<slug:key>/remove/", money_views.funding_delete, name="funding_delete"),
    re_path(
        r"^projects/(?P<pk>[0-9]+)/(?P<kind>plan|backlog)\.(?P<fmt>csv|xlsx)$",
        views.table_export,
        name="table_export",
    ),
    re_path(
        r"^projects/(?P<pk>[0-9]+)/(?P<kind>plan|backlog)/import/$",
        views.table_import,
        name="table_import",
    ),
    path("meetings/", meeting_views.series_list, name="meetings"),
    path("meetings/<int:series_id>/", meeting_views.series_page, name="series"),
    path("meetings/<int:series_id>/<int:meeting_id>/", meeting_views.meeting_page, name="meeting"),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/minutes/",
        meeting_views.minutes_save,
        name="minutes_save",
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/agenda/",
        meeting_views.agenda_add,
        name="agenda_add",
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/decisions/",
        meeting_views.decision_add,
        name="decision_add",
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/actions/",
        meeting_views.action_add,
        name="action_add",
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/approve/", meeting_views.approve, name="approve"
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/correct/", meeting_views.correct, name="correct"
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/actions/<int:action_id>/done/",
        meeting_views.action_done,
        name="action_done",
    ),
    path(
        "meetings/<int:series_id>/<int:meeting_id>/actions/<int:action_id>/transfer/",
        meeting_views.action_transfer,
        name="action_transfer",
    ),
    path(
        "sustainability/<int:measure_id>/", sustainability_views.check_form, name="sustainability"
    ),
    path("calendar.ics", calendar_views.municipality_feed, name="calendar_feed"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/tokens/", calendar_views.token_new, name="calendar_token_new"),
    path(
        "calendar/tokens/<int:token_id>/revoke/",
        calendar_views.token_revoke,
        name="calendar_token_revoke",
    ),
    path("learning/", learning_views.learning_page, name="learning"),
    path("learning/templates/", learning_views.template_add, name="template_add"),
    path("learning/templates/<int:template_id>/", learning_views.template_page, name="template"),
    path(
        "learning/templates/<int:template_id>/remove/",
        learning_views.template_delete,
        name="template_delete",
    ),
    path("learning/improvements/", learning_views.improvement_add, name="improvement_add"),
    path(
        "learning/improvements/<int:improvement_id>/",
        learning_views.improvement_status,
        name="improvement_status",
    ),
    path("projects/<int:pk>/lessons/new/", learning_views.lesson_new, name="lesson_new"),
    path(
        "projects/<int:pk>/lessons/<int:lesson_id>/", learning_views.lesson_new, name="lesson_edit"
    ),
    path("stakeholders/", people_views.register, name="stakeholders"),
    path("stakeholders/new/", people_views.stakeholder_form, name="stakeholder_new"),
    path(
        "stakeholders/<int:stakeholder_id>/", people_views.stakeholder_form, name="stakeholder_edit"
    ),
    path("stakeholders/ties/", people_views.tie_add, name="tie_add"),
    path("stakeholders/ties/remove/", people_views.tie_remove, name="tie_remove"),
    path(
        "stakeholders/communication/<int:entry_id>/remove/",
        people_views.communication_remove,
        name="communication_remove",
    ),
    path("stakeholders/communication/", people_views.communication_add, name="communication_add"),
    path("projects/<int:pk>/risks/", risk_views.register, name="risks"),
    path("projects/<int:pk>/risks/new/", risk_views.risk_form, name="risk_new"),
    path("projects/<int:pk>/risks/<int:risk_id>/", risk_views.risk_form, name="risk_edit"),
]
