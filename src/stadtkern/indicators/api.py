"""JSON API of the indicators: the template catalogue, a municipality's indicators with
their status, values with provenance, targets and milestones, effects of measures, the
comparison across municipalities, and computations as jobs.

Every read is the JSON twin of a page and uses the same selector; drafts, failed
computations' messages and who entered a value are for the municipality's members.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictFloat, StrictInt

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.jobs import progress_of
from stadtkern.core.models import Job
from stadtkern.core.pagination import Page
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, LongText, OptionalTitle, Slug, Title, text
from stadtkern.strategy import selectors as strategy_selectors

from . import catalogue, jobs, rules, selectors, services, targets
from .models import (
    Comparison,
    Direction,
    Effect,
    Indicator,
    Level,
    Milestone,
    SensorFunction,
    SensorInterval,
    SourceKind,
    SurveyMeasure,
)

router = Router(tags=["indicators"])
MAX_MILESTONES = 50

Key = text(63, 2)
Period = text(40, 1)
District = text(200)


class TemplateOut(Schema):
    key: str
    name: str
    name_en: str
    explanation: str
    explanation_en: str
    formula: str
    unit: str
    unit_en: str
    decimals: int
    direction: str
    level: str
    comparison: str
    sdg: list[str]
    source_hint: str
    limit_value: float | None


class LatestOut(Schema):
    period: str
    start: date
    end: date
    value: float


class TargetOut(Schema):
    baseline_value: float
    baseline_date: date
    target_value: float
    target_date: date
    tolerance: float
    text: str
    text_en: str


class MilestoneOut(Schema):
    date: date
    value: float
    label: str


class StatusOut(Schema):
    status: Literal[targets.STATUSES]  # type: ignore[valid-type]
    expected: float | None = Field(
        None, description="the target path's value on the last day of the latest period"
    )
    shortfall: float | None = Field(
        None, description="how far behind the path, in the unit; 0 or less is ahead"
    )
    rule: str = Field(description="how the status is judged")


class IndicatorOut(Schema):
    key: str
    name: str
    name_en: str
    explanation: str
    explanation_en: str
    formula: str
    unit: str
    unit_en: str
    decimals: int
    direction: str
    level: str
    comparison: str
    source: str
    published: bool
    goals: list[int]
    sdg_targets: list[str]
    limit_value: float | None
    latest: LatestOut | None
    target: TargetOut | None
    milestones: list[MilestoneOut]
    status: StatusOut
    computed_at: datetime | None
    error: str | None = Field(None, description="the last computation's failure (members only)")


class ValueOut(Schema):
    period: str
    start: date
    end: date
    district: str | None
    value: float
    provenance: dict

    @staticmethod
    def resolve_district(obj) -> str | None:
        return obj.district or None  # the whole municipality


class ValueIn(Schema):
    period: Period
    value: StrictInt | StrictFloat | str  # a number or its text (12,5); never true or false
    district: District = ""
    source: text(300) = ""
    as_of: date | None = None


class AdoptIn(Schema):
    key: Key
    published: bool = False
    goals: list[Id] = Field(default_factory=list, max_length=200)


class IndicatorPatch(Schema):
    name: Title | None = None
    name_en: OptionalTitle | None = None
    explanation: LongText | None = None
    explanation_en: LongText | None = None
    unit: text(40) | None = None
    unit_en: text(40) | None = None
    decimals: int | None = Field(None, ge=0, le=6)
    direction: Literal[tuple(Direction.values)] | None = None  # type: ignore[valid-type]
    level: Literal[tuple(Level.values)] | None = None  # type: ignore[valid-type]
    comparison: Literal[tuple(Comparison.values)] | None = None  # type: ignore[valid-type]
    published: bool | None = None
    source: Literal[tuple(SourceKind.values)] | None = None  # type: ignore[valid-type]
    query: Slug | None = Field(None, description="the short name of a saved query")
    period_column: text(63, 1) | None = None
    value_column: text(63, 1) | None = None
    district_column: text(63) | None = None
    datastream: Id | None = None
    sensor_interval: Literal[tuple(SensorInterval.values)] | None = None  # type: ignore[valid-type]
    sensor_function: Literal[tuple(SensorFunction.values)] | None = None  # type: ignore[valid-type]
    survey_series: Slug | None = None
    survey_question: int | None = Field(None, ge=1, le=500)
    survey_measure: Literal[tuple(SurveyMeasure.values)] | None = None  # type: ignore[valid-type]
    baseline_value: float | None = None
    baseline_date: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    target_text: text(300) | None = None
    target_text_en: text(300) | None = None
    tolerance: float | None = Field(None, ge=0, le=1e15)
    goals: list[Id] | None = Field(None, max_length=200)
    sdg_targets: list[text(5, 3)] | None = Field(None, max_length=169)


class MilestoneIn(Schema):
    date: date
    value: float = Field(ge=-1e15, le=1e15)
    label: text(200) = ""


class EffectIn(Schema):
    indicator: Key
    year: int = Field(ge=1990, le=2100)
    planned: float = Field(ge=-1e15, le=1e15)
    achieved: float | None = Field(None, ge=-1e15, le=1e15)
    note: text(300) = ""


class EffectOut(Schema):
    indicator: str
    year: int
    planned: float
    achieved: float | None
    note: str


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    percent: int | None
    error: str
    created_at: datetime
    finished_at: datetime | None


class ComparisonRow(Schema):
    municipality: str
    name: str
    ags: str | None
    population: int | None
    population_year: int | None
    per_1000_inhabitants: bool
    latest: LatestOut | None
    latest_compared: float | None = Field(
        description="per 1,000 inhabitants where the indicator asks for it"
    )


class ComparisonOut(Schema):
    key: str
    unit: str
    municipalities: list[ComparisonRow]


RULE = (
    "on_track: at the target path or better, or worse by at most the tolerance; at_risk: worse "
    "by more than the tolerance, at most twice; off_track: worse by more than twice the "
    "tolerance; no_data: no target or no value. The path runs in straight lines from the "
    "baseline through the milestones to the target; the latest whole-municipality value is "
    "compared on the last day of its period."
)


def _latest(v) -> dict | None:
    return {"period": v.period, "start": v.start, "end": v.end, "value": v.value} if v else None


def _out(card: selectors.Card, user) -> dict:
    i = card.indicator
    target = None
    if i.has_target:
        target = {"baseline_value": i.baseline_value, "baseline_date": i.baseline_date,
                  "target_value": i.target_value, "target_date": i.target_date,
                  "tolerance": i.tolerance, "text": i.target_text, "text_en": i.target_text_en}  # fmt: skip
    j = card.judgement
    return {
        **{
            f: getattr(i, f)
            for f in (
                "key",
                "name",
                "name_en",
                "explanation",
                "explanation_en",
                "formula",
                "unit",
                "unit_en",
                "decimals",
                "direction",
                "level",
                "comparison",
                "source",
                "published",
                "limit_value",
                "computed_at",
            )
        },  # fmt: skip
        "goals": [g.pk for g in selectors.goals_of(i, user)],
        "sdg_targets": [t.code for t in i.sdg_targets.all()],
        "latest": _latest(card.latest),
        "target": target,
        "milestones": [
            {"date": m.date, "value": m.value, "label": m.label} for m in card.milestones
        ],
        "status": {
            "status": j.status,
            "expected": j.expected,
            "shortfall": j.shortfall,
            "rule": RULE,
        },
        "error": (i.error or None) if rules.can_see_errors(user, i.municipality) else None,
    }


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_edit_indicators(request.auth, municipality):
        raise PermissionDenied("Only editors and administrators of this municipality may do this.")
    return municipality


def _indicator(request, slug: str, key: str, *, edit: bool = False) -> Indicator:
    municipality = _editable(request, slug) if edit else municipality_get(slug)
    return selectors.indicator_get(request.auth, municipality, key)


@router.get("/indicator-templates", response=list[TemplateOut], auth=READ)
def template_list(request):
    """The catalogue a municipality adopts indicators from; the key is what compares."""
    return list(catalogue.templates().values())


@router.get("/indicator-templates/{key}/comparison", response=ComparisonOut, auth=READ)
def comparison(request, key: Key):
    """Every municipality that publishes the indicator, with its latest value and, where the
    indicator asks for it, that value per 1,000 inhabitants."""
    entries = selectors.comparison(key)
    if not entries and key not in catalogue.templates():
        raise Http404("No municipality publishes this indicator.")
    template = catalogue.templates().get(key)
    unit = template.unit if template else entries[0].indicator.unit
    rows = [
        {
            "municipality": e.municipality.slug,
            "name": e.municipality.name,
            "ags": e.municipality.ags,
            "population": e.municipality.population,
            "population_year": e.municipality.population_year,
            "per_1000_inhabitants": e.per_1000,
            "latest": _latest(e.latest),
            "latest_compared": e.shown(e.latest.value) if e.latest else None,
        }  # fmt: skip
        for e in entries
    ]
    return {"key": key, "unit": unit, "municipalities": rows}


@router.get("/municipalities/{slug}/indicators", response=list[IndicatorOut], auth=READ)
def indicator_list(request, slug: Slug):
    """The municipality's indicators with their latest value and status (drafts for members)."""
    municipality = municipality_get(slug)
    indicators = list(
        selectors.visible(request.auth, municipality).prefetch_related("goals", "sdg_targets")
    )
    cards = selectors.cards(indicators)
    return [_out(cards[i.pk], request.auth) for i in indicators]


