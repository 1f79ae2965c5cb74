"""Who may do what in steering. The team (every member of the municipality, viewers
included: the council's members read along) sees projects, plans, reports; editors and
administrators change them. Visitors see published projects and their milestones only:
money, risks, people and minutes stay with the team."""

from stadtkern.core import rules as core_rules


def can_view_internals(user, municipality) -> bool:
    return core_rules.can_view_drafts(user, municipality)


def can_edit_steering(user, municipality) -> bool:
    return core_rules.can_edit_strategy(user, municipality)
