"""Reads of the indicators app: one selector feeds a page and its JSON twin.

The cockpit reads a fixed number of queries whatever the number of goals, indicators and
values: indicators, their values, milestones, goals and measures each in one query.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from stadtkern.core import charts, rules
from stadtkern.core.models import Municipality
from stadtkern.strategy.models import Goal, Measure

from . import periods, targets
from .catalogue import templates
from .models import Direction, Effect, Indicator, IndicatorValue, Milestone

SPARK_POINTS = 40
TREND_VALUES = 60  # the cockpit's trend line: five years of monthly values, or sixty years
SPARK_W, SPARK_H = 120, 28


def visible(user, municipality: Municipality) -> QuerySet[Indicator]:
    qs = Indicator.objects.filter(municipality=municipality)
    if not rules.can_view_drafts(user, municipality):
        qs = qs.filter(published=True)
    return qs


def indicator_get(user, municipality: Municipality, key: str) -> Indicator:
    indicator = (
        visible(user, municipality)
        .filter(key=key)
        .select_related("query", "datastream__thing", "municipality")
        .first()
    )
    if indicator is None:
        raise Http404(_("No such indicator."))
    return indicator


@dataclass
class Card:
    """An indicator as the cockpit shows it: latest value, its status, the trend."""

    indicator: Indicator
    values: list["Point"]
    milestones: list[Milestone] = field(default_factory=list)
    judgement: targets.Judgement = targets.Judgement(targets.NO_DATA)

    @property
    def latest(self) -> "Point | None":
        return self.values[-1] if self.values else None

    @property
    def status(self) -> str:
        return self.judgement.status

    @property
    def sparkline(self) -> str:
        """SVG points of the trend, in a 120 × 28 box (thinned to 40 points)."""
        if len(self.values) < 2:
            return ""
        t0, t1 = self.values[0].end.toordinal(), self.values[-1].end.toordinal()
        lo = min(v.value for v in self.values)
        hi = max(v.value for v in self.values)
        span_t, span_v = (t1 - t0) or 1, (hi - lo) or 1.0
        xy = [
            (2 + (v.end.toordinal() - t0) / span_t * (SPARK_W - 4),
             SPARK_H - 2 - (v.value - lo) / span_v * (SPARK_H - 4))
            for v in self.values
        ]  # fmt: skip
        return " ".join(f"{xy[i][0]:.1f},{xy[i][1]:.1f}" for i in charts.lttb(xy, SPARK_POINTS))


def corners(indicator: Indicator, milestones) -> list[tuple[date, float]] | None:
    if not indicator.has_target:
        return None
    return targets.path(
        (indicator.baseline_date, indicator.baseline_value),
        (indicator.target_date, indicator.target_value),
        [(m.date, m.value) for m in milestones],
    )


def judge(indicator: Indicator, values: list[IndicatorValue], milestones) -> targets.Judgement:
    latest = values[-1] if values else None
    return targets.judge(
        corners(indicator, milestones),
        (latest.end, latest.value) if latest else None,
        lower_is_better=indicator.direction == Direction.LOWER,
        tolerance=indicator.tolerance,
    )


@dataclass(frozen=True, slots=True)
class Point:
    """One value as cards and charts need it: without its provenance, which would cost a
    JSON decoding per value on a cockpit of 12,000."""

    period: str
    start: date
    end: date
    value: float

    @property
    def display_period(self) -> str:
        return periods.display(self.period, self.start, self.end)

    @property
    def middle(self) -> date:
        """Where the value is drawn: a year's mean in the middle of its year, not at its
        end, where the next year's tick stands."""
        return self.start + (self.end - self.start) / 2


