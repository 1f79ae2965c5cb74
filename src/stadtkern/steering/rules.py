"""Who may do what in steering. The team (every member of the municipality, viewers
included: the council's members read along) sees projects, plans, reports; editors and
administrators change them. Visitors see published projects and their milestones only:
money, risks, people and minutes stay with the team. What the instance shares (funding
programmes, templates) belongs to the municipality that added it."""

from stadtkern.core import rules as core_rules


def can_view_internals(user, municipality) -> bool:
    return core_rules.can_view_drafts(user, municipality)


def can_edit_steering(user, municipality) -> bool:
    return core_rules.can_edit_strategy(user, municipality)


def can_change_shared(user, added_by) -> bool:
    """A funding programme or template the whole instance shares is changed or removed by
    the editors of the municipality that added it; the shipped ones (added by none) and
    those whose municipality is gone only by the instance's staff."""
    if added_by is None:
        return bool(getattr(user, "is_authenticated", False) and user.is_staff)
    return can_edit_steering(user, added_by)