@router.post("/municipalities/{slug}/indicators", response={201: IndicatorOut}, auth=WRITE)
def indicator_adopt(request, slug: Slug, payload: AdoptIn):
    """Adopt an indicator from the template catalogue."""
    municipality = _editable(request, slug)
    indicator = services.indicator_adopt(
        municipality=municipality, key=payload.key, user=request.auth,
        published=payload.published, goals=payload.goals,
    )  # fmt: skip
    return Status(201, _out(selectors.card(indicator), request.auth))


@router.get("/municipalities/{slug}/indicators/{key}", response=IndicatorOut, auth=READ)
def indicator_detail(request, slug: Slug, key: Key):
    return _out(selectors.card(_indicator(request, slug, key)), request.auth)


@router.patch("/municipalities/{slug}/indicators/{key}", response=IndicatorOut, auth=WRITE)
def indicator_update(request, slug: Slug, key: Key, payload: IndicatorPatch):
    """Change definition, source or target; a changed source is computed again."""
    indicator = _indicator(request, slug, key, edit=True)
    changes = payload.dict(exclude_unset=True)
    services.indicator_update(
        indicator=indicator, user=request.auth, **services.resolve_references(indicator, changes)
    )
    return _out(selectors.card(indicator), request.auth)


@router.delete("/municipalities/{slug}/indicators/{key}", response={204: None}, auth=WRITE)
def indicator_delete(request, slug: Slug, key: Key):
    services.indicator_delete(
        indicator=_indicator(request, slug, key, edit=True), user=request.auth
    )
    return Status(204, None)


