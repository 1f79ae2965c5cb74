"""The template catalogue (``catalogue/templates.yml``) and the YAML definitions format.

The same format serves the shipped templates and a municipality's own definitions
(``stadtkern indicators load``). ``parse`` checks every entry and names the entry and the
field of the first fault; nothing is written here.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import KEY_RE, Comparison, Direction, Level, SourceKind

TEMPLATES = Path(__file__).resolve().parent / "catalogue" / "templates.yml"
MAX_ENTRIES = 500
MAX_BYTES = 2 * 2**20


class DefinitionError(ValueError):
    pass


@dataclass
class Template:
    key: str
    name: str
    name_en: str
    explanation: str = ""
    explanation_en: str = ""
    formula: str = ""
    unit: str = ""
    unit_en: str = ""
    decimals: int = 1
    direction: str = Direction.HIGHER
    level: str = Level.MUNICIPALITY
    comparison: str = ""
    sdg: list[str] = field(default_factory=list)
    source_hint: str = ""
    limit_value: float | None = None
    limit_label: str = ""
    limit_label_en: str = ""
    source: dict = field(default_factory=dict)
    target: dict = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name

    @property
    def display_unit(self) -> str:
        return self.unit_en if get_language() == "en" and self.unit_en else self.unit

    @property
    def display_explanation(self) -> str:
        if get_language() == "en" and self.explanation_en:
            return self.explanation_en
        return self.explanation


def _text(
    entry: dict, name: str, where: str, limit: int, required: bool = False
) -> tuple[str, str]:
    value = entry.get(name)
    if value is None:
        if required:
            raise DefinitionError(_("%(w)s: '%(f)s' is missing.") % {"w": where, "f": name})
        return "", ""
    if isinstance(value, str):
        value = {"de": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise DefinitionError(
            _("%(w)s: '%(f)s' is a text or {de: …, en: …}.") % {"w": where, "f": name}
        )
    de, en = value.get("de", "").strip(), value.get("en", "").strip()
    if required and not de:
        raise DefinitionError(_("%(w)s: '%(f)s' needs a German text.") % {"w": where, "f": name})
    if len(de) > limit or len(en) > limit:
        raise DefinitionError(
            _("%(w)s: '%(f)s' has more than %(n)s characters.")
            % {"w": where, "f": name, "n": limit}
        )
    return de, en


def _choice(entry: dict, name: str, where: str, choices, default: str) -> str:
    value = _plain(entry.get(name, default), where, name, 40)
    if value not in [c for c in choices]:
        raise DefinitionError(
            _("%(w)s: '%(f)s' is one of %(c)s.")
            % {"w": where, "f": name, "c": ", ".join(c or "''" for c in choices)}
        )
    return value


def _date(value, where: str, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_plain(value, where, name, 40))
    except ValueError:
        raise DefinitionError(
            _("%(w)s: '%(f)s' is a date like 2030-12-31.") % {"w": where, "f": name}
        ) from None


def _float(value, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DefinitionError(_("%(w)s: '%(f)s' is a number.") % {"w": where, "f": name})
    return float(value)


def _plain(value, where: str, name: str, limit: int) -> str:
    """A short text: YAML that gives a list or mapping here is refused, never printed
    (a list built of aliases may be small in memory and enormous as text)."""
    if value is None:
        return ""
    if not isinstance(value, str | int | float | date) or isinstance(value, bool):
        raise DefinitionError(_("%(w)s: '%(f)s' is a text.") % {"w": where, "f": name})
    return str(value)[:limit]


def _target(raw, where: str) -> dict:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        raise DefinitionError(_("%(w)s: 'target' is a mapping.") % {"w": where})
    out = {}
    for part in ("baseline", "target"):
        point = raw.get(part)
        if not isinstance(point, dict) or "date" not in point or "value" not in point:
            raise DefinitionError(
                _("%(w)s: target.%(p)s needs a date and a value.") % {"w": where, "p": part}
            )
        out[part] = (_date(point["date"], where, f"target.{part}.date"),
                     _float(point["value"], where, f"target.{part}.value"))  # fmt: skip
    if out["target"][0] <= out["baseline"][0]:
        raise DefinitionError(
            _("%(w)s: the target date must lie after the baseline date.") % {"w": where}
        )
    out["tolerance"] = _float(raw.get("tolerance", 0), where, "target.tolerance")
    if out["tolerance"] < 0:
        raise DefinitionError(_("%(w)s: the tolerance cannot be negative.") % {"w": where})
    out["text"], out["text_en"] = _text(raw, "text", where, 300)
    milestones = {}
    stones = raw.get("milestones") or []
    if not isinstance(stones, list):
        raise DefinitionError(_("%(w)s: 'milestones' is a list.") % {"w": where})
    for m in stones:
        if not isinstance(m, dict):
            raise DefinitionError(_("%(w)s: a milestone has a date and a value.") % {"w": where})
        when = _date(m.get("date"), where, "milestone.date")
        if when in milestones:
            raise DefinitionError(
                _("%(w)s: two milestones on %(d)s.") % {"w": where, "d": when.isoformat()}
            )
        milestones[when] = (when, _float(m.get("value"), where, "milestone.value"),
                            _plain(m.get("label"), where, "milestone.label", 200))  # fmt: skip
    out["milestones"] = list(milestones.values())
    return out


def _entry(entry, n: int) -> Template:
    if not isinstance(entry, dict):
        raise DefinitionError(_("Entry %(n)s is not a mapping.") % {"n": n})
    key = _plain(entry.get("key"), _("Entry %(n)s") % {"n": n}, "key", 63)
    where = _("Entry %(n)s (%(k)s)") % {"n": n, "k": key or "?"}
    if not re.fullmatch(KEY_RE, key):
        raise DefinitionError(
            _("%(w)s: the key is lower-case letters, digits and underscores.") % {"w": where}
        )
    name, name_en = _text(entry, "name", where, 200, required=True)
    explanation, explanation_en = _text(entry, "explanation", where, 4000)
    formula, _f = _text(entry, "formula", where, 500)
    unit, unit_en = _text(entry, "unit", where, 40)
    hint, _h = _text(entry, "source_hint", where, 500)
    decimals = entry.get("decimals", 1)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise DefinitionError(_("%(w)s: 'decimals' is a whole number from 0 to 6.") % {"w": where})
    sdg = entry.get("sdg") or []
    if not isinstance(sdg, list) or not all(isinstance(c, str | int | float) for c in sdg):
        raise DefinitionError(_("%(w)s: 'sdg' is a list of target codes.") % {"w": where})
    limit = entry.get("limit") or {}
    if limit and not isinstance(limit, dict):
        raise DefinitionError(_("%(w)s: 'limit' is a mapping.") % {"w": where})
    source = entry.get("source") or {}
    if source and (not isinstance(source, dict) or source.get("kind") not in SourceKind.values):
        raise DefinitionError(
            _("%(w)s: 'source' needs a kind: %(k)s.")
            % {"w": where, "k": ", ".join(SourceKind.values)}
        )
    for name, value in source.items():
        _plain(value, where, f"source.{name}", 300)
    return Template(
        key=key,
        name=name,
        name_en=name_en,
        explanation=explanation,
        explanation_en=explanation_en,
        formula=formula,
        unit=unit,
        unit_en=unit_en,
        decimals=decimals,
        direction=_choice(entry, "direction", where, Direction.values, Direction.HIGHER),
        level=_choice(entry, "level", where, Level.values, Level.MUNICIPALITY),
        comparison=_choice(entry, "comparison", where, Comparison.values, ""),
        sdg=[_plain(c, where, "sdg", 10) for c in sdg],
        source_hint=hint,
        limit_value=_float(limit["value"], where, "limit.value") if limit else None,
        limit_label=_plain(limit.get("de"), where, "limit.de", 100) if limit else "",
        limit_label_en=_plain(limit.get("en"), where, "limit.en", 100) if limit else "",
        source=dict(source),
        target=_target(entry.get("target"), where),
    )


def parse(text: str) -> list[Template]:
    """Read and check definitions; DefinitionError names the first fault."""
    if len(text.encode()) > MAX_BYTES:
        raise DefinitionError(_("The file is larger than 2 MB."))
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise DefinitionError(_("The file is not valid YAML%(w)s.") % {"w": where}) from None
    if isinstance(raw, dict) and "indicators" in raw:
        raw = raw["indicators"]
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(_("The file holds no list of indicators."))
    if len(raw) > MAX_ENTRIES:
        raise DefinitionError(_("At most %(n)s indicators per file.") % {"n": MAX_ENTRIES})
    out, keys = [], set()
    for n, entry in enumerate(raw, start=1):
        template = _entry(entry, n)
        if template.key in keys:
            raise DefinitionError(_("The key '%(k)s' appears twice.") % {"k": template.key})
        keys.add(template.key)
        out.append(template)
    return out


@cache
def templates() -> dict[str, Template]:
    return {t.key: t for t in parse(TEMPLATES.read_text(encoding="utf-8"))}
