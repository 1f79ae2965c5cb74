"""The steering app's tables, one file per part: programmes, projects with their team and
status reports, the plan (phases, work packages, dependencies, RACI), the backlog, money
and funding, opportunities and risks,
people and change,
jour fixe and steering meetings, the
sustainability check of measures, calendar tokens and reminders,
quality and learning."""

from .backlog import BacklogItem, Column, ItemKind, Iteration
from .calendar import CalendarToken, Reminder
from .learning import DocumentTemplate, Improvement, ImprovementStatus, Lesson, TemplateKind
from .meetings import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries, Section, SeriesKind
from .money import (
    Actual,
    Application,
    ApplicationStatus,
    BudgetLine,
    CostType,
    FundingLevel,
    FundingProgramme,
)
from .people import Attitude, Communication, Format, Stakeholder, StakeholderKind, Tie
from .plans import Dependency, Phase, Responsibility, WorkPackage
from .programmes import Programme, ProgrammeKind, ProgrammeStatus
from .projects import Design, Light, Project, StatusReport, TeamMember
from .risks import Assessment, Response, Risk, RiskKind
from .sustainability import SustainabilityScore

__all__ = [
    "DocumentTemplate", "Improvement", "ImprovementStatus", "Lesson", "TemplateKind",
    "CalendarToken", "Reminder",
    "SustainabilityScore",
    "ActionItem", "AgendaItem", "Decision", "Meeting", "MeetingSeries", "Section", "SeriesKind",
    "Attitude", "Communication", "Format", "Stakeholder", "StakeholderKind", "Tie",
    "Assessment", "Response", "Risk", "RiskKind",
    "Actual", "Application", "ApplicationStatus", "BudgetLine", "CostType", "FundingLevel",
    "FundingProgramme",
    "BacklogItem", "Column", "ItemKind", "Iteration", "Dependency", "Design", "Light", "Phase", "Programme", "ProgrammeKind", "ProgrammeStatus",
    "Project", "Responsibility", "StatusReport", "TeamMember", "WorkPackage",
]  # fmt: skip