@router.get("/municipalities/{slug}/indicators/{key}/values", response=list[ValueOut], auth=READ)
@paginate(Page)
def value_list(request, slug: Slug, key: Key, district: District | None = None):
    """Every value with its provenance, oldest first, a page at a time; ``district`` = ""
    for the whole municipality only."""
    indicator = _indicator(request, slug, key)
    return selectors.values_table(indicator, district).order_by("end", "district", "pk")


@router.post("/municipalities/{slug}/indicators/{key}/values", response={201: ValueOut}, auth=WRITE)
def value_enter(request, slug: Slug, key: Key, payload: ValueIn):
    """Enter or correct a value of an indicator whose values are entered, with its source."""
    indicator = _indicator(request, slug, key, edit=True)
    return Status(
        201, services.value_enter(indicator=indicator, user=request.auth, **payload.dict())
    )


@router.put(
    "/municipalities/{slug}/indicators/{key}/milestones", response=list[MilestoneOut], auth=WRITE
)
def milestones_set(request, slug: Slug, key: Key, payload: list[MilestoneIn]):
    """Replace the milestones between baseline and target."""
    indicator = _indicator(request, slug, key, edit=True)
    if len(payload) > MAX_MILESTONES:
        raise ValidationError({"milestones": f"At most {MAX_MILESTONES} milestones."})
    services.milestones_replace(indicator=indicator, user=request.auth,
                                milestones=[(m.date, m.value, m.label) for m in payload])  # fmt: skip
    return list(Milestone.objects.filter(indicator=indicator))


