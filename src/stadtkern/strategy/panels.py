"""Sections other apps add to a measure's page (the indicators it should move), without
strategy importing them: each registered panel renders its HTML for the visitor, or ""."""

from collections.abc import Callable

MEASURE_PANELS: list[Callable] = []


def register_measure_panel(panel: Callable) -> None:
    if panel not in MEASURE_PANELS:
        MEASURE_PANELS.append(panel)


def measure_panels(request, measure) -> list[str]:
    return [html for panel in MEASURE_PANELS if (html := panel(request, measure))]
