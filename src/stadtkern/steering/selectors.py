"""Every read of the steering pages and their JSON twins: the portfolio with each project's
latest report, a project with its plan, the Gantt chart of the plan."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.charts import Series, lines
from stadtkern.core.gantt import GanttRow, gantt
from stadtkern.core.text import without_controls
from stadtkern.strategy.models import FieldOfAction, Goal, Measure

from . import rules, scheduling
from .models import (
    BacklogItem,
    Column,
    Dependency,
    Iteration,
    Light,
    Phase,
    Programme,
    Project,
    StatusReport,
    WorkPackage,
)
from .models.projects import LIGHT_RANK

LIGHTS = ("scope", "time", "money", "overall")


def programme_list(user, municipality) -> QuerySet:
    programmes = Programme.objects.filter(municipality=municipality)
    if not rules.can_view_internals(user, municipality):
        programmes = programmes.filter(published=True)
    return programmes


def programme_get(user, municipality, slug: str) -> Programme:
    programme = programme_list(user, municipality).filter(slug=slug).first()
    if programme is None:
        raise Http404
    return programme


def projects(user, municipality) -> QuerySet:
    qs = Project.objects.filter(municipality=municipality)
    if not rules.can_view_internals(user, municipality):
        qs = qs.filter(published=True, measure__published=True)
    return qs


def project_get(user, municipality, pk: int) -> Project:
    project = projects(user, municipality).select_related("measure", "lead").filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


@dataclass
class Filters:
    programme: str = ""
    field: int | None = None
    goal: int | None = None
    department: str = ""
    status: str = ""  # a light, or "none" for projects without a report

    @classmethod
    def of(cls, params) -> "Filters":
        def number(name):
            text = (params.get(name) or "").strip()
            return int(text) if text.isdigit() and len(text) < 12 else None

        def text(name, limit):  # no NUL: PostgreSQL refuses it in a query
            return without_controls(params.get(name) or "").strip()[:limit]

        status = (params.get("status") or "").strip()
        return cls(
            programme=text("programme", 50), field=number("field"), goal=number("goal"),
            department=text("department", 200),
            status=status if status in (*Light.values, "none") else "",
        )  # fmt: skip

    @property
    def active(self) -> bool:
        return bool(self.programme or self.field or self.goal or self.department or self.status)


@dataclass
class Row:
    project: Project
    report: StatusReport | None
    trend: dict  # light name -> "better", "same", "worse" against the previous report


def _trend(report, previous) -> dict:
    if report is None or previous is None:
        return {}
    out = {}
    for name in LIGHTS:
        now, then = LIGHT_RANK[getattr(report, name)], LIGHT_RANK[getattr(previous, name)]
        out[name] = "better" if now < then else "worse" if now > then else "same"
    return out


def _reports_of(qs: QuerySet) -> QuerySet:
    newest = StatusReport.objects.filter(project=OuterRef("pk")).order_by("-period_end")
    return qs.annotate(latest_id=Subquery(newest.values("pk")[:1]),
                       previous_id=Subquery(newest.values("pk")[1:2]),
                       latest_overall=Subquery(newest.values("overall")[:1]))  # fmt: skip


def portfolio(user, municipality, filters: Filters) -> list[Row]:
    """Every project the visitor may see with its latest report and the trend against the
    one before, in a fixed number of queries whatever the number of projects."""
    internal = rules.can_view_internals(user, municipality)
    qs = projects(user, municipality).select_related("measure", "lead")
    # Filters go through what the visitor may see: an internal programme, goal or field
    # filters nothing for the public, rather than telling which projects it holds.
    if filters.programme:
        qs = qs.filter(
            measure__programmes__in=programme_list(user, municipality).filter(
                slug=filters.programme
            )
        )
    if filters.field:
        fields = FieldOfAction.objects.filter(municipality=municipality, pk=filters.field)
        qs = qs.filter(
            measure__fields_of_action__in=fields if internal else fields.filter(published=True)
        )
    if filters.goal:
        goals = Goal.objects.filter(municipality=municipality, pk=filters.goal)
        qs = qs.filter(measure__goals__in=goals if internal else goals.filter(published=True))
    if filters.department:
        qs = qs.filter(department=filters.department)
    if internal:
        qs = _reports_of(qs)
        if filters.status == "none":
            qs = qs.filter(latest_overall__isnull=True)
        elif filters.status:
            qs = qs.filter(latest_overall=filters.status)
    qs = qs.prefetch_related(
        Prefetch("measure__fields_of_action", queryset=FieldOfAction.objects.only("title", "title_en")),
        Prefetch("measure__programmes", queryset=programme_list(user, municipality).only("slug", "title", "title_en")),
    ).order_by("measure__title", "pk")  # fmt: skip
    if filters.programme or filters.field or filters.goal:
        qs = qs.distinct()  # the filters go through many-to-many tables
    rows = list(qs)
    reports = {}
    if internal and rows:
        # One query whatever the number of projects (a list of ids would be split into
        # batches on SQLite): the reports whose ids the projects' subqueries name.
        wanted = Q(pk__in=qs.values("latest_id")) | Q(pk__in=qs.values("previous_id"))
        reports = {r.pk: r for r in StatusReport.objects.filter(wanted)}
    out = []
    for p in rows:
        report = reports.get(getattr(p, "latest_id", None))
        out.append(Row(p, report, _trend(report, reports.get(getattr(p, "previous_id", None)))))
    return out


def filter_choices(user, municipality) -> dict:
    departments = (projects(user, municipality).exclude(department="")
                   .order_by("department").values_list("department", flat=True).distinct())  # fmt: skip
    goals = Goal.objects.filter(municipality=municipality)
    fields = FieldOfAction.objects.filter(municipality=municipality)
    if not rules.can_view_internals(user, municipality):
        goals, fields = goals.filter(published=True), fields.filter(published=True)
    return {
        "programmes": list(programme_list(user, municipality).select_related("owner")),
        "fields": list(fields.order_by("position", "title")),
        "goals": list(goals.order_by("position", "title")),
        "departments": list(departments),
        "statuses": [*Light.choices, ("none", _("no report yet"))],
    }


# --- the plan ---


@dataclass
class Plan:
    phases: list
    packages: list[WorkPackage]
    dependencies: list[Dependency]
    schedule: dict  # package pk -> scheduling.Scheduled
    chart: object
    finish: date | None

    @property
    def critical(self) -> list[WorkPackage]:
        return [p for p in self.packages if self.schedule[p.pk].critical]


def plan(project: Project) -> Plan:
    """The plan with its critical path and the Gantt chart, in three queries."""
    phases = list(Phase.objects.filter(project=project))
    packages = list(WorkPackage.objects.filter(project=project).select_related("phase"))
    dependencies = list(Dependency.objects.filter(successor__project=project)
                        .select_related("predecessor", "successor"))  # fmt: skip
    tasks = {p.pk: scheduling.Task(p.start.toordinal(), p.duration) for p in packages}
    edges = [(d.predecessor_id, d.successor_id, d.lag) for d in dependencies]
    result = scheduling.schedule(tasks, edges)
    # Packages in the phases' order, then by date; those without a phase at the end.
    rank = {ph.pk: i for i, ph in enumerate(phases)}
    packages.sort(key=lambda p: (rank.get(p.phase_id, len(phases)), p.start, p.position, p.pk))
    rows = [GanttRow(
        key=p.pk, label=p.title, start=p.start, finish=p.finish, milestone=p.milestone,
        group=p.phase.title if p.phase else _("Without phase"), critical=result[p.pk].critical,
        done=p.done, baseline_start=p.baseline_start, baseline_finish=p.baseline_finish,
    ) for p in packages]  # fmt: skip
    chart = gantt(rows, [(d.predecessor_id, d.successor_id) for d in dependencies],
                  title=_("Plan of %(p)s") % {"p": project.title}, today=timezone.localdate())  # fmt: skip
    finish = max((p.finish for p in packages), default=None)
    return Plan(phases, packages, dependencies, result, chart, finish)


def reports(project: Project) -> list[StatusReport]:
    """The project's reports, newest first, each with its trend against the one before."""
    items = list(StatusReport.objects.filter(project=project).select_related("author"))
    for i, report in enumerate(items):
        report.trend = _trend(report, items[i + 1] if i + 1 < len(items) else None)
    return items


