"""Surveys and pulse checks under /api/v1/participation/: set-up, answers, results, trends.

Editors create surveys with their questions and start the next wave of a pulse check;
everyone answers where the survey allows it; results are public once a survey closes.
"""

from datetime import date
from typing import Literal

from django.http import Http404
from ninja import Field, PatchDict, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.throttle import client_address
from stadtkern.core.types import Slug, text

from . import rules, surveys
from .models import Survey
from .selectors import survey_get

router = Router(tags=["participation"])

Answer = int | str | list[text(500)] | None


class ResponseIn(Schema):
    answers: dict[text(20, 1), Answer] = Field(max_length=200)


def _survey_out(survey: Survey) -> dict:
    return {
        "slug": survey.slug, "kind": survey.kind, "series": survey.series or None, "title": survey.title,
        "title_en": survey.title_en, "anonymous": survey.anonymous, "login_required": survey.login_required,
        "opens_at": survey.opens_at.isoformat(), "closes_at": survey.closes_at.isoformat(),
        "open": surveys.is_open(survey),
        "questions": [
            {"id": q.pk, "kind": q.kind, "text": q.text, "text_en": q.text_en, "choices": q.choices, "required": q.required}
            for q in survey.questions.all()
        ],
    }  # fmt: skip


@router.get("/participation/surveys", auth=READ)
def survey_list(request, municipality: Slug):
    """The municipality's published surveys and pulse checks."""
    m = municipality_get(municipality)
    return [
        _survey_out(s)
        for s in Survey.objects.filter(municipality=m, published=True).prefetch_related("questions")
        if rules.can_see_survey(request.auth, s)
    ]


@router.get("/participation/surveys/{municipality}/{slug}", auth=READ)
def survey_detail(request, municipality: Slug, slug: Slug):
    return _survey_out(survey_get(request.auth, municipality, slug))


@router.post(
    "/participation/surveys/{municipality}/{slug}/responses", response={201: dict}, auth=WRITE
)
def survey_respond(request, municipality: Slug, slug: Slug, payload: ResponseIn):
    """Answer with an account (once); ``answers`` maps question ids to answers."""
    surveys.response_submit(
        survey=survey_get(request.auth, municipality, slug),
        user=request.auth,
        answers=payload.answers,
    )
    return Status(201, {"stored": True})


@router.post(
    "/participation/surveys/{municipality}/{slug}/anonymous-responses",
    response={201: dict},
    auth=None,
)
def survey_respond_anonymously(request, municipality: Slug, slug: Slug, payload: ResponseIn):
    """Answer without an account, where the survey allows it."""
    surveys.response_submit(
        survey=survey_get(None, municipality, slug), user=None, answers=payload.answers,
        client=client_address(request),
    )  # fmt: skip
    return Status(201, {"stored": True})


@router.get("/participation/surveys/{municipality}/{slug}/results", auth=READ)
def survey_results(request, municipality: Slug, slug: Slug):
    """Counts, averages and the NPS per question (free text for editors only)."""
    survey = survey_get(request.auth, municipality, slug)
    if not rules.can_see_survey_results(request.auth, survey):
        raise HttpError(409, "Results are published when the survey has closed.")
    results = surveys.survey_results(survey)
    if not rules.can_edit_participation(request.auth, survey.municipality):
        for item in results["questions"]:
            if "texts" in item:
                item["texts"] = None
    return results


@router.get("/participation/pulse/{municipality}/{series}/trend", auth=READ)
def pulse_trend(request, municipality: Slug, series: Slug):
    """Each wave of a pulse check series: responses, averages per question, NPS."""
    trend = surveys.series_trend(municipality_get(municipality), series, request.auth)
    if not trend:
        raise Http404(f"No pulse check {series!r}.")
    return trend


class QuestionIn(Schema):
    kind: Literal["likert", "single", "multiple", "text", "nps"]
    text: text(1000, 1)
    text_en: text(1000) = ""
    choices: list[text(200, 1)] = Field(default=[], max_length=50)
    required: bool | None = None


class SurveyChange(Schema):
    title: text(300, 3)
    title_en: text(300) = ""
    description: text(10000) = ""
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    anonymous: bool = True
    login_required: bool = False
    published: bool = True


class SurveyIn(SurveyChange):
    slug: Slug
    questions: list[QuestionIn] = Field(min_length=1, max_length=100)


class WaveIn(Schema):
    title: text(300, 3)
    opens: date
    days: int = Field(default=14, ge=1, le=90)
    team_only: bool | None = Field(
        None, description="members only; a new series is, later waves keep the series' setting"
    )


@router.post("/participation/surveys/{municipality}", response={201: dict}, auth=WRITE)
def survey_create(request, municipality: Slug, payload: SurveyIn):
    """Create a survey with its questions (editors). Questions are required unless they are
    free text or ``required`` says otherwise."""
    m = municipality_get(municipality)
    rules.require_editor(request.auth, m)
    if Survey.objects.filter(municipality=m, slug=payload.slug).exists():
        raise HttpError(409, f"{municipality} already has a survey {payload.slug!r}.")
    fields = payload.dict()
    fields["questions"] = [
        {k: v for k, v in q.items() if v is not None} for q in fields["questions"]
    ]
    return Status(201, _survey_out(surveys.survey_create(municipality=m, **fields)))


@router.patch("/participation/surveys/{municipality}/{slug}", auth=WRITE)
def survey_update(request, municipality: Slug, slug: Slug, payload: PatchDict[SurveyChange]):
    """Change a survey's words, times or publication (editors); once answered, whether it is
    anonymous and who may answer stay."""
    survey = survey_get(request.auth, municipality, slug)
    return _survey_out(surveys.survey_update(survey=survey, user=request.auth, **payload))


@router.post("/participation/pulse/{municipality}/{series}/waves", response={201: dict}, auth=WRITE)
def pulse_wave_create(request, municipality: Slug, series: Slug, payload: WaveIn):
    """Start a wave of a pulse check series (editors): the same five questions, for registered
    team members, anonymous, open for ``days`` days from ``opens``."""
    m = municipality_get(municipality)
    rules.require_editor(request.auth, m)
    if Survey.objects.filter(
        municipality=m, slug=surveys.wave_slug(series, payload.opens)
    ).exists():
        raise HttpError(
            409, f"The series {series!r} already has a wave opening on {payload.opens}."
        )
    wave = surveys.pulse_create(
        municipality=m,
        series=series,
        title=payload.title,
        opens=payload.opens,
        days=payload.days,
        team_only=payload.team_only,
    )
    return Status(201, _survey_out(wave))
