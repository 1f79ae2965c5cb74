"""Values that come as files: a municipality's own table (CSV or Excel, through the data
platform's readers) and the flat CSV of official statistics (GENESIS-Online and the
Regionaldatenbank Deutschland), which fills the same indicator for every municipality on
the instance by its AGS.

All or nothing: a file with a bad row names the row (the first 20) and writes nothing.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.models import AuditEntry
from stadtkern.core.services import audit_record
from stadtkern.core.text import without_controls
from stadtkern.data.readers import ReadError, guess_format, open_source

from . import periods, rules, sources
from .models import Indicator, IndicatorValue, SourceKind

MAX_ROWS = 100_000  # ten years of days in 27 districts
MAX_ERRORS = 20
PERIOD_NAMES = ("period", "zeitraum", "jahr", "year", "stichtag", "datum", "date", "zeit", "monat")
VALUE_NAMES = ("value", "wert", "anzahl", "quote", "anteil")
DISTRICT_NAMES = ("district", "bezirk", "stadtbezirk", "stadtteil", "ortsteil", "quartier")
SOURCE_NAMES = ("source", "quelle")
# Quality marks of official statistics: "-" is exactly nothing, the others are no value
# (unknown, secret, locked, not reliable, comes later).
ZERO_MARKS = {"-", "–"}
NO_VALUE_MARKS = {".", "x", "/", "...", "…", "()", "X"}
# The regional dimensions of GENESIS tables: municipalities, districts (Kreise), states.
REGIONAL = {"GEMEIN", "KREISE", "DLAND", "GEMVB", "REGBEZ", "DINSG"}


@dataclass
class Report:
    rows: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(_("Line %(n)s: %(e)s") % {"n": line, "e": message})

    def check(self) -> None:
        if self.errors:
            raise ValidationError({"file": self.errors})


TABLES = ("csv", "xlsx", "ods")


def _open(path: Path):
    """A table, no geodata: values come as CSV or a workbook."""
    try:
        fmt = guess_format(path.name)
        if fmt not in TABLES:
            raise ReadError(_("Values come as CSV, XLSX or ODS, not %(f)s.") % {"f": fmt})
        return open_source(path, fmt)
    except ReadError as exc:
        raise ValidationError({"file": str(exc)}) from None


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().casefold() for h in header]
    return next((lowered.index(n) for n in names if n in lowered), None)


def _rows(source, report: Report):
    """Rows as lists of text as long as the header: a short row has empty cells."""
    width = len(source.header)
    for line, cells, _geometry in source.rows:
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ValidationError({"file": _("More than %(n)s rows.") % {"n": MAX_ROWS}})
        cells = [
            without_controls("" if c is None else c if isinstance(c, str) else str(c))
            for c in cells[:width]
        ]
        yield line, cells + [""] * (width - len(cells))


def _write(indicator: Indicator, items: dict, user, what: dict) -> int:
    """Replace the values of the given (period, district) pairs, in one transaction; the
    indicator's row is locked, so that two uploads of the same periods follow each other."""
    with transaction.atomic():
        Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
        by_district: dict[str, set] = {}
        for period, district in items:
            by_district.setdefault(district, set()).add(period.label)
        for district, labels in by_district.items():  # one statement per district, not per value
            IndicatorValue.objects.filter(
                indicator=indicator, district=district, period__in=labels
            ).delete()
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(
                    indicator=indicator,
                    period=period.label,
                    start=period.start,
                    end=period.end,
                    district=district,
                    value=value,
                    provenance=provenance,
                    entered_by=user if getattr(user, "is_authenticated", False) else None,
                )  # fmt: skip
                for (period, district), (value, provenance) in items.items()
            ],
            batch_size=2000,
        )
        audit_record(municipality=indicator.municipality, obj=indicator, action=AuditEntry.Action.UPDATE,
                     user=user, before=None, after={**what, "values": len(items)})  # fmt: skip
    return len(items)


def values_import(*, indicator: Indicator, user, path: Path, name: str, source: str = "") -> Report:
    """Read a CSV or Excel file of periods and values (and districts) into an indicator
    whose values are entered."""
    if indicator.computed:
        raise ValidationError(
            {
                "file": _(
                    "This indicator's values are computed from its source; they cannot be imported."
                )
            }
        )
    table = _open(path)
    at_period, at_value = _find(table.header, PERIOD_NAMES), _find(table.header, VALUE_NAMES)
    if at_period is None or at_value is None:
        raise ValidationError({"file": _("The file needs a period column (period, Zeitraum or Jahr) and a value "
                                         "column (value or Wert); it has %(c)s.") % {"c": ", ".join(table.header)[:300]}})  # fmt: skip
    at_district, at_source = _find(table.header, DISTRICT_NAMES), _find(table.header, SOURCE_NAMES)
    report, items = Report(), {}
    for line, cells in _rows(table, report):
        if not any(c.strip() for c in cells):
            continue
        try:
            period = periods.parse(cells[at_period])
            value = sources.number(cells[at_value])
        except (periods.PeriodError, sources.SourceError) as exc:
            report.error(line, str(exc))
            continue
        if value is None:
            continue
        district = (cells[at_district] if at_district is not None else "").strip()[:200]
        if (period, district) in items:
            report.error(line, _("a second value for %(p)s") % {"p": period.label})
            continue
        row_source = (cells[at_source].strip() if at_source is not None else "") or source
        items[(period, district)] = (
            value,
            {"kind": SourceKind.MANUAL, "source": row_source[:300], "file": name[:200]},
        )
    report.check()
    if not items:
        raise ValidationError({"file": _("The file holds no value.")})
    report.written = _write(indicator, items, user, {"file": name[:200]})
    return report


