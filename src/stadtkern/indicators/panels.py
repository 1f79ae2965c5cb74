"""Sections other apps add to the cockpit (the high risks of the projects), without
indicators importing them: each registered panel renders its HTML for the visitor, or ""."""

from collections.abc import Callable

COCKPIT_PANELS: list[Callable] = []


def register_cockpit_panel(panel: Callable) -> None:
    if panel not in COCKPIT_PANELS:
        COCKPIT_PANELS.append(panel)


def cockpit_panels(request, municipality) -> list[str]:
    return [html for panel in COCKPIT_PANELS if (html := panel(request, municipality))]


GOAL_SCOPES: dict = {}  # name -> (label(), choices(user, municipality), goal_ids(value) -> set)


def register_goal_scope(name: str, label, choices, goal_ids) -> None:
    """A filter another app adds to the cockpit (the programmes of steering)."""
    GOAL_SCOPES[name] = (label, choices, goal_ids)


def goal_scopes(request, municipality) -> tuple[set | None, list[dict]]:
    """The goal ids the request's scopes leave (None: all), and the scopes for the form."""
    allowed, shown = None, []
    for name, (label, choices_of, goal_ids) in GOAL_SCOPES.items():
        choices = choices_of(request.user, municipality)
        wanted = (request.GET.get(name) or "").strip()[:100]
        chosen = wanted if wanted in {value for value, _label in choices} else ""
        if chosen:
            ids = goal_ids(chosen, municipality)
            allowed = ids if allowed is None else allowed & ids
        if choices:
            shown.append({"name": name, "label": label(), "choices": choices, "chosen": chosen})
    return allowed, shown
