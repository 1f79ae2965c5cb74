"""A plan or a backlog as a table and back: export as CSV or XLSX, import from CSV, XLSX or
ODS through the data platform's readers. Dates are ISO (2027-03-01) or German
(01.03.2027); predecessors are named by title, separated by ";", a lag in brackets
("Konzept (+2)"). An import adds to the plan or backlog, all lines or none: a file with a
bad line names its lines and stores nothing."""

import csv
import io
import re
import tempfile
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stadtkern.data.exports import neutralise

from .models import (
    BacklogItem,
    Column,
    Dependency,
    ItemKind,
    Iteration,
    Phase,
    Project,
    WorkPackage,
)
from .models.plans import MAX_DURATION, MAX_LAG
from .services import backlog as backlog_services
from .services import plans

PLAN_COLUMNS = ["Phase", "Titel", "Beginn", "Ende", "Meilenstein", "Erledigt (%)", "Vorgänger"]
BACKLOG_COLUMNS = [
    "Titel",
    "Typ",
    "Schätzung",
    "Spalte",
    "Iteration",
    "Beschreibung",
    "Akzeptanzkriterien",
]
MAX_LINES = 5000
WHOLE = re.compile(r"[0-9]{1,4}")  # ASCII digits only: "²" is a digit to str.isdigit, not to int
PREDECESSOR = re.compile(r"^(?P<title>.+?)\s*(?:\((?P<lag>[+-]?\d{1,3})\))?$")


def plan_rows(project: Project) -> list[list]:
    packages = list(
        WorkPackage.objects.filter(project=project).select_related("phase").order_by("start", "pk")
    )
    waits: dict[int, list[str]] = {}
    for d in Dependency.objects.filter(successor__project=project).select_related("predecessor"):
        lag = f" ({d.lag:+d})" if d.lag else ""
        waits.setdefault(d.successor_id, []).append(d.predecessor.title + lag)
    return [[p.phase.title if p.phase else "", p.title, p.start.isoformat(),
             "" if p.milestone else p.finish.isoformat(), "ja" if p.milestone else "", p.done,
             "; ".join(waits.get(p.pk, []))] for p in packages]  # fmt: skip


def backlog_rows(project: Project) -> list[list]:
    items = (
        BacklogItem.objects.filter(project=project)
        .select_related("iteration")
        .order_by("rank", "pk")
    )
    return [[i.title, i.kind, "" if i.estimate is None else i.estimate, i.status,
             i.iteration.name if i.iteration else "", i.description, i.acceptance] for i in items]  # fmt: skip


def as_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in row])
    return out.getvalue()


def as_xlsx(header: list[str], rows: list[list], title: str):
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(handle, {"strings_to_formulas": False})
    sheet = book.add_worksheet(title[:31])
    for j, c in enumerate(header):
        sheet.write_string(0, j, c)
    for i, row in enumerate(rows, start=1):
        for j, c in enumerate(row):
            if isinstance(c, int):
                sheet.write_number(i, j, c)
            elif c != "":
                sheet.write_string(i, j, str(neutralise(c)))
    book.close()
    handle.seek(0)
    return handle


def _table(path: Path, wanted: list[str]):
    from stadtkern.indicators.imports import Report, _open, _rows

    table = _open(path)
    header = [h.strip().casefold() for h in table.header]
    at = {
        name: header.index(name.casefold()) if name.casefold() in header else None
        for name in wanted
    }
    report = Report()
    lines = []
    for line, cells in _rows(table, report):
        if len(lines) >= MAX_LINES:
            raise ValidationError({"file": _("More than %(n)s lines.") % {"n": MAX_LINES}})
        if any(c.strip() for c in cells):
            lines.append(
                (line, {name: cells[i].strip() if i is not None else "" for name, i in at.items()})
            )
    return at, lines, report


def _day(text: str) -> date | None:
    from stadtkern.data.parsing import parse_date

    try:
        return parse_date(text)
    except ValueError:
        return None


