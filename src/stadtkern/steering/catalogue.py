"""The funding programmes shipped with the product (funding/programmes.yml): read, and
written into the shared catalogue, where a newer collection replaces the older facts of
the same programme and programmes added by municipalities stay as they are."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

FILE = Path(__file__).parent / "funding" / "programmes.yml"


def shipped() -> list[dict]:
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    collected = data["collected_on"]
    out = []
    for p in data["programmes"]:
        out.append({
            "key": p["key"], "level": p["level"], "state": p.get("state") or "", "funder": p["funder"],
            "title": p["title"], "description": p.get("description", ""),
            "description_en": p.get("description_en", ""), "rate": Decimal(str(p["rate"])),
            "rate_note": p.get("rate_note", ""), "min_own_share": Decimal(str(p["min_own_share"])),
            "eligible": list(p["eligible"]), "deadline": date.fromisoformat(p["deadline"]) if p.get("deadline") else None,
            "deadline_note": p.get("deadline_note", ""), "url": p.get("url", ""),
            "collected_on": collected if isinstance(collected, date) else date.fromisoformat(str(collected)),
        })  # fmt: skip
    return out


def load_programmes(model) -> int:
    """Write the shipped programmes into ``model`` (the FundingProgramme model, or its
    historical twin in a migration); returns how many."""
    n = 0
    for fields in shipped():
        existing = model.objects.filter(key=fields["key"]).first()
        if existing is not None and existing.added_by_id is not None:
            continue  # a municipality's own programme of the same name stays
        model.objects.update_or_create(key=fields["key"], defaults=fields)
        n += 1
    return n
