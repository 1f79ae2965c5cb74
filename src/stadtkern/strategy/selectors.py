"""Every non-trivial read of the strategy house; each feeds a page and its JSON twin.

Visitors who are not members of a municipality see published objects only. Every
function runs a fixed number of queries, whatever the number of measures.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models import Value as Literal
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils.translation import get_language

from stadtkern.core import rules
from stadtkern.core.models import Municipality
from stadtkern.core.pagination import Rows

from .models import (
    Benefit,
    FieldOfAction,
    Goal,
    Measure,
    SdgGoal,
    SdgTarget,
    UserGroup,
    Value,
    VisionVersion,
)


def visible(qs: QuerySet, *, user, municipality: Municipality) -> QuerySet:
    """Restrict a strategy queryset to what the user may read."""
    qs = qs.filter(municipality=municipality)
    if not rules.can_view_drafts(user, municipality):
        qs = qs.filter(published=True)
    return qs


def object_get(model, *, pk: int, user, municipality: Municipality):
    """Return one visible object of the municipality or raise Http404."""
    try:
        return visible(model.objects.all(), user=user, municipality=municipality).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {model._meta.verbose_name} {pk}.") from None


def vision_current(*, municipality: Municipality, user) -> VisionVersion | None:
    return visible(VisionVersion.objects.all(), user=user, municipality=municipality).first()


def vision_history(*, municipality: Municipality, user) -> QuerySet:
    return visible(
        VisionVersion.objects.all(), user=user, municipality=municipality
    ).select_related("created_by")


def value_list(*, municipality: Municipality, user) -> QuerySet:
    return visible(Value.objects.all(), user=user, municipality=municipality)


def user_group_list(*, municipality: Municipality, user) -> QuerySet:
    return visible(UserGroup.objects.all(), user=user, municipality=municipality)


def _measure_count(user, municipality: Municipality) -> Count:
    if rules.can_view_drafts(user, municipality):
        return Count("measures", distinct=True)
    return Count("measures", filter=Q(measures__published=True), distinct=True)


def field_list(*, municipality: Municipality, user) -> QuerySet:
    return visible(FieldOfAction.objects.all(), user=user, municipality=municipality).annotate(
        measure_count=_measure_count(user, municipality)
    )


def goal_list(*, municipality: Municipality, user) -> QuerySet:
    return (
        visible(Goal.objects.all(), user=user, municipality=municipality)
        .annotate(measure_count=_measure_count(user, municipality))
        .prefetch_related(
            Prefetch("sdg_targets", queryset=SdgTarget.objects.select_related("goal"))
        )
    )


@dataclass
class MeasureFilter:
    """The filters of the measures list, shared by the page and the API."""

    field: int | None = None
    goal: int | None = None
    sdg: int | None = None
    target: str | None = None
    status: str | None = None
    user_group: int | None = None
    tag: str | None = None
    q: str | None = None
    published: bool | None = None


def title_order():
    """Sort by the title the reader sees: the English one on English pages, where given."""
    if get_language() == "en":
        return Coalesce(NullIf("title_en", Literal("")), "title")
    return F("title")


def measure_list(
    *, municipality: Municipality, user, filters: MeasureFilter | None = None
) -> QuerySet:
    """Return the visible measures with every relation prefetched (a fixed number of queries)."""
    f = filters or MeasureFilter()
    qs = visible(Measure.objects.all(), user=user, municipality=municipality)
    through = Measure.sdg_targets.through

    # Filters by a related object go through the objects the reader may see: a draft's
    # id used as a filter finds nothing, not the published measures that serve it.
    def seen(model, pk):
        return visible(model.objects.filter(pk=pk), user=user, municipality=municipality)

    if f.field:
        qs = qs.filter(fields_of_action__in=seen(FieldOfAction, f.field))
    if f.goal:
        qs = qs.filter(goals__in=seen(Goal, f.goal))
    if f.sdg:
        qs = qs.filter(pk__in=through.objects.filter(sdgtarget__goal=f.sdg).values("measure_id"))
    if f.target:
        qs = qs.filter(sdg_targets=f.target)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.user_group:
        qs = qs.filter(benefits__user_group__in=seen(UserGroup, f.user_group))
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q) | Q(title_en__icontains=f.q) | Q(summary__icontains=f.q)
        )
    if f.published is not None:
        qs = qs.filter(published=f.published)
    drafts = rules.can_view_drafts(user, municipality)
    fields_qs = (
        FieldOfAction.objects.all() if drafts else FieldOfAction.objects.filter(published=True)
    )
    goals_qs = Goal.objects.all() if drafts else Goal.objects.filter(published=True)
    benefits_qs = Benefit.objects.select_related("user_group")
    if not drafts:
        benefits_qs = benefits_qs.filter(user_group__published=True)
    return qs.order_by(title_order(), "id").prefetch_related(
        Prefetch("fields_of_action", queryset=fields_qs),
        Prefetch("goals", queryset=goals_qs),
        Prefetch("sdg_targets", queryset=SdgTarget.objects.select_related("goal")),
        Prefetch("benefits", queryset=benefits_qs),
        "tags",
    )


MEASURE_COLUMNS = (
    "id", "title", "title_en", "summary", "summary_en", "status", "responsible_unit",
    "start", "end", "estimated_cost", "published", "updated_at",
)  # fmt: skip


def measure_page(measures: QuerySet, drafts: bool) -> Rows:
    """The measures list as the API answers it, one page at a time: plain dicts, built
    from the page's rows and five queries for the relations of the whole page. Model
    instances with prefetched relations cost a queryset per measure and relation (some
    0.1 ms each: 250 ms for a page of 500)."""
    return Rows(
        measures.prefetch_related(None),
        lambda part: measure_rows(list(part.values(*MEASURE_COLUMNS)), drafts),
    )


def measure_rows(rows: list[dict], drafts: bool) -> list[dict]:
    """Give each measure row its fields of action, goals, SDG targets, benefits and tags,
    each list in the order of its model (as the measure's own pages show them), leaving
    out the unpublished ones for readers who see no drafts."""
    ids = [row["id"] for row in rows]
    published = {} if drafts else {"published": True}

    def through(relation: str, columns: tuple, order: tuple, **where) -> dict:
        model = getattr(Measure, relation).through
        found: dict[int, list] = {}
        values = model.objects.filter(measure_id__in=ids, **where).order_by(*order)
        for measure_id, *rest in values.values_list("measure_id", *columns):
            found.setdefault(measure_id, []).append(rest)
        return found

    fields = through(
        "fields_of_action", ("fieldofaction_id", "fieldofaction__title"),
        ("fieldofaction__position", "fieldofaction_id"),
        **{f"fieldofaction__{k}": v for k, v in published.items()},
    )  # fmt: skip
    goals = through(
        "goals", ("goal_id", "goal__title"),
        ("goal__priority", "goal__position", "goal_id"),
        **{f"goal__{k}": v for k, v in published.items()},
    )  # fmt: skip
    targets = through("sdg_targets", ("sdgtarget_id",), ("sdgtarget__goal", "sdgtarget__position"))
    tags = through("tags", ("tag__name",), ("tag__name",))
    benefits: dict[int, list] = {}
    benefit_rows = Benefit.objects.filter(
        measure_id__in=ids, **{f"user_group__{k}": v for k, v in published.items()}
    ).order_by("user_group__position", "user_group_id")
    for measure_id, group_id, group_title, value, value_en in benefit_rows.values_list(
        "measure_id", "user_group_id", "user_group__title", "value", "value_en"
    ):
        benefits.setdefault(measure_id, []).append(
            {"user_group": {"id": group_id, "title": group_title}, "value": value,
             "value_en": value_en}
        )  # fmt: skip
    for row in rows:
        pk = row["id"]
        row["fields_of_action"] = [{"id": i, "title": t} for i, t in fields.get(pk, ())]
        row["goals"] = [{"id": i, "title": t} for i, t in goals.get(pk, ())]
        row["sdg_targets"] = [code for (code,) in targets.get(pk, ())]
        row["benefits"] = benefits.get(pk, [])
        row["tags"] = [name for (name,) in tags.get(pk, ())]
    return rows


def measure_data(*, municipality: Municipality, user, pk: int) -> dict:
    """One measure as the API answers it (the list's form)."""
    rows = measure_page(
        measure_list(municipality=municipality, user=user).filter(pk=pk),
        rules.can_view_drafts(user, municipality),
    )[:1]
    if not rows:
        raise Http404(f"No measure {pk}.")
    return rows[0]


def measure_get(*, municipality: Municipality, user, pk: int) -> Measure:
    measure = measure_list(municipality=municipality, user=user).filter(pk=pk).first()
    if measure is None:
        raise Http404(f"No measure {pk}.")
    return measure


def goal_get(*, municipality: Municipality, user, pk: int) -> Goal:
    goal = goal_list(municipality=municipality, user=user).filter(pk=pk).first()
    if goal is None:
        raise Http404(f"No goal {pk}.")
    return goal


def sdg_goals() -> QuerySet:
    return SdgGoal.objects.all()


def sdg_targets(goal: int | None = None) -> QuerySet:
    qs = SdgTarget.objects.select_related("goal")
    return qs.filter(goal=goal) if goal else qs


# --- analysis ---


@dataclass
class Analysis:
    """Coverage of the strategy: fields of action x SDGs, gaps on both sides, SDG heat map."""

    sdgs: list[SdgGoal]
    fields: list[FieldOfAction]
    matrix: dict[int, dict[int, int]]  # field id -> SDG number -> number of measures
    sdg_totals: dict[int, int]  # SDG number -> number of measures
    goals_without_measures: list[Goal]
    measures_without_goal: list[Measure]
    measure_total: int
    max_cell: int = 0
    max_total: int = 0
    rows: list = field(default_factory=list)

    @property
    def heat(self) -> list[tuple[SdgGoal, int]]:
        return [(s, self.sdg_totals.get(s.number, 0)) for s in self.sdgs]

    def as_json(self) -> dict:
        return {
            "sdgs": [{"number": s.number, "short": s.short} for s in self.sdgs],
            "matrix": [
                {
                    "field": {"id": f.id, "title": f.display_title},
                    "counts": {
                        str(s.number): self.matrix.get(f.id, {}).get(s.number, 0) for s in self.sdgs
                    },
                }
                for f in self.fields
            ],
            "sdg_heat": [
                {"sdg": s.number, "short": s.short, "measures": self.sdg_totals.get(s.number, 0)}
                for s in self.sdgs
            ],
            "goals_without_measures": [
                {"id": g.id, "title": g.display_title} for g in self.goals_without_measures
            ],
            "measures_without_goal": [
                {"id": m.id, "title": m.display_title} for m in self.measures_without_goal
            ],
            "measure_total": self.measure_total,
        }


def analysis(*, municipality: Municipality, user) -> Analysis:
    """Return the coverage analysis over the measures the user may see."""
    measures = visible(Measure.objects.all(), user=user, municipality=municipality)
    fields = list(field_list(municipality=municipality, user=user))
    field_ids = {f.id for f in fields}
    cells = (
        measures.filter(fields_of_action__in=field_ids, sdg_targets__isnull=False)
        .values("fields_of_action", "sdg_targets__goal")
        .annotate(n=Count("id", distinct=True))
    )
    matrix: dict[int, dict[int, int]] = {}
    for row in cells:
        matrix.setdefault(row["fields_of_action"], {})[row["sdg_targets__goal"]] = row["n"]
    totals = {
        row["sdg_targets__goal"]: row["n"]
        for row in measures.filter(sdg_targets__isnull=False)
        .values("sdg_targets__goal")
        .annotate(n=Count("id", distinct=True))
    }
    goals = [g for g in goal_list(municipality=municipality, user=user) if g.measure_count == 0]
    orphan = list(measures.annotate(n=Count("goals")).filter(n=0).order_by("title"))
    result = Analysis(
        sdgs=list(SdgGoal.objects.all()),
        fields=fields,
        matrix=matrix,
        sdg_totals=totals,
        goals_without_measures=goals,
        measures_without_goal=orphan,
        measure_total=measures.count(),
    )
    result.max_cell = max((n for row in matrix.values() for n in row.values()), default=0)
    result.max_total = max(totals.values(), default=0)
    result.rows = [
        (f, [(s, matrix.get(f.id, {}).get(s.number, 0)) for s in result.sdgs]) for f in fields
    ]
    return result
