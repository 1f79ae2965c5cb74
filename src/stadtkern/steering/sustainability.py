"""The sustainability check of a digital measure: four dimensions, each with the criteria
consultancies and the federal "digital sustainability" guidance ask about. Scores run from
1 (harmful or unknown) to 5 (exemplary); every score needs its reason, so that the check
can be argued with and repeated."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

TOP = 5


@dataclass(frozen=True)
class Criterion:
    key: str
    dimension: str
    label: object
    question: object


DIMENSIONS = {
    "ecological": _("ecological"),
    "economic": _("economic"),
    "social": _("social"),
    "resilience": _("resilience"),
}

CRITERIA = [
    Criterion("energy", "ecological", _("Energy"), _("How much energy do devices, networks and hosting use?")),
    Criterion("hardware", "ecological", _("Hardware lifetime"),
              _("Do devices last, can they be repaired and reused?")),
    Criterion("data_volume", "ecological", _("Data volume"), _("Is only the data collected and kept that is needed?")),
    Criterion("hosting", "ecological", _("Hosting"), _("Is it hosted efficiently, on renewable energy?")),
    Criterion("operating_costs", "economic", _("Operating costs"),
              _("Are the costs after the funding known and covered?")),
    Criterion("lock_in", "economic", _("Lock-in"), _("Can the municipality switch supplier without losing its data?")),
    Criterion("open_source", "economic", _("Open source and open standards"),
              _("Is the software open source, are the interfaces open standards?")),
    Criterion("reuse", "economic", _("Reuse"), _("Can other municipalities reuse the solution?")),
    Criterion("inclusion", "social", _("Inclusion"), _("Does it reach people without smartphones or digital skills?")),
    Criterion("accessibility", "social", _("Accessibility"), _("Does it meet WCAG 2.1 AA / BITV 2.0?")),
    Criterion("data_protection", "social", _("Data protection"),
              _("Is personal data minimal, protected and deletable?")),
    Criterion("participation", "social", _("Participation"), _("Were the people it serves involved?")),
    Criterion("security", "resilience", _("Information security"),
              _("Is it protected against attacks and misuse (IT-Grundschutz)?")),
    Criterion("dependency", "resilience", _("Dependency"),
              _("Does it depend on one vendor, one network or one cloud?")),
    Criterion("fallback", "resilience", _("Fallback"), _("What still works when the service fails?")),
]  # fmt: skip
BY_KEY = {c.key: c for c in CRITERIA}