# --- the backlog and the board ---


def iteration_current(project: Project, wanted: str | None):
    """The iteration the board shows: the one asked for, else the one running today, else
    the next, else the last; None when the project has none."""
    iterations = list(Iteration.objects.filter(project=project))
    if wanted and wanted.isdigit():
        chosen = next((i for i in iterations if i.pk == int(wanted)), None)
        if chosen is not None:
            return chosen, iterations
    today = timezone.localdate()
    running = [i for i in iterations if i.start <= today <= i.end]
    coming = [i for i in iterations if i.start > today]
    chosen = (running or coming or iterations[-1:] or [None])[0]
    return chosen, iterations


@dataclass
class Board:
    iteration: object
    iterations: list
    columns: list[tuple[str, str, list]]  # (value, label, items)

    @property
    def points(self) -> int:
        return sum(i.estimate or 0 for _v, _l, items in self.columns for i in items)


def board(project: Project, wanted: str | None = None) -> Board:
    """The items of one iteration (or, without iterations, of the whole backlog) by column,
    in two queries."""
    iteration, iterations = iteration_current(project, wanted)
    items = BacklogItem.objects.filter(project=project, iteration=iteration).select_related(
        "assignee"
    )
    by_column = {value: [] for value in Column.values}
    for item in items.order_by("rank", "pk"):
        by_column[item.status].append(item)
    return Board(iteration, iterations, [(v, label, by_column[v]) for v, label in Column.choices])


