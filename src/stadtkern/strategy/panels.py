"""Sections other apps add to a measure's page (the indicators it should move, its
sustainability check) and to the strategy house (sustainability by field of action),
without strategy importing them: each registered panel renders its HTML for the visitor,
or ""."""

from collections.abc import Callable
from dataclasses import dataclass

MEASURE_PANELS: list[Callable] = []


def register_measure_panel(panel: Callable) -> None:
    if panel not in MEASURE_PANELS:
        MEASURE_PANELS.append(panel)


def measure_panels(request, measure) -> list[str]:
    return [html for panel in MEASURE_PANELS if (html := panel(request, measure))]


HOUSE_PANELS: list[Callable] = []


def register_house_panel(panel: Callable) -> None:
    if panel not in HOUSE_PANELS:
        HOUSE_PANELS.append(panel)


def house_panels(request, municipality) -> list[str]:
    return [html for panel in HOUSE_PANELS if (html := panel(request, municipality))]


@dataclass(frozen=True)
class MeasureScope:
    """A filter another app adds to the house's measure list (the programmes of steering):
    ``choices(user, municipality)`` gives (value, label) pairs, ``apply(queryset, value)``
    narrows the measures to the chosen one."""

    name: str  # the query parameter
    label: Callable[[], str]
    choices: Callable
    apply: Callable


MEASURE_SCOPES: dict[str, MeasureScope] = {}


def register_measure_scope(scope: MeasureScope) -> None:
    MEASURE_SCOPES[scope.name] = scope


def scoped(request, municipality, qs):
    """Apply the registered scopes the request names; return the queryset and, per scope,
    its label, choices and chosen value for the filter form."""
    shown = []
    for scope in MEASURE_SCOPES.values():
        choices = scope.choices(request.user, municipality)
        wanted = (request.GET.get(scope.name) or "").strip()[:100]
        chosen = wanted if wanted in {value for value, _label in choices} else ""
        if chosen:
            qs = scope.apply(qs, chosen)
        if choices:
            shown.append(
                {"name": scope.name, "label": scope.label(), "choices": choices, "chosen": chosen}
            )
    return qs, shown
