"""Money: budget lines, actual costs (entered or imported), funding programmes, the
project's applications and its financing plan, each checked against the rules of
financing.py before anything is written."""

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from stadtkern.core.audit import snapshot
from stadtkern.core.models import AuditEntry
from stadtkern.core.services import audit_record
from stadtkern.core.text import tidy, without_controls

from .. import financing
from ..models import (
    Actual,
    Application,
    ApplicationStatus,
    BudgetLine,
    CostType,
    FundingProgramme,
    Project,
)
from ..models.money import MAX_AMOUNT
from .common import EARLIEST, LATEST, bounded, delete, save
from .plans import locked

PROGRAMME_FIELDS = ("key", "level", "state", "funder", "title", "description", "description_en",
                    "rate", "rate_note", "eligible", "min_own_share", "deadline", "deadline_note",
                    "url", "collected_on")  # fmt: skip


def _amount(value, field: str, *, negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(financing.CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: _("'%(v)s' is no amount.") % {"v": str(value)[:40]}}
        ) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT or (amount < 0 and not negative):
        raise ValidationError({field: _("Enter an amount from 0 to under one trillion euros.")})
    return amount


def _cost_type(value: str, field: str = "cost_type") -> str:
    if value not in CostType.values:
        raise ValidationError({field: _("Choose personnel, material, investment or services.")})
    return value


def costs_of(project: Project) -> dict[str, Decimal]:
    """The planned budget by cost type, over all years."""
    out: dict[str, Decimal] = {}
    for line in BudgetLine.objects.filter(project=project):
        out[line.cost_type] = out.get(line.cost_type, Decimal(0)) + line.planned
    return out


def _programme(p: FundingProgramme) -> financing.Programme:
    return financing.Programme(p.title, p.rate, tuple(p.eligible), p.min_own_share)


def _grant_rules(
    project: Project, costs: dict, grants: list[financing.Grant]
) -> list[financing.Problem]:
    """The rules on grants: each programme's grants together within its rate of the costs it
    funds (two applications to one programme count as one), all grants within the budget."""
    by_programme: dict = {}
    for g in grants:
        key = (g.programme.title, g.programme.rate, g.programme.eligible, g.programme.min_own_share)
        by_programme[key] = financing.Grant(g.programme, by_programme.get(key, financing.Grant(g.programme, 0)).amount
                                            + g.amount)  # fmt: skip
    return [
        p
        for p in financing.check(costs, None, list(by_programme.values()))
        if p.field == "requested"
    ]


def grants_of(project: Project, *, replacing: Application | None = None) -> list[financing.Grant]:
    grants = []
    for a in Application.objects.filter(project=project).select_related("programme"):
        if replacing is not None and a.pk == replacing.pk:
            continue
        if a.counted:
            grants.append(financing.Grant(_programme(a.programme), a.counted))
    if replacing is not None and replacing.counted:
        grants.append(financing.Grant(_programme(replacing.programme), replacing.counted))
    return grants


@transaction.atomic
def budget_set(*, project: Project, user, year: int, cost_type: str, planned,
               forecast=None) -> BudgetLine:  # fmt: skip
    """The planned amount (and forecast) of one year and cost type; 0 and no forecast
    removes the line."""
    project = locked(project)
    if not project.start.year <= year <= project.end.year:
        raise ValidationError({"year": _("The project runs from %(a)s to %(b)s.") % {
            "a": project.start.year, "b": project.end.year}})  # fmt: skip
    cost_type = _cost_type(cost_type)
    planned = _amount(planned, "planned")
    forecast = None if forecast in (None, "") else _amount(forecast, "forecast")
    line = BudgetLine.objects.filter(project=project, year=year, cost_type=cost_type).first()
    costs = costs_of(project)
    costs[cost_type] = costs.get(cost_type, Decimal(0)) - (line.planned if line else 0) + planned
    problems = _grant_rules(project, costs, grants_of(project))
    if problems:
        raise ValidationError({"planned": _("The grants would no longer fit the budget: %(p)s") % {
            "p": problems[0].message}})  # fmt: skip
    if planned == 0 and forecast is None:
        if line is not None:
            delete(line, municipality=project.municipality, user=user)
        return None
    before = snapshot(line) if line is not None else None
    line = line or BudgetLine(project=project, year=year, cost_type=cost_type)
    line.planned, line.forecast = planned, forecast
    return save(line, municipality=project.municipality, user=user, before=before)


@transaction.atomic
def actual_add(*, project: Project, user, booked_on: date, cost_type: str, amount, text: str = "",
               reference: str = "", source: str = "") -> Actual:  # fmt: skip
    bounded(booked_on, "booked_on")
    actual = Actual(project=project, booked_on=booked_on, cost_type=_cost_type(cost_type),
                    amount=_amount(amount, "amount", negative=True), text=text, reference=reference,
                    source=source or _("entered"))  # fmt: skip
    return save(actual, municipality=project.municipality, user=user, before=None)


ACTUAL_FIELDS = ("booked_on", "cost_type", "amount", "text", "reference")


