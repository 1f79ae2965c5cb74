"""Pages of surveys and pulse checks: the questionnaire, its results as charts, a series' trend."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stadtkern.core.charts import bars, line, number
from stadtkern.core.selectors import municipality_get
from stadtkern.core.throttle import Throttled, client_address

from . import rules, surveys
from .models import QuestionKind, Survey
from .selectors import survey_get


def _text(obj, field: str) -> str:
    english = getattr(obj, f"{field}_en", "")
    return english if get_language() == "en" and english else getattr(obj, field)


def survey(request, slug: str, survey_slug: str):
    survey = survey_get(request.user, slug, survey_slug)
    questions = list(survey.questions.all())
    errors, given, status = {}, {}, None
    if request.method == "POST":
        for q in questions:
            key = f"q{q.pk}"
            given[str(q.pk)] = (
                request.POST.getlist(key)
                if q.kind == QuestionKind.MULTIPLE
                else request.POST.get(key)
            )
        try:
            surveys.response_submit(
                survey=survey, user=request.user, answers=given, client=client_address(request)
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except Throttled as exc:
            errors, status = {"survey": [str(exc)]}, 429
        else:
            messages.success(request, _("Thank you: your answers were saved."))
            return redirect("participation:processes", slug=slug)
    for q in questions:
        q.label = _text(q, "text")
        q.error = " ".join(errors.get(f"q{q.pk}", []))
        q.given = given.get(str(q.pk))
        q.scale = (
            [str(k) for k in surveys.LIKERT] if q.kind == QuestionKind.LIKERT
            else [str(k) for k in surveys.NPS] if q.kind == QuestionKind.NPS else q.choices
        )  # fmt: skip
    must_log_in = survey.login_required and not request.user.is_authenticated
    return render(request, "participation/survey.html", {
        "municipality": survey.municipality, "survey": survey, "title": _text(survey, "title"),
        "questions": questions, "open": surveys.is_open(survey), "must_log_in": must_log_in,
        "general_errors": errors.get("survey", []) + errors.get("answers", []), "has_errors": bool(errors),
        "can_edit": rules.can_edit_participation(request.user, survey.municipality),
        "results_public": rules.can_see_survey_results(request.user, survey),
    }, status=status or (422 if errors else 200))  # fmt: skip


def survey_results(request, slug: str, survey_slug: str):
    survey = survey_get(request.user, slug, survey_slug)
    if not rules.can_see_survey_results(request.user, survey):
        return render(request, "participation/survey_results.html", {
            "municipality": survey.municipality, "survey": survey, "title": _text(survey, "title"), "pending": True,
        }, status=409)  # fmt: skip
    results = surveys.survey_results(survey)
    editor = rules.can_edit_participation(request.user, survey.municipality)
    for item in results["questions"]:
        item["label"] = (
            item["text_en"] if get_language() == "en" and item["text_en"] else item["text"]
        )
        if "counts" in item:
            item["chart"] = bars(list(item["counts"].items()), title=item["label"],
                                 x_label=_("Answer"), y_label=_("Number of answers"))  # fmt: skip
        if "texts" in item and not editor:
            item["texts"] = (
                None  # free text may name people: editors read it, the public sees the count
            )
    return render(request, "participation/survey_results.html", {
        "municipality": survey.municipality, "survey": survey, "title": _text(survey, "title"), "results": results,
    })  # fmt: skip


def _wave(wave: dict) -> date:
    """A wave on the time axis: the day it opened."""
    return date.fromisoformat(wave["opens_at"][:10])


def pulse_trend(request, slug: str, series: str):
    municipality = municipality_get(slug)
    waves = [
        w for w in Survey.objects.filter(municipality=municipality, series=series, published=True)
        .order_by("opens_at") if rules.can_see_survey(request.user, w)
    ]  # fmt: skip
    if not waves:
        raise Http404(_("No such pulse check."))
    trend = [w for w in surveys.series_trend(municipality, series, request.user) if w["responses"]]
    labels = [_text(q, "text") for q in waves[-1].questions.filter(kind=QuestionKind.LIKERT)]
    charts = []
    for k, label in enumerate(labels):
        points = [(_wave(w), w["means"][k] if k < len(w["means"]) else None) for w in trend]
        charts.append(line(points, title=label, x_label=_("wave"),
                           y_label=_("average agreement (1-5)"), y_range=(1, 5)))  # fmt: skip
    nps_chart = line(
        [(_wave(w), w["nps"]) for w in trend], title=_("Recommendation (NPS)"),
        x_label=_("wave"), y_label="NPS", y_range=(-100, 100),
    )  # fmt: skip
    return render(request, "participation/pulse_trend.html", {
        "municipality": municipality, "series": series, "title": _text(waves[-1], "title"), "trend": trend,
        "charts": [c for c in charts if c], "nps_chart": nps_chart, "now": timezone.now(),
        "rows": [{"day": _wave(w), "responses": w["responses"], "nps": "–" if w["nps"] is None else number(w["nps"]),
                  "means": ["–" if m is None else number(m, 2) for m in w["means"]]} for w in trend],
        "can_edit": rules.can_edit_participation(request.user, municipality),
    })  # fmt: skip
