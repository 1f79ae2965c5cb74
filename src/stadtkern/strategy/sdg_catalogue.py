"""Read the SDG catalogue files shipped in ``sdg_data/`` (used by a data migration)."""

from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "sdg_data"


def _load(kind: str, lang: str) -> dict[str, str]:
    with open(DATA_DIR / f"global_{kind}.{lang}.yml", encoding="utf-8") as fh:
        return {str(k): str(v).strip() for k, v in yaml.safe_load(fh).items()}


def _position(part: str) -> int:
    # Numbered targets come first (11.1 ... 11.7), lettered ones after (11.a = 101 ...).
    return int(part) if part.isdigit() else 100 + ord(part.lower()) - ord("a") + 1


def read_catalogue() -> tuple[list[dict], list[dict], list[dict]]:
    """Return (goals, targets, indicators) as lists of dicts with German and English titles."""
    goals_de, goals_en = _load("goals", "de"), _load("goals", "en")
    targets_de, targets_en = _load("targets", "de"), _load("targets", "en")
    ind_de, ind_en = _load("indicators", "de"), _load("indicators", "en")
    goals = [
        {
            "number": n,
            "short_de": goals_de[f"{n}-short"],
            "short_en": goals_en[f"{n}-short"],
            "title_de": goals_de[f"{n}-title"],
            "title_en": goals_en[f"{n}-title"],
        }
        for n in range(1, 18)
    ]
    targets = []
    for key, title_en in targets_en.items():
        goal, part, _suffix = key.split("-")
        targets.append(
            {
                "code": f"{goal}.{part}",
                "goal_id": int(goal),
                "position": _position(part),
                "title_de": targets_de.get(key, title_en),
                "title_en": title_en,
            }
        )
    indicators = []
    for key, title_en in ind_en.items():
        goal, part, number, _suffix = key.split("-")
        indicators.append(
            {
                "code": f"{goal}.{part}.{number}",
                "target_id": f"{goal}.{part}",
                "position": int(number),
                "title_de": ind_de.get(key, title_en),
                "title_en": title_en,
            }
        )
    return goals, targets, indicators


def load_catalogue(goal_model, target_model, indicator_model) -> None:
    """Insert the whole catalogue into the given (possibly historical) models."""
    goals, targets, indicators = read_catalogue()
    goal_model.objects.bulk_create(goal_model(**g) for g in goals)
    target_model.objects.bulk_create(target_model(**t) for t in targets)
    indicator_model.objects.bulk_create(indicator_model(**i) for i in indicators)
