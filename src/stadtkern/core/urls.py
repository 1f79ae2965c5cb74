from django.urls import path

from . import job_views, views
from . import municipality_views as mv

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("municipalities/new/", mv.municipality_new, name="municipality_new"),
    path("invitations/<str:secret>/", mv.invitation, name="invitation"),
    path("m/<slug:slug>/jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("m/<slug:slug>/settings/", mv.settings_page, name="municipality_settings"),
    path("m/<slug:slug>/settings/invite/", mv.invite, name="invite"),
    path("m/<slug:slug>/settings/base-map/", mv.base_map, name="base_map"),
    path("m/<slug:slug>/settings/population/", mv.population, name="population"),
    path("m/<slug:slug>/settings/members/<int:user_id>/role/", mv.member_role, name="member_role"),
    path(
        "m/<slug:slug>/settings/members/<int:user_id>/remove/",
        mv.member_remove,
        name="member_remove",
    ),
    path(
        "m/<slug:slug>/settings/invitations/<int:pk>/withdraw/",
        mv.invitation_withdraw,
        name="invitation_withdraw",
    ),  # fmt: skip
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("go/", views.municipality_switch, name="switch"),
]
