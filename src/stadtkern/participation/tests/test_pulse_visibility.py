"""A pulse check is the team's unless set public: the public then sees neither its
questions, nor its trend (page or API), nor can anyone outside the team answer it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD
from stadtkern.core.services import user_create
from stadtkern.participation import surveys
from stadtkern.participation.models import SurveyResponse

pytestmark = pytest.mark.django_db


def _wave(alpha, series="lenkungskreis", team_only=None):
    return surveys.pulse_create(municipality=alpha, series=series, title="Welle 1",
                                opens=timezone.localdate() - timedelta(days=1), team_only=team_only)  # fmt: skip


def test_a_new_series_is_the_team_s_and_later_waves_keep_it(alpha):
    first = _wave(alpha)
    assert first.team_only
    later = surveys.pulse_create(municipality=alpha, series="lenkungskreis", title="Welle 2",
                                 opens=timezone.localdate() + timedelta(days=30))  # fmt: skip
    assert later.team_only
    public = _wave(alpha, series="buergerpuls", team_only=False)
    assert not public.team_only


@pytest.mark.parametrize(("persona", "sees"), [("anonymous", False), ("other_editor", False),
                                               ("citizen", False), ("viewer", True), ("editor", True)])  # fmt: skip
def test_only_members_see_and_answer_a_team_pulse(client, alpha, personas, persona, sees):
    wave = _wave(alpha)
    user = personas.get(persona)
    if persona == "citizen":
        user = user_create(username="buerger", password=PASSWORD)
    if user:
        client.force_login(user)
    pages = [f"/m/alpha/participation/surveys/{wave.slug}/", "/m/alpha/participation/pulse/lenkungskreis/",
             "/api/v1/participation/pulse/alpha/lenkungskreis/trend"]  # fmt: skip
    assert [client.get(p).status_code == 200 for p in pages] == [sees] * 3
    listing = client.get("/m/alpha/participation/").content.decode()
    assert ("lenkungskreis" in listing) is sees
    assert (">Welle 1<" in listing) is sees  # the series under its title, not its short name
    client.post(pages[0], {f"q{q.pk}": "4" for q in wave.questions.all()})
    assert SurveyResponse.objects.filter(survey=wave).exists() is sees


def test_a_public_pulse_trend_is_public(client, alpha):
    _wave(alpha, series="buergerpuls", team_only=False)
    assert client.get("/m/alpha/participation/pulse/buergerpuls/").status_code == 200


def test_editors_reach_the_results_from_the_survey_page(client, alpha, personas):
    from .conftest import make_open_survey

    survey, _question = make_open_survey(alpha)
    client.force_login(personas["editor"])
    page = client.get(f"/m/alpha/participation/surveys/{survey.slug}/").content.decode()
    assert f"/m/alpha/participation/surveys/{survey.slug}/results/" in page
    client.logout()
    page = client.get(f"/m/alpha/participation/surveys/{survey.slug}/").content.decode()
    assert "/results/" not in page  # still open: results come when it closes


def test_the_survey_list_api_hides_team_pulses_from_everyone_else(client, alpha, personas):
    wave = _wave(alpha)
    listed = [
        s["slug"]
        for s in client.get("/api/v1/participation/surveys", {"municipality": "alpha"}).json()
    ]
    assert wave.slug not in listed
    client.force_login(personas["viewer"])
    listed = [
        s["slug"]
        for s in client.get("/api/v1/participation/surveys", {"municipality": "alpha"}).json()
    ]
    assert wave.slug in listed


def test_opening_the_latest_wave_does_not_open_the_team_s_earlier_ones(client, alpha):
    team = _wave(alpha)
    public = surveys.pulse_create(municipality=alpha, series="lenkungskreis", title="Welle 2",
                                  opens=timezone.localdate() + timedelta(days=40), team_only=False)  # fmt: skip
    api = client.get("/api/v1/participation/pulse/alpha/lenkungskreis/trend").json()
    assert [w["survey"] for w in api] == [public.slug]
    assert (
        team.slug not in client.get("/m/alpha/participation/pulse/lenkungskreis/").content.decode()
    )


def test_a_moderator_is_not_the_team(client, alpha, personas):
    from stadtkern.core.services import membership_set

    moderator = user_create(username="moderatorin", password=PASSWORD)
    membership_set(user=moderator, municipality=alpha, role="moderator")
    _wave(alpha)
    client.force_login(moderator)
    assert client.get("/m/alpha/participation/pulse/lenkungskreis/").status_code == 404
