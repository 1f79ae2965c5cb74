"""Who may do what with indicators. Reading follows publication (drafts for members);
defining indicators, entering values, setting targets and effects is for editors."""

from stadtkern.core import rules


def can_edit_indicators(user, municipality) -> bool:
    return rules.can_edit_strategy(user, municipality)


def can_see_errors(user, municipality) -> bool:
    """A failed computation's message names datasets and queries: members only."""
    return rules.can_view_drafts(user, municipality)
