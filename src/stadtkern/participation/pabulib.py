"""Read and write participatory-budgeting elections in the Pabulib ``.pb`` format.

A ``.pb`` file has three ``;``-separated sections, each opened by its name on a line
of its own and a header line: ``META`` (``key;value`` pairs: budget, vote_type, rule,
ballot limits ...), ``PROJECTS`` (``project_id;cost;...``) and ``VOTES``
(``voter_id;vote;...``, ``vote`` a comma-separated list of project ids, ``points``
the matching list for cumulative and scoring ballots). The format is described at
pabulib.org/format.

Every defect is reported as a ``PabulibError`` naming the line, so that a person can
open the file and fix it: a missing section, counts in META that do not match the
rows, a cost that is not a number, a vote for an unknown project, a voter id given
twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "cumulative", "scoring", "ordinal", "choose-1")
# Ballot kinds whose votes carry points next to the project ids.
POINTED = ("cumulative", "scoring")
LIMIT_KEYS = (
    "min_length", "max_length", "min_sum_cost", "max_sum_cost",
    "min_points", "max_points", "min_sum_points", "max_sum_points",
    "min_project_score_threshold",
)  # fmt: skip


class PabulibError(ValueError):
    """A defect of a ``.pb`` file, with the line it is on (1-based; 0 for the whole file)."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class Project:
    id: str
    cost: Decimal
    name: str = ""
    # Further columns as written (votes, score, selected, category, latitude ...).
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def selected(self) -> bool | None:
        """Return the file's own ``selected`` column, None when the file has none."""
        value = self.extra.get("selected", "").strip()
        return None if value == "" else value not in ("0", "false", "False")


@dataclass
class Ballot:
    voter_id: str
    projects: list[str]
    points: list[Decimal] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    meta: dict[str, str]
    projects: dict[str, Project]
    ballots: list[Ballot]
    # Column order of the PROJECTS and VOTES sections, to write the file back alike.
    project_columns: list[str] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return Decimal(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "")

    def limit(self, key: str) -> Decimal | None:
        """Return a numeric META limit (``max_length``, ``max_sum_points`` ...) or None."""
        value = self.meta.get(key, "").strip()
        return Decimal(value) if value else None


def _number(text: str, line: int, what: str, *, positive: bool = False) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise PabulibError(line, f"{what} {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise PabulibError(
            line, f"{what} {text!r} must be a {'positive' if positive else 'non-negative'} number"
        )
    return value


def _rows(text: str):
    """Yield (line number, fields) of the non-empty lines; quoted fields may hold ``;``."""
    reader = csv.reader(io.StringIO(text), delimiter=";", quotechar='"', strict=True)
    start = 1
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if fields and any(f.strip() for f in fields):
                yield line, [f.strip() for f in fields]
    except csv.Error as exc:
        raise PabulibError(start, f"unreadable line ({exc})") from None


def loads(text: str) -> Election:
    """Parse the text of a ``.pb`` file; raise PabulibError naming the line of any defect."""
    text = text.removeprefix("\ufeff")
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    header: dict[str, tuple[int, list[str]]] = {}
    current = None
    for line, fields in _rows(text):
        name = fields[0].upper() if len(fields) == 1 else None
        if name in SECTIONS:
            if name in sections:
                raise PabulibError(line, f"section {name} appears twice")
            current = name
            sections[name] = []
            continue
        if current is None:
            raise PabulibError(line, "expected the section name META before any data")
        if current not in header:
            header[current] = (line, [f.lower() for f in fields])
        else:
            sections[current].append((line, fields))
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(0, f"the file has no {name} section")
        if name not in header:
            raise PabulibError(0, f"the {name} section has no header line")
    meta, meta_lines = _meta(sections["META"], header["META"])
    projects, project_columns = _projects(sections["PROJECTS"], header["PROJECTS"])
    ballots, vote_columns = _ballots(sections["VOTES"], header["VOTES"], projects, meta)
    _check_counts(meta, meta_lines, projects, ballots, header)
    return Election(meta, projects, ballots, project_columns, vote_columns)


