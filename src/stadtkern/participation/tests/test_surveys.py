"""Surveys and pulse checks: every kind of question checked, results counted, the trend."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from conftest import PASSWORD
from stadtkern.participation import surveys
from stadtkern.participation.models import SurveyParticipation, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Messages of direct service calls in English; pages choose their language per request.
    with translation.override("en"):
        yield


QUESTIONS = [
    {"kind": "likert", "text": "Die Innenstadt ist gut erreichbar."},
    {"kind": "single", "text": "Wie kommen Sie meist?", "choices": ["Fuß", "Rad", "Bus", "Auto"]},
    {
        "kind": "multiple",
        "text": "Was fehlt?",
        "choices": ["Bänke", "Schatten", "Toiletten"],
        "required": False,
    },
    {"kind": "nps", "text": "Würden Sie die Innenstadt empfehlen?"},
    {"kind": "text", "text": "Was noch?"},
]


def make_survey(municipality, *, slug="innenstadt", opens_in=-1, closes_in=10, **kw):
    now = timezone.now()
    return surveys.survey_create(
        municipality=municipality, slug=slug, title="Innenstadt-Umfrage", questions=QUESTIONS,
        opens_at=now + timedelta(days=opens_in), closes_at=now + timedelta(days=closes_in), **kw,
    )  # fmt: skip


def ids(survey):
    return [str(q.pk) for q in survey.questions.all()]


def test_answers_are_checked_counted_and_averaged(alpha):
    survey = make_survey(alpha)
    q = ids(survey)
    for likert, way, missing, nps in [
        (5, "Rad", ["Bänke"], 10),
        (4, "Rad", [], 9),
        (2, "Auto", ["Bänke", "Schatten"], 3),
    ]:
        surveys.response_submit(
            survey=survey, user=None, answers={q[0]: likert, q[1]: way, q[2]: missing, q[3]: nps}
        )
    results = surveys.survey_results(survey)
    assert results["responses"] == 3
    likert, single, multiple, nps, text = results["questions"]
    assert likert["counts"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1} and likert["mean"] == 3.67
    assert single["counts"] == {"Fuß": 0, "Rad": 2, "Bus": 0, "Auto": 1}
    assert (
        multiple["counts"] == {"Bänke": 2, "Schatten": 1, "Toiletten": 0}
        and multiple["answered"] == 1 + 1
    )
    assert nps["nps"] == round(100 * (2 - 1) / 3)  # two promoters, one detractor
    assert text["texts"] == []


@pytest.mark.parametrize(
    ("position", "value", "message"),
    [
        (0, 6, "Choose a whole number from 1 to 5."),
        (0, "3.5", "Choose a whole number from 1 to 5."),
        (0, True, "Choose a whole number from 1 to 5."),
        (1, "Zug", "Choose one of the given answers."),
        (2, ["Bänke", "Bänke"], "Choose among the given answers, each once."),
        (3, -1, "Choose a whole number from 0 to 10."),
        (3, None, "Please answer this question."),
        (4, "x" * 2001, "At most 2000 characters."),
    ],
)
def test_a_bad_answer_is_refused_naming_its_question(alpha, position, value, message):
    survey = make_survey(alpha)
    q = ids(survey)
    answers = {q[0]: 3, q[1]: "Bus", q[3]: 7, q[position]: value}
    with pytest.raises(ValidationError) as caught:
        surveys.response_submit(survey=survey, user=None, answers=answers)
    assert caught.value.message_dict == {f"q{q[position]}": [message]}
    assert not SurveyResponse.objects.exists()


def test_closed_surveys_and_signed_ones_need_their_conditions(alpha, people):
    closed = make_survey(alpha, slug="vorbei", opens_in=-10, closes_in=-1)
    q = ids(closed)
    with pytest.raises(ValidationError, match="not open now"):
        surveys.response_submit(survey=closed, user=None, answers={q[0]: 3, q[1]: "Bus", q[3]: 7})
    signed = make_survey(alpha, slug="signiert", anonymous=False)
    q = ids(signed)
    answers = {q[0]: 3, q[1]: "Bus", q[3]: 7}
    with pytest.raises(PermissionDenied):
        surveys.response_submit(survey=signed, user=None, answers=answers)
    surveys.response_submit(survey=signed, user=people["citizen"], answers=answers)
    assert SurveyResponse.objects.get(survey=signed).user == people["citizen"]
    with pytest.raises(ValidationError, match="answered this survey already"):
        surveys.response_submit(survey=signed, user=people["citizen"], answers=answers)


def test_an_account_answers_an_anonymous_survey_once_and_stays_anonymous(alpha, people):
    survey = make_survey(alpha)
    q = ids(survey)
    answers = {q[0]: 3, q[1]: "Bus", q[3]: 7}
    surveys.response_submit(survey=survey, user=people["citizen"], answers=answers)
    assert SurveyResponse.objects.get().user is None
    assert SurveyParticipation.objects.filter(survey=survey, user=people["citizen"]).exists()
    with pytest.raises(ValidationError):
        surveys.response_submit(survey=survey, user=people["citizen"], answers=answers)
    assert SurveyResponse.objects.count() == 1


def test_a_pulse_series_shows_its_trend(alpha, people):
    start = date.today() - timedelta(days=40)
    for wave, (progress, nps) in enumerate([(2, 5), (3, 8), (4, 10)]):
        pulse = surveys.pulse_create(municipality=alpha, series="team", title="Puls Smart-City-Team",
                                     opens=start + timedelta(days=14 * wave), days=60)  # fmt: skip
        q = ids(pulse)
        surveys.response_submit(
            survey=pulse,
            user=people["editor"],
            answers={q[0]: progress, q[1]: 4, q[2]: 3, q[3]: nps},
        )
    trend = surveys.series_trend(alpha, "team", people["editor"])  # the team's, read by its member
    assert surveys.series_trend(alpha, "team") == []  # and by nobody else
    assert [w["means"][0] for w in trend] == [2, 3, 4]
    assert [w["nps"] for w in trend] == [-100, 0, 100]


class TestAnyAnswers(TestCase):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(["0", "1", "2", "3", "4", "99"]),
                           st.one_of(st.none(), st.integers(-5, 15), st.text(max_size=30), st.booleans(),
                                     st.lists(st.sampled_from(["Bänke", "Schatten", "Toiletten", "x"]), max_size=4))))  # fmt: skip
    def test_any_answers_are_stored_valid_or_refused(self, raw):
        from stadtkern.core.services import municipality_create

        town = municipality_create(
            name="Hypostadt", slug="hypo", ags="05111000", kind="stadt", state="05"
        )
        survey = make_survey(town)
        q = ids(survey)
        answers = {(q[int(k)] if k != "99" else "99"): v for k, v in raw.items()}
        try:
            response = surveys.response_submit(survey=survey, user=None, answers=answers)
        except ValidationError:
            assert not SurveyResponse.objects.filter(survey=survey).exists()
        else:
            stored = response.answers
            assert stored[q[0]] in range(1, 6) and stored[q[3]] in range(0, 11)
            assert stored[q[1]] in QUESTIONS[1]["choices"]


def post(client, url, body, **extra):
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **extra
    )


def test_the_api_takes_anonymous_answers_and_publishes_results_after_the_close(
    client, alpha, people, token_for
):
    survey = make_survey(alpha)
    q = ids(survey)
    base = "/api/v1/participation/surveys/alpha/innenstadt"
    assert client.get(base).json()["questions"][1]["choices"] == ["Fuß", "Rad", "Bus", "Auto"]
    ok = post(
        client,
        f"{base}/anonymous-responses",
        {"answers": {q[0]: 4, q[1]: "Rad", q[3]: 9, q[4]: "Mehr Grün"}},
    )
    assert ok.status_code == 201
    bad = post(client, f"{base}/anonymous-responses", {"answers": {q[0]: 9, q[1]: "Rad", q[3]: 9}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == f"q{q[0]}"
    assert client.get(f"{base}/results").status_code == 409
    editor_view = client.get(f"{base}/results", **token_for(people["editor"])).json()
    assert editor_view["questions"][4]["texts"] == ["Mehr Grün"]
    survey.closes_at = timezone.now()
    survey.save()
    public = client.get(f"{base}/results").json()
    assert public["responses"] == 1 and public["questions"][4]["texts"] is None


def test_survey_pages_ask_and_show_results_in_german(client, alpha, people):
    survey = make_survey(alpha)
    q = ids(survey)
    url = "/m/alpha/participation/surveys/innenstadt/"
    page = client.get(url).content.decode()
    assert "Die Innenstadt ist gut erreichbar." in page and "1 = stimme gar nicht zu" in page
    bad = client.post(url, {f"q{q[0]}": "4"})
    assert bad.status_code == 422 and "Bitte beantworten Sie diese Frage." in bad.content.decode()
    done = client.post(url, {f"q{q[0]}": "4", f"q{q[1]}": "Bus", f"q{q[2]}": ["Bänke", "Toiletten"], f"q{q[3]}": "8"},
                       follow=True)  # fmt: skip
    assert "Danke: Ihre Antworten wurden gespeichert." in done.content.decode()
    assert SurveyResponse.objects.get().answers[q[2]] == ["Bänke", "Toiletten"]
    client.login(username="editor", password=PASSWORD)
    results = client.get(url + "results/").content.decode()
    assert "chart-svg" in results and "Durchschnitt 4 von 5" in results
