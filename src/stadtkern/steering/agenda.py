"""The agenda a meeting assembles by itself: open action items, risks due for review, red
status reports and milestones due, each sorted into the strategic or the operative part.

Strategic is what the steering level must decide: a red project, a high risk, a
milestone that has slipped against its baseline. Operative is what the team follows up:
open actions, other risks due, milestones coming up. Four queries whatever the number of
projects in the series' scope.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from stadtkern.core.charts import date_formatter

from .models import ActionItem, MeetingSeries, Project, Risk, Section, StatusReport, WorkPackage
from .models.meetings import AgendaItem

MILESTONES_BEFORE, MILESTONES_AFTER = 7, 21  # days around the meeting


@dataclass
class Topic:
    section: str
    source: str
    source_id: int | None
    project_id: int | None
    title: str


def scope(series: MeetingSeries) -> QuerySet:
    """The projects a series steers: its project, its programme's, or all of the municipality's."""
    projects = Project.objects.filter(municipality_id=series.municipality_id)
    if series.project_id is not None:
        return projects.filter(pk=series.project_id)
    if series.programme_id is not None:
        return projects.filter(measure__programmes=series.programme_id)
    return projects


def assemble(series: MeetingSeries, on: date) -> list[Topic]:
    fmt = date_formatter()
    projects = scope(series)
    topics = []
    actions = (ActionItem.objects.filter(done=False, meeting__series=series)
               .select_related("owner", "project__measure").order_by("due_on", "pk"))  # fmt: skip
    for a in actions:
        who = a.owner.get_full_name() or a.owner.get_username() if a.owner else _("nobody yet")
        due = _(", due %(d)s") % {"d": fmt(a.due_on)} if a.due_on else ""
        overdue = a.due_on is not None and a.due_on < on
        topics.append(Topic(Section.OPERATIVE, AgendaItem.Source.ACTION, a.pk, a.project_id,
                            (_("Overdue: ") if overdue else "") + f"{a.title} ({who}{due})"))  # fmt: skip
    risks = (Risk.objects.filter(project__in=projects, closed=False, review_on__lte=on)
             .annotate(rating=F("probability") * F("impact"), threshold=F("project__risk_threshold"))
             .select_related("project__measure").order_by("-rating", "pk"))  # fmt: skip
    for r in risks:
        high = r.kind == "risk" and r.rating >= r.threshold
        topics.append(Topic(Section.STRATEGIC if high else Section.OPERATIVE, AgendaItem.Source.RISK, r.pk,
                            r.project_id, _("%(p)s: review %(kind)s '%(t)s' (%(pr)s × %(im)s)") % {
                                "p": r.project.title, "kind": r.get_kind_display(), "t": r.title,
                                "pr": r.probability, "im": r.impact}))  # fmt: skip
    newest = (
        StatusReport.objects.filter(project=OuterRef("project"))
        .order_by("-period_end")
        .values("pk")[:1]
    )
    red = (StatusReport.objects.filter(project__in=projects, overall="red", pk=Subquery(newest))
           .select_related("project__measure").order_by("period_end", "pk"))  # fmt: skip
    for report in red:
        topics.append(Topic(Section.STRATEGIC, AgendaItem.Source.REPORT, report.pk, report.project_id,
                            _("%(p)s is red (report of %(d)s): %(t)s") % {
                                "p": report.project.title, "d": fmt(report.period_end), "t": report.text[:200]}))  # fmt: skip
    milestones = (WorkPackage.objects.filter(project__in=projects, duration=0, done__lt=100,
                                             start__gte=on - timedelta(days=MILESTONES_BEFORE),
                                             start__lte=on + timedelta(days=MILESTONES_AFTER))
                  .select_related("project__measure").order_by("start", "pk"))  # fmt: skip
    for m in milestones:
        slipped = m.slip is not None and m.slip > 0
        text = _("%(p)s: milestone '%(t)s' on %(d)s") % {
            "p": m.project.title,
            "t": m.title,
            "d": fmt(m.start),
        }
        if slipped:
            text += _(" (%(n)s days later than the baseline)") % {"n": m.slip}
        topics.append(Topic(Section.STRATEGIC if slipped else Section.OPERATIVE, AgendaItem.Source.MILESTONE,
                            m.pk, m.project_id, text))  # fmt: skip
    return topics