def backlog(project: Project) -> list[BacklogItem]:
    return list(BacklogItem.objects.filter(project=project)
                .select_related("assignee", "iteration").order_by("rank", "pk"))  # fmt: skip


def burndown(iteration: Iteration):
    """Points left on each day of the iteration against the ideal straight line. Items
    count with their estimate; an item is burnt on the day it reached "done"."""
    items = list(BacklogItem.objects.filter(iteration=iteration).values_list("estimate", "done_at"))
    total = sum(e or 0 for e, _d in items)
    if total == 0:
        return None
    days = (iteration.end - iteration.start).days
    done_on = [(e or 0, timezone.localdate(d)) for e, d in items if d is not None]
    today = timezone.localdate()
    ideal, remaining = [], []
    for n in range(days + 1):
        day = iteration.start + timedelta(days=n)
        ideal.append((day, total - total * n / max(days, 1)))
        if day <= today:
            remaining.append((day, float(total - sum(e for e, d in done_on if d <= day))))
    series = [Series(_("ideal"), ideal, style="target"),
              Series(_("points left"), remaining, style="actual", marks=True)]  # fmt: skip
    return lines(series, title=_("Burndown of %(n)s") % {"n": iteration.name}, x_label=_("Day"),
                 y_label=_("Points left"))  # fmt: skip


# --- opportunities and risks ---


def band(project: Project, x: int, y: int) -> str:
    """Low, medium or high for probability ``x`` × impact ``y``: high from the project's
    threshold, medium from half of it."""
    score = x * y
    return (
        "high"
        if score >= project.risk_threshold
        else "medium"
        if score * 2 >= project.risk_threshold
        else "low"
    )


def risks(project: Project) -> list:
    from .models import Risk

    return list(
        Risk.objects.filter(project=project).select_related("owner").prefetch_related("assessments")
    )


def risk_matrix(project: Project, items: list):
    from stadtkern.core.grid import GridItem, grid

    names = {"high": _("high"), "medium": _("medium"), "low": _("low")}
    open_items = [r for r in items if not r.closed]
    return grid(
        [GridItem(r.title, r.probability, r.impact, r.kind) for r in open_items],
        title=_("Open opportunities and risks by probability and impact"), x_label=_("Probability"),
        y_label=_("Impact"), shade=lambda x, y: f"cell-{band(project, x, y)}",
        band=lambda x, y: names[band(project, x, y)],
        columns=["#", _("Opportunity or risk"), _("Probability"), _("Impact"), _("Rating")],
    )  # fmt: skip


def high_risks(projects_qs) -> list:
    """Open risks at or above their project's threshold, most serious first."""
    from django.db.models import F

    from .models import Risk

    return list(
        Risk.objects.filter(project__in=projects_qs, closed=False, kind="risk")
        .annotate(rating=F("probability") * F("impact")).filter(rating__gte=F("project__risk_threshold"))
        .select_related("project__measure", "owner").order_by("-rating", "review_on", "pk")
    )  # fmt: skip


# --- people and change ---


def quadrant(influence: int, interest: int) -> str:
    high_influence, high_interest = influence >= 3, interest >= 3
    if high_influence and high_interest:
        return _("manage closely")
    if high_influence:
        return _("keep satisfied")
    if high_interest:
        return _("keep informed")
    return _("monitor")


def stakeholders(municipality, project=None) -> list:
    from .models import Stakeholder

    qs = Stakeholder.objects.filter(municipality=municipality).select_related("contact_owner")
    if project is not None:
        qs = qs.filter(projects=project)
    return list(qs.prefetch_related("projects__measure"))


def stakeholder_grid(items: list):
    from stadtkern.core.grid import GridItem, grid

    def shade(x, y):
        return {(True, True): "cell-manage", (True, False): "cell-satisfy", (False, True): "cell-inform"}.get(
            (y >= 3, x >= 3), "cell-plain")  # fmt: skip

    return grid(
        [GridItem(s.name, s.interest, s.influence, s.attitude) for s in items],
        title=_("Stakeholders by interest and influence"), x_label=_("Interest"), y_label=_("Influence"),
        shade=shade, band=lambda x, y: quadrant(y, x),
        columns=["#", _("Stakeholder"), _("Interest"), _("Influence"), _("Approach")],
    )  # fmt: skip