def cards(
    indicators: list[Indicator], district: str = "", newest: int | None = None
) -> dict[int, Card]:
    """Cards of many indicators in two queries (values, milestones); with ``newest``, each
    card holds only its newest values (the cockpit's trend line needs no more)."""
    ids = [i.pk for i in indicators]
    values: dict[int, list] = defaultdict(list)
    rows = IndicatorValue.objects.filter(indicator_id__in=ids, district=district)
    if newest:
        rank = Window(RowNumber(), partition_by=[F("indicator_id")], order_by=F("end").desc())
        rows = rows.annotate(rank=rank).filter(rank__lte=newest)
    rows = rows.order_by("indicator_id", "end").values_list(
        "indicator_id", "period", "start", "end", "value"
    )
    for indicator_id, period, start, end, value in rows:
        values[indicator_id].append(Point(period, start, end, value))
    stones: dict[int, list] = defaultdict(list)
    for m in Milestone.objects.filter(indicator_id__in=ids).order_by("date"):
        stones[m.indicator_id].append(m)
    out = {}
    for i in indicators:
        card = Card(i, values[i.pk], stones[i.pk])
        card.judgement = judge(i, card.values, card.milestones)
        out[i.pk] = card
    return out


def card(indicator: Indicator, district: str = "") -> Card:
    return cards([indicator], district)[indicator.pk]


@dataclass
class GoalRow:
    goal: Goal
    cards: list[Card]
    measures: list[Measure]


@dataclass
class Cockpit:
    goals: list[GoalRow]
    unlinked: list[Card]
    counts: dict[str, int]


def cockpit(user, municipality: Municipality) -> Cockpit:
    indicators = list(visible(user, municipality).prefetch_related("goals"))
    by_id = cards(indicators, newest=TREND_VALUES)
    drafts = rules.can_view_drafts(user, municipality)
    goal_qs = Goal.objects.filter(municipality=municipality)
    measure_qs = Measure.objects.filter(municipality=municipality)
    if not drafts:
        goal_qs, measure_qs = goal_qs.filter(published=True), measure_qs.filter(published=True)
    goals = list(
        goal_qs.prefetch_related(Prefetch("measures", queryset=measure_qs.order_by("title")))
    )
    of_goal: dict[int, list[Card]] = defaultdict(list)
    for i in indicators:
        for g in i.goals.all():
            of_goal[g.pk].append(by_id[i.pk])
    rows, linked = [], set()
    for goal in goals:
        goal_cards = of_goal[goal.pk]
        linked.update(c.indicator.pk for c in goal_cards)
        if goal_cards or goal.measures.all():
            rows.append(GoalRow(goal, goal_cards, list(goal.measures.all())))
    counts = {s: 0 for s in targets.STATUSES}
    for c in by_id.values():
        counts[c.status] += 1
    unlinked = [by_id[i.pk] for i in indicators if i.pk not in linked]
    return Cockpit(rows, unlinked, counts)


def goals_of(indicator: Indicator, user) -> list[Goal]:
    """The goals the indicator measures, drafts for members only."""
    qs = indicator.goals.all()
    if not rules.can_view_drafts(user, indicator.municipality):
        qs = qs.filter(published=True)
    return list(qs)


def districts(indicator: Indicator) -> list[str]:
    return sorted(set(indicator.values.exclude(district="").values_list("district", flat=True)))


def effects_of(indicator: Indicator, user) -> list[dict]:
    """Per measure: planned and achieved contributions by year, and their sums."""
    qs = Effect.objects.filter(indicator=indicator).select_related("measure")
    if not rules.can_view_drafts(user, indicator.municipality):
        qs = qs.filter(measure__published=True)
    rows: dict[int, dict] = {}
    for e in qs.order_by("measure__title", "year"):
        row = rows.setdefault(e.measure_id, {"measure": e.measure, "years": [], "planned": 0.0,
                                              "achieved": 0.0, "has_achieved": False})  # fmt: skip
        row["years"].append(e)
        row["planned"] += e.planned
        if e.achieved is not None:
            row["achieved"] += e.achieved
            row["has_achieved"] = True
    return list(rows.values())


