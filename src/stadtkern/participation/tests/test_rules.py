"""Who may do what in participation: a grid of persona x phase (and municipality)."""

import pytest

from stadtkern.participation import rules
from stadtkern.participation.models import PhaseKind
from stadtkern.participation.selectors import current_phase, voting_over

from .conftest import PHASES, make_process

PERSONAS = ["anonymous", "citizen", "verified", "moderator", "editor", "other_editor"]

# Who may vote with an account, by phase: only verified residents, only while voting runs.
VOTE = {
    (p, phase): p == "verified" and phase == PhaseKind.VOTING for p in PERSONAS for phase in PHASES
}
# Who may set up and count: the municipality's editors, whatever the phase.
MANAGE = {(p, phase): p == "editor" for p in PERSONAS for phase in PHASES}


@pytest.mark.django_db
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_vote_and_manage_grid(people, alpha, persona, phase):
    process = make_process(alpha, running=phase)
    running = current_phase(process)
    assert running.kind == phase
    user = people[persona]
    assert rules.can_vote(user, process, running) is VOTE[(persona, phase)]
    assert rules.can_manage_process(user, process) is MANAGE[(persona, phase)]
    assert rules.can_vote_with_code(process, running) is (phase == PhaseKind.VOTING)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sees_draft"),
    [("anonymous", False), ("citizen", False), ("verified", False), ("moderator", True), ("editor", True),
     ("other_editor", False)],
)  # fmt: skip
def test_an_unpublished_process_is_seen_by_its_editors_and_moderators_only(
    people, alpha, persona, sees_draft
):
    draft = make_process(alpha, published=False)
    assert rules.can_view_process(people[persona], draft) is sees_draft
    assert rules.can_vote(people[persona], draft, current_phase(draft)) is False
    assert rules.can_vote_with_code(draft, current_phase(draft)) is False


@pytest.mark.django_db
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_results_are_public_after_the_vote_and_hidden_from_everyone_before(
    people, alpha, persona, phase
):
    process = make_process(alpha, running=phase)
    over = voting_over(process)
    assert over is (PHASES.index(phase) > PHASES.index(PhaseKind.VOTING))
    assert rules.can_see_results(people[persona], process, over) is over


@pytest.mark.django_db
def test_a_verified_resident_of_another_municipality_may_not_vote(people, beta):
    process = make_process(beta, slug="beta-bhh")
    assert rules.can_vote(people["verified"], process, current_phase(process)) is False


@pytest.mark.django_db
@pytest.mark.parametrize(("phase", "actions"), [
    (PhaseKind.PROPOSALS, {"propose", "comment", "support"}),
    (PhaseKind.REVIEW, {"comment"}),
    (PhaseKind.VOTING, {"vote", "comment"}),
    (PhaseKind.RESULTS, {"comment"}),
    (PhaseKind.IMPLEMENTATION, {"comment"}),
])  # fmt: skip
def test_each_phase_declares_what_participants_may_do(alpha, phase, actions):
    running = current_phase(make_process(alpha, running=phase))
    for action in ("propose", "comment", "support", "vote"):
        assert rules.phase_allows(running, action) is (action in actions)
