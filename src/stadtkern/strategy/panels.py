"""Sections other apps add to a measure's page (the indicators it should move, its
sustainability check) and to the strategy house (sustainability by field of action),
without strategy importing them: each registered panel renders its HTML for the visitor,
or ""."""

from collections.abc import Callable

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
