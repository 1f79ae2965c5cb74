"""JSON API of the strategy house: vision, values, goals, fields of action, user groups,
measures, the SDG catalogue and the coverage analysis.

Every list and detail is the JSON twin of a page and uses the same selector.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from stadtkern.core import rules
from stadtkern.core.auth import READ, WRITE
from stadtkern.core.pagination import Page, Rows
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import (
    Id,
    LongText,
    OptionalTitle,
    Position,
    SearchText,
    Slug,
    Title,
    text,
)

from . import selectors, services
from .models import FieldOfAction, Goal, MeasureStatus, Priority, UserGroup, Value

router = Router(tags=["strategy"])

TargetCode = Annotated[str, Field(pattern=r"^[0-9]{1,2}\.[0-9a-z]{1,2}$", max_length=5)]
Tag = text(50, 1)


def _editable(request, slug: str):
    municipality = municipality_get(slug)
    if not rules.can_edit_strategy(request.auth, municipality):
        raise PermissionDenied("Only editors and administrators of this municipality may do this.")
    return municipality


# --- SDG catalogue ---


class SdgGoalOut(Schema):
    number: int
    short_de: str
    short_en: str
    title_de: str
    title_en: str


class SdgTargetOut(Schema):
    code: str
    goal: int = Field(alias="goal_id")
    title_de: str
    title_en: str


@router.get("/sdg/goals", response=list[SdgGoalOut], auth=READ, tags=["sdg"])
def sdg_goal_list(request):
    """List the 17 Sustainable Development Goals in German and English."""
    return selectors.sdg_goals()


@router.get("/sdg/targets", response=list[SdgTargetOut], auth=READ, tags=["sdg"])
def sdg_target_list(request, goal: int | None = Query(None, ge=1, le=17)):
    """List the 169 SDG targets, or those of one goal."""
    return selectors.sdg_targets(goal)


# --- vision ---


class VisionOut(Schema):
    version: int
    text: str
    text_en: str
    published: bool
    created_at: datetime


class VisionIn(Schema):
    text: text(10000, 1)
    text_en: LongText = ""
    published: bool = False


@router.get("/municipalities/{slug}/vision", response={200: VisionOut}, auth=READ)
def vision_detail(request, slug: Slug):
    """Return the current vision (members see an unpublished newer version)."""
    municipality = municipality_get(slug)
    vision = selectors.vision_current(municipality=municipality, user=request.auth)
    if vision is None:
        raise Http404("This municipality has no vision yet.")
    return vision


@router.get("/municipalities/{slug}/vision/versions", response=list[VisionOut], auth=READ)
def vision_versions(request, slug: Slug):
    municipality = municipality_get(slug)
    return selectors.vision_history(municipality=municipality, user=request.auth)


@router.put("/municipalities/{slug}/vision", response=VisionOut, auth=WRITE)
def vision_update(request, slug: Slug, payload: VisionIn):
    """Save a new version of the vision."""
    municipality = _editable(request, slug)
    return services.vision_update(municipality=municipality, user=request.auth, **payload.dict())


# --- values, fields of action, user groups: one shape ---


class SimpleIn(Schema):
    title: Title
    title_en: OptionalTitle = ""
    description: LongText = ""
    description_en: LongText = ""
    position: Position = 0
    published: bool = False


class SimplePatch(Schema):
    title: Title | None = None
    title_en: OptionalTitle | None = None
    description: LongText | None = None
    description_en: LongText | None = None
    position: Position | None = None
    published: bool | None = None


class SimpleOut(Schema):
    id: int
    title: str
    title_en: str
    description: str
    description_en: str
    position: int
    published: bool
    updated_at: datetime


class FieldOut(SimpleOut):
    measure_count: int


def _register_simple(path: str, model, out, list_selector, create, update, delete, noun: str):
    """Add list, create, detail, update and delete endpoints for a simple strategy object."""

    @router.get(
        f"/municipalities/{{slug}}/{path}",
        response=list[out],
        auth=READ,
        url_name=f"{path}-list",
        summary=f"List {noun}s",
    )
    def list_(request, slug: Slug):
        return list_selector(municipality=municipality_get(slug), user=request.auth)

    @router.post(
        f"/municipalities/{{slug}}/{path}",
        response={201: out},
        auth=WRITE,
        url_name=f"{path}-create",
        summary=f"Create a {noun}",
    )
    def create_(request, slug: Slug, payload: SimpleIn):
        municipality = _editable(request, slug)
        obj = create(municipality=municipality, user=request.auth, **payload.dict())
        return Status(
            201, list_selector(municipality=municipality, user=request.auth).get(pk=obj.pk)
        )

    @router.get(
        f"/municipalities/{{slug}}/{path}/{{obj_id}}",
        response=out,
        auth=READ,
        url_name=f"{path}-detail",
        summary=f"Read a {noun}",
    )
    def detail_(request, slug: Slug, obj_id: Id):
        municipality = municipality_get(slug)
        selectors.object_get(model, pk=obj_id, user=request.auth, municipality=municipality)
        return list_selector(municipality=municipality, user=request.auth).get(pk=obj_id)

    @router.patch(
        f"/municipalities/{{slug}}/{path}/{{obj_id}}",
        response=out,
        auth=WRITE,
        url_name=f"{path}-update",
        summary=f"Change a {noun}",
    )
    def update_(request, slug: Slug, obj_id: Id, payload: SimplePatch):
        municipality = _editable(request, slug)
        obj = selectors.object_get(model, pk=obj_id, user=request.auth, municipality=municipality)
        update(obj, user=request.auth, **payload.dict(exclude_unset=True, exclude_none=True))
        return list_selector(municipality=municipality, user=request.auth).get(pk=obj_id)

    @router.delete(
        f"/municipalities/{{slug}}/{path}/{{obj_id}}",
        response={204: None},
        auth=WRITE,
        url_name=f"{path}-delete",
        summary=f"Delete a {noun}",
    )
    def delete_(request, slug: Slug, obj_id: Id):
        municipality = _editable(request, slug)
        obj = selectors.object_get(model, pk=obj_id, user=request.auth, municipality=municipality)
        delete(obj, user=request.auth)
        return Status(204, None)

    for fn, verb in (
        (list_, "list"),
        (create_, "create"),
        (detail_, "detail"),
        (update_, "update"),
        (delete_, "delete"),
    ):
        fn.__name__ = f"{path.replace('-', '_')}_{verb}"


_register_simple(
    "values",
    Value,
    SimpleOut,
    selectors.value_list,
    services.value_create,
    lambda obj, **kw: services.value_update(value=obj, **kw),
    lambda obj, **kw: services.value_delete(value=obj, **kw),
    "value",
)
_register_simple(
    "fields",
    FieldOfAction,
    FieldOut,
    selectors.field_list,
    services.field_create,
    lambda obj, **kw: services.field_update(field=obj, **kw),
    lambda obj, **kw: services.field_delete(field=obj, **kw),
    "field of action",
)
_register_simple(
    "user-groups",
    UserGroup,
    SimpleOut,
    selectors.user_group_list,
    services.user_group_create,
    lambda obj, **kw: services.user_group_update(user_group=obj, **kw),
    lambda obj, **kw: services.user_group_delete(user_group=obj, **kw),
    "user group",
)


# --- goals ---


class GoalIn(SimpleIn):
    priority: Literal[tuple(Priority.values)] = Priority.MEDIUM  # type: ignore[valid-type]
    sdg_targets: list[TargetCode] = Field(default_factory=list, max_length=169)


class GoalPatch(SimplePatch):
    priority: Literal[tuple(Priority.values)] | None = None  # type: ignore[valid-type]
    sdg_targets: list[TargetCode] | None = Field(None, max_length=169)


class GoalOut(SimpleOut):
    priority: int
    sdg_targets: list[str]
    measure_count: int

    @staticmethod
    def resolve_sdg_targets(obj) -> list[str]:
        return [t.code for t in obj.sdg_targets.all()]


@router.get("/municipalities/{slug}/goals", response=list[GoalOut], auth=READ)
def goal_list(request, slug: Slug):
    """List the strategic goals with their SDG targets and number of measures."""
    return selectors.goal_list(municipality=municipality_get(slug), user=request.auth)


@router.post("/municipalities/{slug}/goals", response={201: GoalOut}, auth=WRITE)
def goal_create(request, slug: Slug, payload: GoalIn):
    municipality = _editable(request, slug)
    goal = services.goal_create(municipality=municipality, user=request.auth, **payload.dict())
    return Status(201, selectors.goal_get(municipality=municipality, user=request.auth, pk=goal.pk))


@router.get("/municipalities/{slug}/goals/{goal_id}", response=GoalOut, auth=READ)
def goal_detail(request, slug: Slug, goal_id: Id):
    return selectors.goal_get(municipality=municipality_get(slug), user=request.auth, pk=goal_id)


@router.patch("/municipalities/{slug}/goals/{goal_id}", response=GoalOut, auth=WRITE)
def goal_update(request, slug: Slug, goal_id: Id, payload: GoalPatch):
    municipality = _editable(request, slug)
    goal = selectors.object_get(Goal, pk=goal_id, user=request.auth, municipality=municipality)
    services.goal_update(
        goal=goal, user=request.auth, **payload.dict(exclude_unset=True, exclude_none=True)
    )
    return selectors.goal_get(municipality=municipality, user=request.auth, pk=goal_id)


@router.delete("/municipalities/{slug}/goals/{goal_id}", response={204: None}, auth=WRITE)
def goal_delete(request, slug: Slug, goal_id: Id):
    municipality = _editable(request, slug)
    goal = selectors.object_get(Goal, pk=goal_id, user=request.auth, municipality=municipality)
    services.goal_delete(goal=goal, user=request.auth)
    return Status(204, None)


# --- measures ---

StatusIn = Literal[tuple(MeasureStatus.values)]  # type: ignore[valid-type]
Cost = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"), max_digits=14, decimal_places=2)]


class BenefitIn(Schema):
    user_group: Id
    value: text(2000, 1)
    value_en: text(2000) = ""


class MeasureIn(Schema):
    title: Title
    title_en: OptionalTitle = ""
    summary: LongText = ""
    summary_en: LongText = ""
    fields_of_action: list[Id] = Field(default_factory=list, max_length=100)
    goals: list[Id] = Field(default_factory=list, max_length=100)
    sdg_targets: list[TargetCode] = Field(default_factory=list, max_length=169)
    benefits: list[BenefitIn] = Field(default_factory=list, max_length=100)
    status: StatusIn = "idea"
    responsible_unit: OptionalTitle = ""
    start: date | None = None
    end: date | None = None
    estimated_cost: Cost | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    published: bool = False


class MeasurePatch(Schema):
    title: Title | None = None
    title_en: OptionalTitle | None = None
    summary: LongText | None = None
    summary_en: LongText | None = None
    fields_of_action: list[Id] | None = Field(None, max_length=100)
    goals: list[Id] | None = Field(None, max_length=100)
    sdg_targets: list[TargetCode] | None = Field(None, max_length=169)
    benefits: list[BenefitIn] | None = Field(None, max_length=100)
    status: StatusIn | None = None
    responsible_unit: OptionalTitle | None = None
    start: date | None = None
    end: date | None = None
    estimated_cost: Cost | None = None
    tags: list[Tag] | None = Field(None, max_length=50)
    published: bool | None = None


# The answers below are validated from plain dicts (selectors.measure_rows): pydantic's
# own models do that in its compiled core, where ninja's Schema first wraps every value
# to read attributes from model instances (a third of a page's time).
class Ref(BaseModel):
    id: int
    title: str


class BenefitOut(BaseModel):
    user_group: Ref
    value: str
    value_en: str


class MeasureOut(BaseModel):
    id: int
    title: str
    title_en: str
    summary: str
    summary_en: str
    status: str
    responsible_unit: str
    start: date | None
    end: date | None
    estimated_cost: Decimal | None
    published: bool
    fields_of_action: list[Ref]
    goals: list[Ref]
    sdg_targets: list[str]
    benefits: list[BenefitOut]
    tags: list[str]
    updated_at: datetime


class MeasureQuery(Schema):
    field: Id | None = Field(None, description="id of a field of action")
    goal: Id | None = Field(None, description="id of a strategic goal")
    sdg: int | None = Field(None, ge=1, le=17, description="SDG number")
    target: TargetCode | None = Field(None, description="SDG target code, e.g. 11.2")
    status: StatusIn | None = None
    user_group: Id | None = None
    tag: Tag | None = None
    q: SearchText | None = Field(None, description="search in titles and summary")
    published: bool | None = None


@router.get("/municipalities/{slug}/measures", response=list[MeasureOut], auth=READ)
@paginate(Page)
def measure_list(request, slug: Slug, filters: Query[MeasureQuery]) -> Rows:
    """List measures, filtered and paginated, with all their relations."""
    municipality = municipality_get(slug)
    return selectors.measure_page(
        selectors.measure_list(
            municipality=municipality,
            user=request.auth,
            filters=selectors.MeasureFilter(**filters.dict()),
        ),
        rules.can_view_drafts(request.auth, municipality),
    )


@router.post("/municipalities/{slug}/measures", response={201: MeasureOut}, auth=WRITE)
def measure_create(request, slug: Slug, payload: MeasureIn):
    """Create a measure; every referenced goal, field and user group must be this municipality's."""
    municipality = _editable(request, slug)
    data = payload.dict()
    measure = services.measure_create(municipality=municipality, user=request.auth, **data)
    return Status(
        201, selectors.measure_data(municipality=municipality, user=request.auth, pk=measure.pk)
    )


