"""Sections other apps add to the cockpit (the high risks of the projects), without
indicators importing them: each registered panel renders its HTML for the visitor, or ""."""

from collections.abc import Callable

COCKPIT_PANELS: list[Callable] = []


def register_cockpit_panel(panel: Callable) -> None:
    if panel not in COCKPIT_PANELS:
        COCKPIT_PANELS.append(panel)


def cockpit_panels(request, municipality) -> list[str]:
    return [html for panel in COCKPIT_PANELS if (html := panel(request, municipality))]
