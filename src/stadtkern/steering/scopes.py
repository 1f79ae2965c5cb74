"""The programme as a filter of the strategy house's measures and of the cockpit's goals:
a programme holds goals and measures, and its goals are those it names plus those its
measures serve."""

from django.db.models import Q
from django.utils.translation import gettext as _

from stadtkern.strategy.models import Goal


def _choices(user, municipality) -> list[tuple[str, str]]:
    from . import selectors  # with its charts: when a page offers the filter, not at start

    return [(p.slug, p.display_title) for p in selectors.programme_list(user, municipality)]


def _measures(qs, slug: str):
    return qs.filter(programmes__slug=slug).distinct()


def _goal_ids(slug: str, municipality) -> set[int]:
    return set(Goal.objects.filter(municipality=municipality).filter(
        # Through published measures only: a draft measure must not reveal which goal it serves.
        Q(programmes__slug=slug) | Q(measures__programmes__slug=slug, measures__published=True)
    ).values_list("pk", flat=True))  # fmt: skip


def connect() -> None:
    from stadtkern.indicators.panels import register_goal_scope
    from stadtkern.strategy.panels import MeasureScope, register_measure_scope

    register_measure_scope(MeasureScope("programme", lambda: _("Programme"), _choices, _measures))
    register_goal_scope("programme", lambda: _("Programme"), _choices, _goal_ids)