def chart(
    indicator: Indicator, user, district: str = "", c: Card | None = None, effects=None
) -> charts.Chart | None:
    """The indicator's values, its target path with milestones, and the path the
    measures' planned and achieved effects would give from the baseline. A page that has
    read the card and the effects already passes them."""
    c = c or card(indicator, district)
    unit = indicator.display_unit
    series = [charts.Series(indicator.display_name + (f" – {district}" if district else ""),
                            [(v.middle, v.value) for v in c.values], "actual", marks=True)]  # fmt: skip
    path = corners(indicator, c.milestones)
    if path and not district:
        series.append(charts.Series(_("Target path"), path, "target", marks=True))
        effects = effects_of(indicator, user) if effects is None else effects
        if effects:
            planned: dict[int, float] = defaultdict(float)
            achieved: dict[int, float] = defaultdict(float)
            for row in effects:
                for e in row["years"]:
                    planned[e.year] += e.planned
                    if e.achieved is not None:
                        achieved[e.year] += e.achieved
            base = (indicator.baseline_date, indicator.baseline_value)
            for label, by_year, style in ((_("Planned effects of the measures"), planned, "planned"),
                                          (_("Achieved effects of the measures"), achieved, "achieved")):  # fmt: skip
                if not by_year:
                    continue
                points, total = [base], indicator.baseline_value
                for year in sorted(by_year):
                    total += by_year[year]
                    points.append((date(year, 12, 31), total))
                series.append(charts.Series(label, points, style, marks=True))
    refs = []
    if indicator.limit_value is not None:
        refs.append(
            charts.Reference(indicator.limit_value, indicator.display_limit_label or _("limit"))
        )
    return charts.lines(
        series,
        title=_("%(name)s against its target path") % {"name": indicator.display_name}
        if path and not district
        else indicator.display_name,
        x_label=_("Period"),
        y_label=indicator.display_name,
        unit=unit,
        decimals=indicator.decimals,
        references=refs,
        x_labels={v.middle: v.display_period for v in c.values},
    )


def values_table(indicator: Indicator, district: str | None = None) -> QuerySet[IndicatorValue]:
    qs = indicator.values.select_related("entered_by").order_by("-end", "district")
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def search_filter(text: str) -> Q:
    return Q(name__icontains=text) | Q(name_en__icontains=text) | Q(key__icontains=text)


# --- across municipalities ---


@dataclass
class Entry:
    """One municipality's published indicator of a key, for the comparison."""

    indicator: Indicator
    values: list[IndicatorValue]
    per_1000: bool

    @property
    def municipality(self) -> Municipality:
        return self.indicator.municipality

    def shown(self, value: float) -> float | None:
        """The value as compared: per 1,000 inhabitants where the template asks for it."""
        if not self.per_1000:
            return value
        population = self.municipality.population
        return value / population * 1000 if population else None

    @property
    def latest(self) -> IndicatorValue | None:
        return self.values[-1] if self.values else None


def publishers() -> dict[str, int]:
    """How many municipalities publish each indicator key."""
    from django.db.models import Count

    rows = (
        Indicator.objects.filter(published=True)
        .values("key")
        .annotate(n=Count("municipality", distinct=True))
    )
    return {r["key"]: r["n"] for r in rows}


def comparison(key: str) -> list[Entry]:
    """Every municipality that publishes the indicator ``key``, with its whole-municipality
    values; sorted by name. Two queries whatever the number of municipalities."""
    indicators = list(
        Indicator.objects.filter(key=key, published=True)
        .select_related("municipality")
        .order_by("municipality__name")
    )
    values: dict[int, list] = defaultdict(list)
    for v in IndicatorValue.objects.filter(indicator__in=indicators, district="").order_by("end"):
        values[v.indicator_id].append(v)
    return [Entry(i, values[i.pk], i.comparison == "per_1000") for i in indicators]


