"""Who may do what in participation, per municipality and phase. Tested as a grid.

Personas: anonymous visitors, registered citizens (an account, no role), verified
citizens (an account verified as a resident), moderators, the municipality's editors
(admin or editor role) and editors of another municipality. A phase declares what
participants may do in it (``PHASE_ACTIONS``); the administration's own work (set-up,
review, counting) does not depend on the phase.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.models import Role
from stadtkern.core.rules import MEMBER_ROLES, WRITE_ROLES, role_of

from .models import PhaseKind, Process

PHASE_ACTIONS = {
    PhaseKind.PROPOSALS: {"propose", "comment", "support"},
    PhaseKind.REVIEW: {"comment"},
    PhaseKind.VOTING: {"vote", "comment"},
    PhaseKind.RESULTS: {"comment"},
    PhaseKind.IMPLEMENTATION: {"comment"},
}


def _staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def _role(user, process: Process) -> str | None:
    return role_of(user, process.municipality)


def phase_allows(phase, action: str) -> bool:
    return phase is not None and action in PHASE_ACTIONS.get(phase.kind, set())


def residence(user, process: Process) -> str | None:
    """Return the district a verified resident lives in ("" if not recorded); None if not verified."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = user.verifications.filter(municipality_id=process.municipality_id).values_list(
        "district", flat=True
    )
    return next(iter(found), None)


def is_verified(user, process: Process) -> bool:
    return residence(user, process) is not None


def can_manage_process(user, process: Process) -> bool:
    """Set up processes, phases, budgets, projects and voting codes; count."""
    return can_edit_participation(user, process.municipality)


def can_view_process(user, process: Process) -> bool:
    return (
        process.published
        or can_manage_process(user, process)
        or _role(user, process) == Role.MODERATOR
    )


def can_vote(user, process: Process, phase) -> bool:
    """Vote with an account: verified residents, while a voting phase runs."""
    return resident_may_vote(residence(user, process), process, phase)


def resident_may_vote(district: str | None, process: Process, phase) -> bool:
    """``can_vote`` for a residence already looked up (None: not verified)."""
    return process.published and phase_allows(phase, "vote") and district is not None


def may_vote_in(district: str, budget) -> bool:
    """Everyone may vote in the town's budget; a district's sub-budget only its residents."""
    return not budget.district or district == budget.district


def can_vote_with_code(process: Process, phase) -> bool:
    """Vote with a paper code: anyone holding a valid code, while a voting phase runs."""
    return process.published and phase_allows(phase, "vote")


def can_see_results(user, process: Process, voting_over: bool) -> bool:
    """Results and the anonymous ballots: for everyone once voting is over, never before."""
    return voting_over and can_view_process(user, process)


def _participant(user, process: Process, phase, action: str) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and process.published
        and phase_allows(phase, action)
    )


def can_propose(user, process: Process, phase) -> bool:
    """Registered participants propose while the proposals phase runs."""
    return _participant(user, process, phase, "propose")


def can_support(user, process: Process, phase) -> bool:
    return _participant(user, process, phase, "support")


def can_comment(user, process: Process, phase) -> bool:
    return _participant(user, process, phase, "comment")


def can_moderate(user, process: Process) -> bool:
    """Hide proposals and comments with a published reason: moderators and editors."""
    return _staff(user) or _role(user, process) in {*WRITE_ROLES, Role.MODERATOR}


def can_review(user, process: Process) -> bool:
    """Record the administration's review and turn proposals into measures: editors."""
    return can_manage_process(user, process)


def can_edit_participation(user, municipality) -> bool:
    """Set up processes, budgets, surveys and pulse checks; read free-text answers: editors."""
    return _staff(user) or role_of(user, municipality) in WRITE_ROLES


def require_editor(user, municipality) -> None:
    """Raise PermissionDenied unless the user may set up participation in the municipality."""
    if not can_edit_participation(user, municipality):
        raise PermissionDenied(_("Only the municipality's editors set up participation."))


def can_see_survey(user, survey) -> bool:
    """A team-only survey (or pulse check) exists for the municipality's members alone."""
    if not survey.team_only:
        return True
    return _staff(user) or role_of(user, survey.municipality) in MEMBER_ROLES


def can_see_survey_results(user, survey, now=None) -> bool:
    """Results: editors at any time, everyone once the survey has closed (if published)."""
    closed = survey.closes_at <= (now or timezone.now())
    return can_edit_participation(user, survey.municipality) or (survey.published and closed)


def can_manage_assembly(user, municipality) -> bool:
    """Announce the seed, draw the panel and read the volunteers' contacts: editors."""
    return can_edit_participation(user, municipality)