# --- official statistics ---


def _regional_column(header: list[str], first: list[str]) -> int:
    """The ``k_Auspraegung_Code`` column of the regional dimension (municipalities, Kreise)."""
    for k in range(1, 10):
        merkmal = f"{k}_Merkmal_Code"
        if merkmal in header and first[header.index(merkmal)].strip().upper() in REGIONAL:
            code = f"{k}_Auspraegung_Code"
            if code in header:
                return header.index(code)
    raise ValidationError(
        {
            "file": _(
                "The table has no regional dimension (municipalities or Kreise) to match by AGS."
            )
        }
    )


def _filters(text: str, header: list[str]) -> list[tuple[int, str]]:
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
        column, _sep, wanted = part.partition("=")
        if column.strip() not in header:
            raise ValidationError(
                {"statistics_filter": _("The table has no column '%(c)s'.") % {"c": column.strip()}}
            )
        out.append((header.index(column.strip()), wanted.strip()))
    return out


def _value_column(header: list[str], wanted: str) -> int | None:
    for i, h in enumerate(header):
        if h == wanted or h.startswith(f"{wanted}__"):
            return i
    return None


def _ags_matches(code: str, ags: str) -> bool:
    code = code.strip()
    return code == ags or (len(code) == 5 and f"{code}000" == ags)


def _statistic(cell: str) -> float | None:
    text = (cell or "").strip()
    if text in ZERO_MARKS:
        return 0.0
    if text in NO_VALUE_MARKS or not text:
        return None
    return sources.number(text)


def statistics_import(*, user, path: Path, name: str, everywhere: bool = False) -> dict:
    """Fill every indicator the user may edit (``everywhere``: the operator's command, all)
    whose statistics table is this file's, for each municipality found in it by its AGS.
    Checked as a whole before anything is written."""
    table = _open(path)
    header = [h.strip() for h in table.header]
    if "Statistik_Code" not in header or not ({"Zeit", "Zeit_Label"} & set(header)):
        raise ValidationError({"file": _("This is not a flat CSV of GENESIS or the Regionaldatenbank "
                                         "(columns Statistik_Code, Zeit, k_Auspraegung_Code, …).")})  # fmt: skip
    at_time = header.index("Zeit") if "Zeit" in header else header.index("Zeit_Label")
    report = Report()
    rows = list(_rows(table, report))
    if not rows:
        raise ValidationError({"file": _("The file holds no value.")})
    code = rows[0][1][header.index("Statistik_Code")].strip()
    at_region = _regional_column(header, rows[0][1])
    candidates = Indicator.objects.filter(
        source=SourceKind.STATISTICS, statistics_table=code
    ).select_related("municipality")
    indicators = [
        i for i in candidates if everywhere or rules.can_edit_indicators(user, i.municipality)
    ]
    plans = []
    for indicator in indicators:
        at_value = _value_column(header, indicator.statistics_column)
        if at_value is None:
            report.error(1, _("no column %(c)s for %(k)s of %(m)s") % {"c": indicator.statistics_column,
                                                                      "k": indicator.key, "m": indicator.municipality.name})  # fmt: skip
            continue
        wanted = _filters(indicator.statistics_filter, header)
        items = {}
        for line, cells in rows:
            if not _ags_matches(cells[at_region], indicator.municipality.ags or "-"):
                continue
            if any(cells[i].strip() != v for i, v in wanted):
                continue
            try:
                period = periods.parse(cells[at_time])
                value = _statistic(cells[at_value])
            except (periods.PeriodError, sources.SourceError) as exc:
                report.error(line, str(exc))
                continue
            if value is None:
                continue
            if (period, "") in items:
                report.error(line, _("a second row for %(m)s in %(p)s: the table has a further dimension; "
                                     "name its rows in the indicator's row filter") % {"m": indicator.municipality.name, "p": period.label})  # fmt: skip
                continue
            items[(period, "")] = (value, {"kind": SourceKind.STATISTICS, "table": code, "column": header[at_value],
                                           "file": name[:200], "imported_at": timezone.now().isoformat()})  # fmt: skip
        plans.append((indicator, items))
    report.check()
    with transaction.atomic():
        written = [
            {"municipality": i.municipality.slug, "key": i.key,
             "values": _write(i, items, user, {"statistics": code, "file": name[:200]}) if items else 0}
            for i, items in plans
        ]  # fmt: skip
    return {"table": code, "rows": report.rows, "indicators": written}
