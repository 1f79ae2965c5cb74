"""Surveys and pulse checks: creating them, answering, results and the trend of a series.

Answers are checked against their question before anything is stored: a Likert answer
is a whole number from 1 to 5, a recommendation one from 0 to 10, a single choice one
of the question's choices, several choices a list of them without repeats, free text
at most 2,000 characters. One response per account (signed surveys keep the account;
anonymous ones only record that the account answered).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core import throttle
from stadtkern.core.models import Municipality

from . import rules, secrecy
from .models import Question, QuestionKind, Survey, SurveyKind, SurveyParticipation, SurveyResponse
from .services import short_name_check

TEXT_MAX = 2000
LIKERT = range(1, 6)
NPS = range(0, 11)

# The pulse check for project teams and steering groups: the same questions every wave.
PULSE_QUESTIONS = [
    (QuestionKind.LIKERT, "Wir kommen mit dem Vorhaben gut voran.", "We are making good progress."),
    (QuestionKind.LIKERT, "Die Zusammenarbeit im Team funktioniert.", "Working together in the team works."),
    (QuestionKind.LIKERT, "Ich weiß, was als Nächstes zu tun ist.", "I know what to do next."),
    (QuestionKind.NPS, "Wie wahrscheinlich empfehlen Sie anderen Kommunen, das Vorhaben nachzumachen?",
     "How likely are you to recommend other municipalities to copy the project?"),
    (QuestionKind.TEXT, "Was sollten wir ändern?", "What should we change?"),
]  # fmt: skip


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return survey.published and survey.opens_at <= now < survey.closes_at


@transaction.atomic
def survey_create(
    *, municipality: Municipality, slug: str, title: str, questions: list[dict], opens_at: datetime,
    closes_at: datetime, kind: str = SurveyKind.SURVEY, series: str = "", anonymous: bool = True,
    login_required: bool = False, published: bool = True, title_en: str = "", description: str = "",
) -> Survey:  # fmt: skip
    """Create a survey with its questions: ``[{"kind", "text", "text_en", "choices", "required"}]``."""
    survey = Survey(
        municipality=municipality, slug=slug, title=title, title_en=title_en, description=description,
        kind=kind, series=series, anonymous=anonymous, login_required=login_required or not anonymous,
        opens_at=opens_at, closes_at=closes_at, published=published,
    )  # fmt: skip
    if closes_at <= opens_at:  # before full_clean, whose check constraint names no field
        raise ValidationError({"closes_at": _("A survey must close after it opens.")})
    short_name_check(
        Survey, municipality, slug, taken=_("There is a survey with this short name already.")
    )
    survey.full_clean()
    if not questions:
        raise ValidationError({"questions": _("A survey needs at least one question.")})
    survey.save()
    for k, q in enumerate(questions):
        choices = [str(c).strip() for c in q.get("choices", []) if str(c).strip()]
        if q["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            raise ValidationError(
                {f"questions.{k}.choices": _("A choice question needs at least two choices.")}
            )
        if len(set(choices)) != len(choices):
            raise ValidationError({f"questions.{k}.choices": _("Each choice may appear once.")})
        question = Question(
            survey=survey, position=k, kind=q["kind"], text=q["text"], text_en=q.get("text_en", ""),
            choices=choices, required=q.get("required", q["kind"] != QuestionKind.TEXT),
        )  # fmt: skip
        question.full_clean()
        question.save()
    return survey


# Who may answer and whether answers keep the account are promises to those who answered.
SURVEY_LOCKED_ONCE_ANSWERED = {"anonymous", "login_required"}


def survey_update(*, survey: Survey, user, **fields) -> Survey:
    """Change a survey's words, times or publication (editors). Whether it is anonymous and
    who may answer stay as they were once the first answer is in; the questions stay too."""
    rules.require_editor(user, survey.municipality)
    answered = survey.responses.exists()
    for name, value in fields.items():
        if answered and name in SURVEY_LOCKED_ONCE_ANSWERED and getattr(survey, name) != value:
            raise ValidationError(
                {name: _("People have answered already: this can no longer change.")}
            )
        setattr(survey, name, value)
    survey.login_required = survey.login_required or not survey.anonymous
    if survey.closes_at <= survey.opens_at:
        raise ValidationError({"closes_at": _("A survey must close after it opens.")})
    survey.full_clean()
    survey.save()
    return survey


def wave_slug(series: str, opens: date) -> str:
    return f"{series}-{opens.isoformat()}"


def pulse_create(
    *,
    municipality: Municipality,
    series: str,
    title: str,
    opens: date,
    days: int = 14,
    team_only: bool | None = None,
) -> Survey:
    """Create the next wave of a pulse check series (anonymous, for registered team members)."""
    if series == "new":  # the address of the form that starts a series
        raise ValidationError(
            {"series": _("This short name is taken by a page; please choose another.")}
        )
    if Survey.objects.filter(municipality=municipality, slug=wave_slug(series, opens)).exists():
        raise ValidationError({"opens": _("A wave of this series opens on this day already.")})
    opens_at = timezone.make_aware(datetime.combine(opens, datetime.min.time()))
    if team_only is None:  # the next wave keeps the series' setting; a new series is the team's
        last = (
            Survey.objects.filter(municipality=municipality, series=series)
            .order_by("-opens_at")
            .first()
        )
        team_only = last.team_only if last else True
    wave = survey_create(
        municipality=municipality, slug=wave_slug(series, opens), title=title, kind=SurveyKind.PULSE,
        series=series, opens_at=opens_at, closes_at=opens_at + timedelta(days=days), login_required=True,
        questions=[{"kind": k, "text": de, "text_en": en} for k, de, en in PULSE_QUESTIONS],
    )  # fmt: skip
    if team_only:
        Survey.objects.filter(pk=wave.pk).update(team_only=True)
        wave.team_only = True
    return wave


def _check(question: Question, value):
    """Return the answer as stored, None for an unanswered optional question."""
    empty = value is None or value == "" or value == []
    if empty:
        if question.required:
            raise ValidationError({f"q{question.pk}": _("Please answer this question.")})
        return None
    if question.kind in (QuestionKind.LIKERT, QuestionKind.NPS):
        allowed = LIKERT if question.kind == QuestionKind.LIKERT else NPS
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if (
            number is None
            or isinstance(value, bool)
            or str(value).strip() != str(number)
            or number not in allowed
        ):
            raise ValidationError({f"q{question.pk}": _("Choose a whole number from %(low)d to %(high)d.")
                                   % {"low": allowed[0], "high": allowed[-1]}})  # fmt: skip
        return number
    if question.kind == QuestionKind.SINGLE:
        if value not in question.choices:
            raise ValidationError({f"q{question.pk}": _("Choose one of the given answers.")})
        return value
    if question.kind == QuestionKind.MULTIPLE:
        values = value if isinstance(value, list) else [value]
        if any(v not in question.choices for v in values) or len(set(values)) != len(values):
            raise ValidationError(
                {f"q{question.pk}": _("Choose among the given answers, each once.")}
            )
        return [c for c in question.choices if c in values]  # in the question's order
    text = str(value).strip()
    if len(text) > TEXT_MAX or "\x00" in text:
        raise ValidationError({f"q{question.pk}": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    return text or None


def response_submit(
    *, survey: Survey, user, answers: dict, answered_at: datetime | None = None,
    client: str | None = None,
) -> SurveyResponse:  # fmt: skip
    """Store a response after checking every answer; an account answers once.

    ``answered_at`` is when the answers were given, for answers collected on paper while
    the survey ran and typed in later; it must fall within the survey's time.
    ``client`` (the sender's address) limits how many answers it may send without an
    account.
    """
    signed_in = getattr(user, "is_authenticated", False)
    if not is_open(survey, answered_at):
        raise ValidationError({"survey": _("This survey is not open now.")})
    if survey.login_required and not signed_in:
        raise PermissionDenied(_("Log in to answer this survey."))
    if not rules.can_see_survey(user, survey):
        raise PermissionDenied(_("Only the municipality's team answers this pulse check."))
    if (
        client
        and not signed_in
        and throttle.over_limit(
            "survey", str(survey.pk), client, limit=settings.SURVEY_ANSWER_LIMIT, window=3600
        )
    ):
        raise throttle.Throttled(
            _("Many answers came from this connection; please wait an hour."), retry_after=3600
        )
    questions = list(survey.questions.all())
    known = {str(q.pk) for q in questions}
    unknown = [k for k in answers if str(k) not in known]
    if unknown:
        raise ValidationError(
            {"answers": _("No question %(id)s in this survey.") % {"id": unknown[0]}}
        )
    errors, stored = {}, {}
    for q in questions:
        try:
            value = _check(q, answers.get(str(q.pk), answers.get(q.pk)))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if value is not None:
            stored[str(q.pk)] = value
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            if survey.anonymous and secrecy.held_open(Survey, survey.pk):
                raise ValidationError({"survey": _("This survey is not open now.")})
            if signed_in and survey.anonymous:
                SurveyParticipation.objects.create(survey=survey, user=user)
            response = SurveyResponse.objects.create(
                survey=survey,
                user=user if signed_in and not survey.anonymous else None,
                answers=stored,
            )
            # An answer racing the seal: on PostgreSQL the share lock above keeps the
            # seal waiting; on SQLite this transaction holds the write lock by now, so a
            # seal that came first shows here and nothing of this answer stays.
            if Survey.objects.filter(pk=survey.pk, sealed_at__isnull=False).exists():
                raise ValidationError({"survey": _("This survey is not open now.")})
            return response
    except IntegrityError:
        raise ValidationError({"survey": _("You have answered this survey already.")}) from None


def survey_results(survey: Survey) -> dict:
    """Return per question: counts per answer, the mean (1-5), the NPS, or the texts.

    A closed anonymous survey is sealed first (secrecy.py).
    """
    if survey.anonymous and survey.sealed_at is None and survey.closes_at <= timezone.now():
        secrecy.survey_seal(survey=survey)
    responses = list(survey.responses.values_list("answers", flat=True))
    out = {"responses": len(responses), "questions": []}
    for q in survey.questions.all():
        values = [r[str(q.pk)] for r in responses if str(q.pk) in r]
        item = {
            "id": q.pk,
            "kind": q.kind,
            "text": q.text,
            "text_en": q.text_en,
            "answered": len(values),
        }
        if q.kind in (QuestionKind.LIKERT, QuestionKind.NPS):
            scale = LIKERT if q.kind == QuestionKind.LIKERT else NPS
            item["counts"] = {str(k): values.count(k) for k in scale}
            item["mean"] = round(sum(values) / len(values), 2) if values else None
            if q.kind == QuestionKind.NPS and values:
                promoters = sum(v >= 9 for v in values)
                detractors = sum(v <= 6 for v in values)
                item["nps"] = round(100 * (promoters - detractors) / len(values))
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
            item["counts"] = {c: flat.count(c) for c in q.choices}
        else:
            item["texts"] = values
        out["questions"].append(item)
    return out


def series_trend(municipality: Municipality, series: str, user=None) -> list[dict]:
    """Return each published wave of a pulse series the user may see, with the mean of each
    question (by position) and the NPS. Each wave is judged by itself: opening the latest
    wave to the public does not open the team's earlier ones."""
    waves = Survey.objects.filter(
        municipality=municipality, series=series, published=True
    ).order_by("opens_at")
    trend = []
    for wave in waves:
        if not rules.can_see_survey(user, wave):
            continue
        results = survey_results(wave)
        trend.append({
            "survey": wave.slug, "opens_at": wave.opens_at.isoformat(), "responses": results["responses"],
            "means": [q["mean"] for q in results["questions"] if q["kind"] == QuestionKind.LIKERT],
            "nps": next((q.get("nps") for q in results["questions"] if q["kind"] == QuestionKind.NPS), None),
        })  # fmt: skip
    return trend