def comparison_chart(key: str, entries: list[Entry]) -> charts.Chart | None:
    """One line per municipality; per 1,000 inhabitants where the indicator asks for it."""
    if not entries:
        return None
    # A template's key is named, measured and rounded as the template says: not as the
    # first municipality in the alphabet happens to call it.
    first = templates().get(key) or entries[0].indicator
    unit = first.display_unit
    if entries[0].per_1000:
        unit = (
            _("%(unit)s per 1,000 inhabitants") % {"unit": unit}
            if unit
            else _("per 1,000 inhabitants")
        )
    series = [
        charts.Series(e.municipality.name,
                      [(v.middle, e.shown(v.value)) for v in e.values], f"c{n % 6}", marks=True)
        for n, e in enumerate(entries)
    ]  # fmt: skip
    return charts.lines(
        series,
        title=_("%(name)s across municipalities") % {"name": first.display_name},
        x_label=_("Period"),
        y_label=first.display_name,
        unit=unit,
        decimals=first.decimals if not entries[0].per_1000 else first.decimals + 2,
        x_labels={v.middle: v.display_period for e in entries for v in e.values},
    )


# --- per district ---


@dataclass
class Districts:
    period: str
    geojson: dict | None  # the district outlines with the values, for the map
    chart: charts.Chart | None  # the same values as bars, which need no script
    unmatched: list[str]  # districts with a value but no outline of that name


def per_district(indicator: Indicator) -> Districts | None:
    """The latest period's values per district: a choropleth over the municipality's
    published district outlines (data/selectors.outlines_geojson) and a bar chart."""
    from stadtkern.data.selectors import outlines_geojson

    latest = indicator.values.exclude(district="").order_by("-end").first()
    if latest is None:
        return None
    rows = list(
        indicator.values.filter(period=latest.period).exclude(district="").order_by("value")
    )
    by_name = {v.district.casefold(): v for v in rows}
    label = indicator.display_name
    features = []
    for feature in outlines_geojson(indicator.municipality)["features"]:
        v = by_name.get(feature["properties"]["label"].casefold())
        if v is not None:
            features.append(
                {
                    **feature,
                    "properties": {"label": v.district, label: round(v.value, indicator.decimals)},
                }
            )
    named = {f["properties"]["label"].casefold() for f in features}
    chart = charts.bars(
        [(v.district, v.value) for v in rows],
        title=_("%(name)s per district, %(period)s")
        % {"name": label, "period": latest.display_period},
        x_label=_("District"),
        y_label=label,
        unit=indicator.display_unit,
        horizontal=True,
    )
    return Districts(
        latest.display_period,
        {"type": "FeatureCollection", "features": features} if features else None,
        chart,
        [v.district for v in rows if v.district.casefold() not in named],
    )


# --- a goal in the cockpit ---


def goal_view(user, municipality: Municipality, pk: int):
    """A goal with its indicators' cards, the measures serving it and, where it has two or
    more indicators, one chart of them all as an index (first value = 100): footfall and
    vacancy in one picture, though one counts people and the other shops."""
    goal_qs = Goal.objects.filter(municipality=municipality, pk=pk)
    if not rules.can_view_drafts(user, municipality):
        goal_qs = goal_qs.filter(published=True)
    goal = goal_qs.first()
    if goal is None:
        raise Http404(_("No such goal."))
    indicators = list(visible(user, municipality).filter(goals=goal))
    by_id = cards(indicators)
    measures = list(goal.measures.all() if rules.can_view_drafts(user, municipality)
                    else goal.measures.filter(published=True))  # fmt: skip
    series = []
    for n, i in enumerate(indicators):
        values = by_id[i.pk].values
        first = next((v.value for v in values if v.value), None)
        if first is None or len(values) < 2:
            continue
        series.append(charts.Series(i.display_name, [(v.middle, v.value / first * 100) for v in values],
                                    f"c{n % 6}", marks=len(values) <= 60))  # fmt: skip
    index = None
    if len(series) >= 2:
        index = charts.lines(
            series,
            title=_("The indicators of %(goal)s as an index") % {"goal": goal.display_title},
            x_label=_("Period"),
            y_label=_("Index (first value = 100)"),
            decimals=1,
            references=[charts.Reference(100, _("first value"))],
        )
    return goal, [by_id[i.pk] for i in indicators], measures, index