def load(path: str | Path) -> Election:
    """Read and parse a ``.pb`` file (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[: exc.start].count(b"\n") + 1
        raise PabulibError(line, "the file is not UTF-8 text") from None
    return loads(text)


def _meta(rows, head) -> tuple[dict[str, str], dict[str, int]]:
    line, columns = head
    if columns[:2] != ["key", "value"]:
        raise PabulibError(line, "the META header must be 'key;value'")
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, fields in rows:
        if len(fields) < 2:
            raise PabulibError(line, "a META line needs a key and a value")
        key = fields[0].lower()
        if key in meta:
            raise PabulibError(line, f"META key {key!r} appears twice")
        meta[key] = ";".join(fields[1:]) if len(fields) > 2 else fields[1]
        lines[key] = line
    if "budget" not in meta:
        raise PabulibError(0, "META has no budget")
    _number(meta["budget"], lines["budget"], "budget", positive=True)
    meta["budget"] = str(Decimal(meta["budget"].replace(",", ".")))
    vote_type = meta.setdefault("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        known = ", ".join(VOTE_TYPES)
        raise PabulibError(lines["vote_type"], f"vote_type {vote_type!r} is not one of {known}")
    for key in (*LIMIT_KEYS, "num_projects", "num_votes"):
        if meta.get(key, "").strip():
            _number(meta[key], lines[key], key)
    return meta, lines


def _projects(rows, head) -> tuple[dict[str, Project], list[str]]:
    line, columns = head
    for needed in ("project_id", "cost"):
        if needed not in columns:
            raise PabulibError(line, f"the PROJECTS header has no column {needed!r}")
    projects: dict[str, Project] = {}
    for line, fields in rows:
        if len(fields) != len(columns):
            raise PabulibError(
                line, f"{len(fields)} fields where the PROJECTS header names {len(columns)}"
            )
        row = dict(zip(columns, fields, strict=True))
        pid = row.pop("project_id")
        if not pid:
            raise PabulibError(line, "empty project_id")
        if pid in projects:
            raise PabulibError(line, f"project {pid} appears twice")
        cost = _number(row.pop("cost"), line, f"cost of project {pid}")
        projects[pid] = Project(pid, cost, row.pop("name", ""), row)
    return projects, columns


def _ballots(rows, head, projects, meta) -> tuple[list[Ballot], list[str]]:
    line, columns = head
    for needed in ("voter_id", "vote"):
        if needed not in columns:
            raise PabulibError(line, f"the VOTES header has no column {needed!r}")
    pointed = meta["vote_type"] in POINTED
    if pointed and "points" not in columns:
        raise PabulibError(line, f"{meta['vote_type']} ballots need a 'points' column")
    ballots: list[Ballot] = []
    seen: set[str] = set()
    for line, fields in rows:
        if len(fields) != len(columns):
            raise PabulibError(
                line, f"{len(fields)} fields where the VOTES header names {len(columns)}"
            )
        row = dict(zip(columns, fields, strict=True))
        voter = row.pop("voter_id")
        if not voter:
            raise PabulibError(line, "empty voter_id")
        if voter in seen:
            raise PabulibError(line, f"voter {voter} appears twice")
        seen.add(voter)
        chosen = [p.strip() for p in row.pop("vote").split(",") if p.strip()]
        for pid in chosen:
            if pid not in projects:
                raise PabulibError(line, f"voter {voter} votes for unknown project {pid}")
        if len(set(chosen)) != len(chosen):
            raise PabulibError(line, f"voter {voter} names a project twice")
        points = None
        raw_points = row.pop("points", "")
        if pointed:
            parts = [p for p in raw_points.split(",") if p.strip()]
            if len(parts) != len(chosen):
                raise PabulibError(
                    line, f"voter {voter} gives {len(parts)} points for {len(chosen)} projects"
                )
            points = [_number(p, line, f"points of voter {voter}") for p in parts]
        ballots.append(Ballot(voter, chosen, points, row))
    return ballots, columns


def _check_counts(meta, lines, projects, ballots, header) -> None:
    for key, actual, what in (
        ("num_projects", len(projects), "projects"),
        ("num_votes", len(ballots), "votes"),
    ):
        if meta.get(key, "").strip() and Decimal(meta[key]) != actual:
            section = "PROJECTS" if key == "num_projects" else "VOTES"
            raise PabulibError(
                lines[key], f"{key} is {meta[key]} but the {section} section holds {actual} {what}"
            )
    if not projects:
        raise PabulibError(header["PROJECTS"][0], "the PROJECTS section holds no project")


def _cell(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def dumps(election: Election) -> str:
    """Return the election as the text of a ``.pb`` file that ``loads`` reads back unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    meta = dict(election.meta)
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.ballots))
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    project_columns = election.project_columns or ["project_id", "cost", "name"]
    for key in ("project_id", "cost"):
        if key not in project_columns:
            project_columns = [key, *project_columns]
    extra = [k for p in election.projects.values() for k in p.extra if k not in project_columns]
    project_columns = [*project_columns, *dict.fromkeys(extra)]
    out.write("PROJECTS\n")
    writer.writerow(project_columns)
    for p in election.projects.values():
        values = {"project_id": p.id, "cost": _cell(p.cost), "name": p.name, **p.extra}
        writer.writerow([values.get(c, "") for c in project_columns])
    vote_columns = election.vote_columns or ["voter_id", "vote"]
    if election.vote_type in POINTED and "points" not in vote_columns:
        vote_columns = [*vote_columns, "points"]
    out.write("VOTES\n")
    writer.writerow(vote_columns)
    for b in election.ballots:
        values = {"voter_id": b.voter_id, "vote": ",".join(b.projects), **b.extra}
        if b.points is not None:
            values["points"] = ",".join(_cell(p) for p in b.points)
        writer.writerow([values.get(c, "") for c in vote_columns])
    return out.getvalue()