@transaction.atomic
def plan_import(*, project: Project, user, path: Path) -> int:
    """Add the file's work packages, phases and dependencies to the plan."""
    at, lines, report = _table(path, PLAN_COLUMNS)
    if at["Titel"] is None or at["Beginn"] is None:
        raise ValidationError({"file": _("The file needs the columns Titel and Beginn (and Ende, Phase, "
                                         "Meilenstein, Erledigt (%), Vorgänger).")})  # fmt: skip
    existing = set(WorkPackage.objects.filter(project=project).values_list("title", flat=True))
    phases = {p.title: p for p in Phase.objects.filter(project=project)}
    made, waits = {}, []
    for line, row in lines:
        title = row["Titel"][:200]
        start, finish = _day(row["Beginn"]), _day(row["Ende"]) if row["Ende"] else None
        milestone = (
            row["Meilenstein"].casefold() in ("ja", "yes", "x", "1", "true") or not row["Ende"]
        )
        done = row["Erledigt (%)"] or "0"
        if not title:
            report.error(line, _("a title is missing"))
        elif title in existing or title in made:
            report.error(line, _("'%(t)s' is already in the plan") % {"t": title})
        elif start is None:
            report.error(line, _("'%(v)s' is no date") % {"v": row["Beginn"][:40]})
        elif row["Ende"] and (
            finish is None or finish < start or (finish - start).days >= MAX_DURATION
        ):
            report.error(line, _("'%(v)s' is no end after the start") % {"v": row["Ende"][:40]})
        elif not WHOLE.fullmatch(done) or int(done) > 100:
            report.error(line, _("'%(v)s' is no percentage") % {"v": done[:10]})
        else:
            phase_title = row["Phase"][:200]
            if phase_title and phase_title not in phases:
                phases[phase_title] = plans.phase_create(project=project, user=user, title=phase_title,
                                                         position=len(phases))  # fmt: skip
            duration = 0 if milestone else (finish - start).days + 1
            try:
                made[title] = plans.package_create(project=project, user=user, title=title, start=start,
                                                   duration=duration, done=int(done),
                                                   phase=phases.get(phase_title))  # fmt: skip
            except ValidationError as exc:
                report.error(line, " ".join(exc.messages))
                continue
            for part in filter(None, (p.strip() for p in row["Vorgänger"].split(";"))):
                waits.append((line, part, title))
    report.check()
    by_title = {p.title: p for p in WorkPackage.objects.filter(project=project)}
    for line, part, title in waits:
        m = PREDECESSOR.match(part)
        lag = int(m["lag"]) if m and m["lag"] else 0
        predecessor = by_title.get(m["title"].strip()) if m else None
        if predecessor is None or abs(lag) > MAX_LAG:
            report.error(line, _("no work package '%(t)s' to wait for") % {"t": part[:80]})
            continue
        try:
            plans.dependency_add(
                predecessor=predecessor, successor=by_title[title], user=user, lag=lag
            )
        except ValidationError as exc:
            report.error(line, " ".join(exc.messages))
    report.check()
    if not made:
        raise ValidationError({"file": _("The file holds no work package.")})
    return len(made)


@transaction.atomic
def backlog_import(*, project: Project, user, path: Path) -> int:
    """Add the file's items to the end of the backlog."""
    at, lines, report = _table(path, BACKLOG_COLUMNS)
    if at["Titel"] is None:
        raise ValidationError({"file": _("The file needs the column Titel (and Typ, Schätzung, Spalte, Iteration, "
                                         "Beschreibung, Akzeptanzkriterien).")})  # fmt: skip
    iterations = {i.name: i for i in Iteration.objects.filter(project=project)}
    n = 0
    for line, row in lines:
        kind = row["Typ"] or ItemKind.STORY
        status = row["Spalte"] or Column.TODO
        estimate = row["Schätzung"]
        if not row["Titel"]:
            report.error(line, _("a title is missing"))
        elif kind not in ItemKind.values:
            report.error(line, _("'%(v)s' is no type (story, task, bug, spike)") % {"v": kind[:20]})
        elif status not in Column.values:
            report.error(
                line, _("'%(v)s' is no column (todo, doing, review, done)") % {"v": status[:20]}
            )
        elif estimate and (not WHOLE.fullmatch(estimate) or int(estimate) > 1000):
            report.error(line, _("'%(v)s' is no estimate") % {"v": estimate[:10]})
        elif row["Iteration"] and row["Iteration"] not in iterations:
            report.error(line, _("there is no iteration '%(v)s'") % {"v": row["Iteration"][:60]})
        else:
            backlog_services.item_create(project=project, user=user, title=row["Titel"][:200], kind=kind,
                                         status=status, estimate=int(estimate) if estimate else None,
                                         iteration=iterations.get(row["Iteration"]),
                                         description=row["Beschreibung"][:5000],
                                         acceptance=row["Akzeptanzkriterien"][:5000])  # fmt: skip
            n += 1
    report.check()
    if not n:
        raise ValidationError({"file": _("The file holds no item.")})
    return n
