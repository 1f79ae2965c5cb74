"""Money: budget lines, actual costs (entered, corrected, imported), applications, the
financing plan with the rules it breaks, and the funding catalogue the instance shares.
Amounts are strings with two decimals, so that no client rounds them through a float."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, File, PatchDict, Router, Schema, Status
from ninja.files import UploadedFile

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, LongText, Slug
from stadtkern.core.types import text as sized
from stadtkern.data import importing

from .. import rules
from ..models import Actual, Application, FundingProgramme
from ..services import money
from .common import Input, changes, internal, one, plain, project

router = Router()

CostType = Literal["personnel", "material", "investment", "services"]
Status_ = Literal["idea", "draft", "submitted", "granted", "rejected"]
Year = Annotated[int, Field(ge=2000, le=2100)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


def _amount(value) -> str | None:
    return None if value is None else str(value)


class MoneyOut(Schema):
    budget: list[dict]
    actuals: dict[str, str]
    applications: list[dict]
    own_funds: str | None
    problems: list[dict]


def _application(a: Application) -> dict:
    return {**plain(a, ("id", "status", "deadline", "submitted_on", "decided_on", "note")),
            "programme": a.programme.key, "requested": _amount(a.requested), "granted": _amount(a.granted)}  # fmt: skip


@router.get("/municipalities/{slug}/projects/{pk}/money", response=MoneyOut, auth=READ)
def money_detail(request, slug: Slug, pk: Id):
    """Budget lines, actual costs by cost type, applications and the rules the financing
    plan breaks (each with the field and the rule's code)."""
    found = project(request, slug, pk)
    spent: dict[str, Decimal] = {}
    for cost_type, amount in found.actuals.values_list("cost_type", "amount"):
        spent[cost_type] = spent.get(cost_type, Decimal(0)) + amount
    return {
        "budget": [{"year": b.year, "cost_type": b.cost_type, "planned": _amount(b.planned),
                    "forecast": _amount(b.forecast)} for b in found.budget.all()],
        "actuals": {k: str(v) for k, v in spent.items()},
        "applications": [_application(a) for a in found.applications.select_related("programme")],
        "own_funds": _amount(found.own_funds),
        "problems": [{"field": p.field, "rule": p.rule, "message": p.message}
                     for p in money.financing_problems(found)],
    }  # fmt: skip


class BudgetIn(Input):
    year: Year
    cost_type: CostType
    planned: Decimal
    forecast: Decimal | None = None


@router.put("/municipalities/{slug}/projects/{pk}/money/budget", response=MoneyOut, auth=WRITE)
def budget_set(request, slug: Slug, pk: Id, payload: BudgetIn):
    """Set one year's amount of one cost type (0 without forecast removes the line);
    refused when the grants would no longer fit."""
    money.budget_set(
        project=project(request, slug, pk, edit=True), user=request.auth, **payload.dict()
    )
    return money_detail(request, slug, pk)


class OwnFundsIn(Input):
    own_funds: Decimal


@router.put("/municipalities/{slug}/projects/{pk}/money/financing", response=MoneyOut, auth=WRITE)
def financing_set(request, slug: Slug, pk: Id, payload: OwnFundsIn):
    """The own funds of the financing plan; refused (422) naming the rule when own funds
    and grants do not add up to the costs or fall below a programme's own share."""
    money.financing_set(project=project(request, slug, pk, edit=True), user=request.auth,
                        own_funds=payload.own_funds)  # fmt: skip
    return money_detail(request, slug, pk)


# --- actual costs ---


class ActualOut(Schema):
    id: int
    booked_on: date
    cost_type: str
    amount: str
    text: str
    reference: str
    source: str


class ActualIn(Input):
    booked_on: date
    cost_type: CostType
    amount: Decimal
    text: sized(300) = ""
    reference: sized(100) = ""


def _actual(a: Actual) -> dict:
    return {
        **plain(a, ("id", "booked_on", "cost_type", "text", "reference", "source")),
        "amount": str(a.amount),
    }


@router.get(
    "/municipalities/{slug}/projects/{pk}/money/actuals", response=list[ActualOut], auth=READ
)
def actual_list(request, slug: Slug, pk: Id, year: Year | None = None):
    """The bookings in date order, of one year if asked."""
    bookings = project(request, slug, pk).actuals.all()
    if year is not None:
        bookings = bookings.filter(booked_on__year=year)
    return [_actual(a) for a in bookings]


@router.post(
    "/municipalities/{slug}/projects/{pk}/money/actuals", response={201: ActualOut}, auth=WRITE
)
def actual_add(request, slug: Slug, pk: Id, payload: ActualIn):
    """A booking; a cancellation is a negative amount."""
    created = money.actual_add(
        project=project(request, slug, pk, edit=True), user=request.auth, **payload.dict()
    )
    return Status(201, _actual(created))


def _booking(request, slug, pk, actual):
    return one(
        Actual.objects.filter(project=project(request, slug, pk, edit=True)), actual, "booking"
    )


@router.patch(
    "/municipalities/{slug}/projects/{pk}/money/actuals/{int:actual}",
    response=ActualOut,
    auth=WRITE,
)
def actual_update(request, slug: Slug, pk: Id, actual: Id, payload: PatchDict[ActualIn]):
    """Correct a booking; the audit log keeps what it said before."""
    target = _booking(request, slug, pk, actual)
    return _actual(money.actual_update(actual=target, user=request.auth, **changes(payload)))


@router.delete(
    "/municipalities/{slug}/projects/{pk}/money/actuals/{int:actual}",
    response={204: None},
    auth=WRITE,
)
def actual_delete(request, slug: Slug, pk: Id, actual: Id):
    money.actual_delete(actual=_booking(request, slug, pk, actual), user=request.auth)
    return Status(204, None)


class ImportOut(Schema):
    imported: int


@router.post(
    "/municipalities/{slug}/projects/{pk}/money/actuals/import",
    response={201: ImportOut},
    auth=WRITE,
)
def actuals_import(request, slug: Slug, pk: Id, file: File[UploadedFile]):
    """A CSV, XLSX or ODS export of the finance system (columns Datum, Betrag, Kostenart;
    Buchungstext and Beleg if there are). All lines or none: a bad line is named and
    nothing is stored."""
    found = project(request, slug, pk, edit=True)
    with importing.uploaded(file) as path:
        n = money.actuals_import(
            project=found, user=request.auth, path=path, name=file.name or "upload"
        )
    return Status(201, {"imported": n})


# --- applications ---


class ApplicationOut(Schema):
    id: int
    programme: str
    status: str
    requested: str
    granted: str | None
    deadline: date | None
    submitted_on: date | None
    decided_on: date | None
    note: str


class ApplicationIn(Input):
    programme: sized(60, 1)
    status: Status_ = "idea"
    requested: Decimal
    granted: Decimal | None = None
    deadline: date | None = None
    submitted_on: date | None = None
    decided_on: date | None = None
    note: LongText = ""


@router.post("/municipalities/{slug}/projects/{pk}/money/applications", response={201: ApplicationOut},
             auth=WRITE)  # fmt: skip
def application_add(request, slug: Slug, pk: Id, payload: ApplicationIn):
    """An application to a programme of the catalogue (by its ``key``); the amounts are
    checked against the programme's rate and the eligible costs."""
    found = project(request, slug, pk, edit=True)
    fields = payload.dict(exclude_unset=True)
    programme = get_object_or_404(FundingProgramme, key=fields.pop("programme"))
    return Status(201, _application(money.application_save(project=found, user=request.auth, programme=programme,
                                                           **fields)))  # fmt: skip


class ApplicationChange(Input):
    status: Status_
    requested: Decimal
    granted: Decimal | None = None
    deadline: date | None = None
    submitted_on: date | None = None
    decided_on: date | None = None
    note: LongText


@router.patch("/municipalities/{slug}/projects/{pk}/money/applications/{application}", response=ApplicationOut,
              auth=WRITE)  # fmt: skip
def application_update(
    request, slug: Slug, pk: Id, application: Id, payload: PatchDict[ApplicationChange]
):
    """Move an application on (submitted, granted with the amount granted, rejected)."""
    found = project(request, slug, pk, edit=True)
    target = one(Application.objects.filter(project=found).select_related("programme"), application,
                 "application")  # fmt: skip
    fields = changes(payload, nullable=("granted", "deadline", "submitted_on", "decided_on"))
    return _application(
        money.application_save(project=found, user=request.auth, application=target, **fields)
    )


# --- the funding catalogue ---


class FundingOut(Schema):
    key: str
    level: str
    state: str
    funder: str
    title: str
    description: str
    description_en: str
    rate: str
    rate_note: str
    min_own_share: str
    eligible: list[str]
    deadline: date | None
    deadline_note: str
    url: str
    collected_on: date
    added_by: str | None


class FundingIn(Input):
    key: Annotated[str, Field(pattern=r"^[-a-z0-9_]+$", min_length=1, max_length=60)]
    level: Literal["eu", "bund", "land", "other"]
    state: sized(2) = ""
    funder: sized(300, 1)
    title: sized(300, 1)
    description: sized(3000) = ""
    description_en: sized(3000) = ""
    rate: Percent
    rate_note: sized(300) = ""
    eligible: list[CostType] = Field(min_length=1)
    min_own_share: Percent = Decimal(0)
    deadline: date | None = None
    deadline_note: sized(300) = ""
    url: sized(500) = ""
    collected_on: date


def _funding(p: FundingProgramme) -> dict:
    fields = ("key", "level", "state", "funder", "title", "description", "description_en", "rate", "rate_note",
              "min_own_share", "eligible", "deadline", "deadline_note", "url", "collected_on")  # fmt: skip
    percent = {
        k: str(Decimal(getattr(p, k)).quantize(Decimal("0.01"))) for k in ("rate", "min_own_share")
    }
    return {**plain(p, fields), **percent, "added_by": p.added_by.slug if p.added_by else None}


@router.get("/funding-programmes", response=list[FundingOut], auth=READ)
def funding_list(request):
    """The funding programmes shared by every municipality on the instance."""
    return [_funding(p) for p in FundingProgramme.objects.select_related("added_by")]


@router.post("/municipalities/{slug}/funding-programmes", response={201: FundingOut}, auth=WRITE)
def funding_add(request, slug: Slug, payload: FundingIn):
    """Add a programme to the shared catalogue; the municipality that adds it looks after it."""
    municipality = internal(request, slug, edit=True)
    return Status(201, _funding(money.programme_create(user=request.auth, municipality=municipality,
                                                       **payload.dict())))  # fmt: skip


def _shared(request, key: str) -> FundingProgramme:
    programme = get_object_or_404(FundingProgramme.objects.select_related("added_by"), key=key)
    if not rules.can_change_shared(request.auth, programme.added_by):
        raise PermissionDenied(
            "Only editors of the municipality that added this programme, or the instance's staff, may change it."
            if programme.added_by else "The programmes shipped with the instance are changed by its staff."
        )  # fmt: skip
    return programme


@router.patch("/funding-programmes/{key}", response=FundingOut, auth=WRITE)
def funding_update(request, key: Slug, payload: PatchDict[FundingIn]):
    """New facts of a programme (a new call, deadline or rate)."""
    programme = _shared(request, key)
    fields = changes(payload, nullable=("deadline",))
    return _funding(money.programme_update(programme=programme, user=request.auth, **fields))


@router.delete("/funding-programmes/{key}", response={204: None}, auth=WRITE)
def funding_delete(request, key: Slug):
    """Remove a programme no application names."""
    money.programme_delete(programme=_shared(request, key), user=request.auth)
    return Status(204, None)