@router.post("/municipalities/{slug}/indicators/{key}/compute", response={202: JobOut}, auth=WRITE)
def compute(request, slug: Slug, key: Key):
    """Queue a computation (the worker runs it); the answer is the job to follow."""
    indicator = _indicator(request, slug, key, edit=True)
    if not indicator.computed:
        raise PermissionDenied("This indicator's values are entered, not computed.")
    job = jobs.enqueue_compute(indicator.municipality, [indicator], user=request.auth)
    job = job or Job.objects.filter(kind=jobs.KIND, municipality=indicator.municipality).first()
    return Status(202, _job(job))


def _job(job: Job) -> dict:
    return {"id": job.pk, "kind": job.kind, "title": job.title, "status": job.status,
            "percent": progress_of(job)["percent"], "error": job.error,
            "created_at": job.created_at, "finished_at": job.finished_at}  # fmt: skip


@router.get("/municipalities/{slug}/jobs/{job_id}", response=JobOut, auth=READ)
def job_detail(request, slug: Slug, job_id: Id):
    """A job of the municipality, for its members."""
    municipality = municipality_get(slug)
    if not rules.can_see_errors(request.auth, municipality):
        raise Http404("No such job.")
    job = Job.objects.filter(pk=job_id, municipality=municipality).first()
    if job is None:
        raise Http404("No such job.")
    return _job(job)


@router.get(
    "/municipalities/{slug}/measures/{measure_id}/effects", response=list[EffectOut], auth=READ
)
def effect_list(request, slug: Slug, measure_id: Id):
    """What the measure should contribute to indicators, year by year, and what it did."""
    municipality = municipality_get(slug)
    measure = strategy_selectors.measure_get(
        municipality=municipality, user=request.auth, pk=measure_id
    )
    visible = selectors.visible(request.auth, municipality)
    return [
        {
            "indicator": e.indicator.key,
            "year": e.year,
            "planned": e.planned,
            "achieved": e.achieved,
            "note": e.note,
        }
        for e in Effect.objects.filter(measure=measure, indicator__in=visible).select_related(
            "indicator"
        )
    ]


@router.put("/municipalities/{slug}/measures/{measure_id}/effects", response=EffectOut, auth=WRITE)
def effect_set(request, slug: Slug, measure_id: Id, payload: EffectIn):
    """Set the planned (and achieved) contribution of the measure to an indicator in a year."""
    municipality = _editable(request, slug)
    measure = strategy_selectors.measure_get(
        municipality=municipality, user=request.auth, pk=measure_id
    )
    indicator = selectors.indicator_get(request.auth, municipality, payload.indicator)
    e = services.effect_set(measure=measure, indicator=indicator, user=request.auth, year=payload.year,
                            planned=payload.planned, achieved=payload.achieved, note=payload.note)  # fmt: skip
    return {
        "indicator": indicator.key,
        "year": e.year,
        "planned": e.planned,
        "achieved": e.achieved,
        "note": e.note,
    }