@transaction.atomic
def actual_update(*, actual: Actual, user, **changes) -> Actual:
    """Correct a booking (a wrong amount, date or cost type); the audit log keeps what it
    said before."""
    unknown = set(changes) - set(ACTUAL_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    project = locked(actual.project)
    actual = Actual.objects.get(pk=actual.pk)
    before = snapshot(actual)
    for name, value in changes.items():
        setattr(actual, name, value)
    bounded(actual.booked_on, "booked_on")
    actual.cost_type = _cost_type(actual.cost_type)
    actual.amount = _amount(actual.amount, "amount", negative=True)
    return save(actual, municipality=project.municipality, user=user, before=before)


@transaction.atomic
def actual_delete(*, actual: Actual, user) -> None:
    """Remove a booking made in error (a cancellation in the finance system is a negative
    booking instead)."""
    delete(actual, municipality=actual.project.municipality, user=user)


COST_TYPE_NAMES = {
    "personnel": CostType.PERSONNEL, "personal": CostType.PERSONNEL, "personalkosten": CostType.PERSONNEL,
    "material": CostType.MATERIAL, "sach": CostType.MATERIAL, "sachkosten": CostType.MATERIAL,
    "sachmittel": CostType.MATERIAL, "investment": CostType.INVESTMENT, "investition": CostType.INVESTMENT,
    "investitionen": CostType.INVESTMENT, "services": CostType.SERVICES, "dienstleistung": CostType.SERVICES,
    "dienstleistungen": CostType.SERVICES, "fremdleistungen": CostType.SERVICES,
}  # fmt: skip
DATE_NAMES = ("booked_on", "date", "datum", "buchungsdatum", "belegdatum")
AMOUNT_NAMES = ("amount", "betrag", "betrag eur", "betrag (eur)", "summe")
TYPE_NAMES = ("cost_type", "cost type", "kostenart")
TEXT_NAMES = ("text", "buchungstext", "verwendungszweck", "beschreibung")
REFERENCE_NAMES = ("reference", "beleg", "belegnummer", "buchungsnummer")
MAX_ROWS = 50_000


def actuals_import(*, project: Project, user, path: Path, name: str) -> int:
    """Read a CSV, XLSX or ODS export of the finance system: a date, an amount and a cost
    type per line (text and reference optional). All lines or none: a file with a bad
    line names the lines and stores nothing."""
    from stadtkern.data.parsing import parse_date
    from stadtkern.indicators.imports import Report, _find, _open, _rows
    from stadtkern.indicators.sources import SourceError, parse_number

    def read(parse, text):
        try:
            return parse(text.strip())
        except (ValueError, ArithmeticError, SourceError):
            return None

    table = _open(path)
    at = {k: _find(table.header, names) for k, names in (("date", DATE_NAMES), ("amount", AMOUNT_NAMES),
          ("type", TYPE_NAMES), ("text", TEXT_NAMES), ("reference", REFERENCE_NAMES))}  # fmt: skip
    missing = [k for k in ("date", "amount", "type") if at[k] is None]
    if missing:
        raise ValidationError({"file": _(
            "The file needs columns for the date (Datum), the amount (Betrag) and the cost type "
            "(Kostenart); it has %(c)s.") % {"c": ", ".join(table.header)[:300]}})  # fmt: skip
    report, rows = Report(), []
    for line, cells in _rows(table, report):
        if len(rows) >= MAX_ROWS:
            raise ValidationError({"file": _("More than %(n)s rows.") % {"n": MAX_ROWS}})
        if not any(c.strip() for c in cells):
            continue
        booked = read(parse_date, cells[at["date"]])
        if booked is not None and not EARLIEST <= booked <= LATEST:
            booked = None
        value = read(parse_number, cells[at["amount"]])
        kind = COST_TYPE_NAMES.get(cells[at["type"]].strip().casefold())
        if booked is None:
            report.error(line, _("'%(v)s' is no date.") % {"v": cells[at["date"]][:40]})
        elif value is None or not abs(value) < MAX_AMOUNT:
            report.error(line, _("'%(v)s' is no amount.") % {"v": cells[at["amount"]][:40]})
        elif kind is None:
            report.error(line, _("'%(v)s' is no cost type (Personal, Sachkosten, Investition, Dienstleistung).")
                         % {"v": cells[at["type"]][:40]})  # fmt: skip
        else:
            rows.append(Actual(project=project, booked_on=booked, cost_type=kind,
                               amount=Decimal(str(value)).quantize(financing.CENT),
                               text=cells[at["text"]][:300] if at["text"] is not None else "",
                               reference=cells[at["reference"]][:100] if at["reference"] is not None else "",
                               source=without_controls(name)[:200]))  # fmt: skip
    report.check()
    if not rows:
        raise ValidationError({"file": _("The file holds no booking.")})
    with transaction.atomic():
        Actual.objects.bulk_create(rows, batch_size=2000)
        audit_record(municipality=project.municipality, obj=project, action=AuditEntry.Action.UPDATE, user=user,
                     before=None, after={"actuals_imported": len(rows), "file": without_controls(name)[:200]})  # fmt: skip
    return len(rows)


def _programme_checked(programme: FundingProgramme) -> None:
    for field in ("rate", "min_own_share"):
        value = getattr(programme, field)
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError({field: _("Enter a percentage.")}) from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise ValidationError({field: _("A percentage lies between 0 and 100.")})
        setattr(programme, field, value)
    if not isinstance(programme.eligible, list) or not programme.eligible:
        raise ValidationError({"eligible": _("Name at least one eligible cost type.")})
    for t in programme.eligible:
        _cost_type(t, "eligible")


def _programme_write(programme: FundingProgramme, fields: dict) -> None:
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    for name, value in fields.items():
        setattr(programme, name, value)
    _programme_checked(programme)
    bounded(programme.deadline, "deadline")
    bounded(programme.collected_on, "collected_on")
    if FundingProgramme.objects.filter(key=programme.key).exclude(pk=programme.pk).exists():
        raise ValidationError({"key": _("Another programme already has this short name.")})
    tidy(programme)
    programme.full_clean(exclude=["added_by"])
    try:
        with transaction.atomic():
            programme.save()
    except IntegrityError:
        raise ValidationError(
            {"key": _("Another programme already has this short name.")}
        ) from None


@transaction.atomic
def programme_create(*, user, municipality=None, **fields) -> FundingProgramme:
    """A funding programme for the whole instance, added by ``municipality``."""
    programme = FundingProgramme(added_by=municipality)
    _programme_write(programme, fields)
    if municipality is not None:
        audit_record(municipality=municipality, obj=programme, action=AuditEntry.Action.CREATE, user=user,
                     before=None, after=snapshot(programme))  # fmt: skip
    return programme


@transaction.atomic
def programme_update(*, programme: FundingProgramme, user, **changes) -> FundingProgramme:
    """New facts of a programme (a new deadline, a changed rate). Every application to it
    is then checked against them on its project's money page."""
    programme = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
    before = snapshot(programme)
    _programme_write(programme, changes)
    # A shipped programme belongs to the instance: its entry has no municipality.
    audit_record(municipality=programme.added_by, obj=programme, action=AuditEntry.Action.UPDATE, user=user,
                 before=before, after=snapshot(programme))  # fmt: skip
    return programme


@transaction.atomic
def programme_delete(*, programme: FundingProgramme, user) -> None:
    """Remove a programme no application names; one that is applied to stays, since the
    applications and their financing plans refer to its rules."""
    programme = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
    used = Application.objects.filter(programme=programme).count()
    if used:
        raise ValidationError({"key": _(
            "%(n)s application(s) refer to this programme; it stays while they do."
        ) % {"n": used}})  # fmt: skip
    delete(programme, municipality=programme.added_by, user=user)


APPLICATION_FIELDS = (
    "status",
    "requested",
    "granted",
    "deadline",
    "submitted_on",
    "decided_on",
    "note",
)


def _application_checked(application: Application, project: Project) -> None:
    application.requested = _amount(application.requested, "requested")
    if application.granted not in (None, ""):
        application.granted = _amount(application.granted, "granted")
    else:
        application.granted = None
    if application.status == ApplicationStatus.GRANTED and application.granted is None:
        raise ValidationError({"granted": _("A granted application needs the amount granted.")})
    if application.status not in ApplicationStatus.values:
        raise ValidationError({"status": _("Choose idea, draft, submitted, granted or rejected.")})
    bounded(application.deadline, "deadline")
    bounded(application.submitted_on, "submitted_on")
    bounded(application.decided_on, "decided_on")
    field = "granted" if application.status == ApplicationStatus.GRANTED else "requested"
    problems = _grant_rules(project, costs_of(project), grants_of(project, replacing=application))
    if problems:
        raise ValidationError({field: problems[0].message})


@transaction.atomic
def application_save(*, project: Project, user, programme: FundingProgramme | None = None,
                     application: Application | None = None, **fields) -> Application:  # fmt: skip
    """A new application to ``programme``, or changes to ``application``."""
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})
    project = locked(project)
    before = snapshot(application) if application is not None else None
    application = application or Application(project=project, programme=programme)
    creating = application.pk is None
    if creating and "deadline" not in fields and application.programme.deadline:
        application.deadline = application.programme.deadline
    for name, value in fields.items():
        setattr(application, name, value)
    _application_checked(application, project)
    return save(application, municipality=project.municipality, user=user, before=before,
                exclude=("programme",))  # fmt: skip


@transaction.atomic
def financing_set(*, project: Project, user, own_funds) -> Project:
    """The own funds of the financing plan; refused when the plan would break a rule."""
    project = locked(project)
    own = _amount(own_funds, "own_funds")
    problems = [
        p
        for p in financing.check(costs_of(project), own, grants_of(project))
        if p.field == "own_funds"
    ]
    if problems:
        raise ValidationError({"own_funds": [p.message for p in problems]})
    before = snapshot(project)
    project.own_funds = own
    return save(
        project, municipality=project.municipality, user=user, before=before, exclude=("measure",)
    )


def financing_problems(project: Project) -> list[financing.Problem]:
    return financing.check(costs_of(project), project.own_funds, grants_of(project))