def actor_network(municipality, items: list):
    from stadtkern.core.network import network

    from .models import Tie

    ids = {s.pk for s in items}
    ties = [(t.a_id, t.b_id, t.note) for t in Tie.objects.filter(a__municipality=municipality)
            if t.a_id in ids and t.b_id in ids]  # fmt: skip
    return network([(s.pk, s.name, s.attitude) for s in items], ties, title=_("Who works with whom"),
                   columns=[_("Stakeholder"), _("Stakeholder"), _("How")])  # fmt: skip


def communications(municipality) -> list:
    from .models import Communication

    return list(
        Communication.objects.filter(municipality=municipality).select_related(
            "owner", "project__measure"
        )
    )


# --- the sustainability check ---


def sustainability_radar(measure):
    from stadtkern.core.radar import radar

    from .models import SustainabilityScore
    from .sustainability import CRITERIA, DIMENSIONS, TOP

    scores = {s.criterion: s for s in SustainabilityScore.objects.filter(measure=measure)}
    spokes = [(str(DIMENSIONS[c.dimension]), str(c.label), scores[c.key].score if c.key in scores else None,
               scores[c.key].reason if c.key in scores else "") for c in CRITERIA]  # fmt: skip
    return radar(spokes, title=_("Sustainability check of %(m)s") % {"m": measure.display_title}, top=TOP,
                 columns=[_("Dimension"), _("Criterion"), _("Score (1–5)"), _("Reason")])  # fmt: skip


def sustainability_by_field(user, municipality) -> dict:
    """Average score per dimension for the measures of each field of action, in two
    queries: the fields with their measures, and the scores."""
    from stadtkern.strategy import selectors as strategy

    from .models import SustainabilityScore
    from .sustainability import BY_KEY, DIMENSIONS

    fields = list(
        strategy.field_list(municipality=municipality, user=user).prefetch_related("measures")
    )
    visible = strategy.visible(Measure.objects.all(), user=user, municipality=municipality)
    by_measure: dict[int, dict[str, list[int]]] = {}
    for measure_id, criterion, score in SustainabilityScore.objects.filter(
        measure__in=visible
    ).values_list("measure_id", "criterion", "score"):
        if criterion in BY_KEY:
            by_measure.setdefault(measure_id, {}).setdefault(
                BY_KEY[criterion].dimension, []
            ).append(score)
    rows = []
    for f in fields:
        checked = [by_measure[m.pk] for m in f.measures.all() if m.pk in by_measure]
        if not checked:
            continue
        averages = {}
        for d in DIMENSIONS:
            values = [v for scores in checked for v in scores.get(d, [])]
            averages[d] = round(sum(values) / len(values), 1) if values else None
        rows.append(
            {"field": f, "measures": len(checked), "averages": [averages[d] for d in DIMENSIONS]}
        )
    return {"dimensions": [str(v) for v in DIMENSIONS.values()], "rows": rows}


# --- quality and learning ---


def lessons(user, municipality, *, q: str = "", field: str = "") -> list:
    """Lessons this municipality's team may read: its own, and those other municipalities
    share with the instance; searched in their text, tags and fields of action."""
    from .models import Lesson

    qs = Lesson.objects.select_related("project__measure", "project__municipality").prefetch_related(
        "fields_of_action")  # fmt: skip
    qs = qs.filter(Q(project__municipality=municipality) | Q(shared=True))
    q = without_controls(q).strip()[:100]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(worked__icontains=q) | Q(did_not__icontains=q)
                       | Q(recommendation__icontains=q) | Q(tags__icontains=q))  # fmt: skip
    field = without_controls(field).strip()[:200]
    if field:
        qs = qs.filter(fields_of_action__title__iexact=field).distinct()
    out = list(qs[:200])
    for lesson in out:
        # Another municipality's project and fields are named only where its visitors see
        # them: a published project of a published measure, published fields of action.
        own = lesson.project.municipality_id == municipality.pk
        public = lesson.project.published and lesson.project.measure.published
        lesson.source = lesson.project.title if own or public else ""
        lesson.fields_shown = [f for f in lesson.fields_of_action.all() if own or f.published]
    return out


def pulse_chart(project: Project, user):
    """The trend of the project's pulse check of decision makers: the mean agreement of
    each wave, over all its questions."""
    if not project.pulse_series:
        return None
    from stadtkern.core.charts import line
    from stadtkern.participation.surveys import series_trend

    points = []
    for wave in series_trend(project.municipality, project.pulse_series, user):
        means = [m for m in wave["means"] if m is not None]
        if wave["responses"] and means:
            points.append((date.fromisoformat(wave["opens_at"][:10]), sum(means) / len(means)))
    return line(points, title=_("Pulse check of decision makers"), x_label=_("wave"),
                y_label=_("average agreement (1-5)"), y_range=(1, 5))  # fmt: skip