@router.get("/municipalities/{slug}/measures/{measure_id}", response=MeasureOut, auth=READ)
def measure_detail(request, slug: Slug, measure_id: Id):
    return selectors.measure_data(
        municipality=municipality_get(slug), user=request.auth, pk=measure_id
    )


@router.patch("/municipalities/{slug}/measures/{measure_id}", response=MeasureOut, auth=WRITE)
def measure_update(request, slug: Slug, measure_id: Id, payload: MeasurePatch):
    """Change the given fields of a measure; lists given replace the old ones."""
    municipality = _editable(request, slug)
    measure = selectors.measure_get(municipality=municipality, user=request.auth, pk=measure_id)
    changes = payload.dict(exclude_unset=True)
    for required in ("title", "title_en", "summary", "status", "responsible_unit", "published"):
        if changes.get(required, "") is None:
            changes.pop(required)
    services.measure_update(measure=measure, user=request.auth, **changes)
    return selectors.measure_data(municipality=municipality, user=request.auth, pk=measure_id)


@router.delete("/municipalities/{slug}/measures/{measure_id}", response={204: None}, auth=WRITE)
def measure_delete(request, slug: Slug, measure_id: Id):
    municipality = _editable(request, slug)
    measure = selectors.measure_get(municipality=municipality, user=request.auth, pk=measure_id)
    services.measure_delete(measure=measure, user=request.auth)
    return Status(204, None)


# --- analysis ---


class AnalysisOut(Schema):
    sdgs: list[dict]
    matrix: list[dict]
    sdg_heat: list[dict]
    goals_without_measures: list[Ref]
    measures_without_goal: list[Ref]
    measure_total: int


@router.get("/municipalities/{slug}/analysis", response=AnalysisOut, auth=READ)
def analysis(request, slug: Slug):
    """Return the coverage matrix fields of action x SDGs, the SDG heat map and the gaps."""
    result = selectors.analysis(municipality=municipality_get(slug), user=request.auth)
    return result.as_json()
