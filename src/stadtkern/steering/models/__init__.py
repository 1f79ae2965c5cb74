"""The steering app's tables, one file per part: programmes, projects with their team and
status reports, and the plan (phases, work packages, dependencies, RACI)."""

from .plans import Dependency, Phase, Responsibility, WorkPackage
from .programmes import Programme, ProgrammeKind, ProgrammeStatus
from .projects import Design, Light, Project, StatusReport, TeamMember

__all__ = [
    "Dependency", "Design", "Light", "Phase", "Programme", "ProgrammeKind", "ProgrammeStatus",
    "Project", "Responsibility", "StatusReport", "TeamMember", "WorkPackage",
]  # fmt: skip
