"""Citizens' assemblies: creating them, registering volunteers, drawing the panel, exporting it.

The draw is LEXIMIN (``sortition.py``) over the volunteers as registered, with the seed
announced beforehand. The distribution is stored and published (counts per type of
volunteer and probabilities, no names), so that anyone can repeat the draw.
"""

import csv
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.models import Municipality

from . import rules
from .models import Assembly, Volunteer
from .sortition import SortitionError, leximin, quotas_from_shares


def assembly_create(
    *, municipality: Municipality, slug: str, title: str, panel_size: int, shares: dict, description: str = "",
    title_en: str = "", published: bool = True,
) -> Assembly:  # fmt: skip
    """Create an assembly; ``shares`` gives the population share of each value of each feature."""
    if not shares or any(
        not values or any(v < 0 for v in values.values()) for values in shares.values()
    ):
        raise ValidationError(
            {"shares": _("Give each feature its values with their shares of the population.")}
        )
    assembly = Assembly(
        municipality=municipality, slug=slug, title=title, title_en=title_en, description=description,
        panel_size=panel_size, shares=shares, published=published,
    )  # fmt: skip
    if slug == "new":  # the address of the form that creates one
        raise ValidationError(
            {"slug": _("This short name is taken by a page; please choose another.")}
        )
    assembly.full_clean()
    if panel_size < 2:
        raise ValidationError({"panel_size": _("A panel has at least two members.")})
    assembly.save()
    return assembly


def quotas(assembly: Assembly):
    return quotas_from_shares(assembly.shares, assembly.panel_size)


def volunteer_register(*, assembly: Assembly, name: str, contact: str, features: dict) -> Volunteer:
    """Register a volunteer with one value for each feature the assembly asks for."""
    if not assembly.registration_open or assembly.drawn_at is not None:
        raise ValidationError({"assembly": _("Registration is closed.")})
    errors = {}
    for feature, values in assembly.shares.items():
        if features.get(feature) not in values:
            errors[f"features.{feature}"] = _("Choose one of: %(values)s.") % {
                "values": ", ".join(values)
            }
    unknown = set(features) - set(assembly.shares)
    if unknown:
        errors["features"] = _("Unknown feature: %(name)s.") % {"name": sorted(unknown)[0]}
    if errors:
        raise ValidationError(errors)
    volunteer = Volunteer(
        assembly=assembly, name=name.strip(), contact=contact.strip(), features=dict(features)
    )
    volunteer.full_clean()
    volunteer.save()
    return volunteer


def assembly_announce_seed(*, assembly: Assembly, user, seed: str) -> Assembly:
    """Publish the seed before the draw (editors); it cannot change afterwards."""
    if not rules.can_manage_assembly(user, assembly.municipality):
        raise PermissionDenied(_("Only the municipality's editors prepare the draw."))
    if assembly.drawn_at is not None:
        raise ValidationError({"seed": _("The panel is drawn already.")})
    if len(seed.strip()) < 8:
        raise ValidationError(
            {
                "seed": _(
                    "A seed has at least 8 characters, e.g. the lottery numbers of a given day."
                )
            }
        )
    assembly.seed = seed.strip()
    assembly.registration_open = False
    assembly.save(update_fields=["seed", "registration_open"])
    return assembly


@transaction.atomic
def assembly_draw(*, assembly: Assembly, user) -> list[Volunteer]:
    """Draw the panel with the announced seed; store everyone's chance and the distribution."""
    if not rules.can_manage_assembly(user, assembly.municipality):
        raise PermissionDenied(_("Only the municipality's editors draw the panel."))
    assembly = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if assembly.drawn_at is not None:
        raise ValidationError({"assembly": _("The panel is drawn already.")})
    if not assembly.seed:
        raise ValidationError({"seed": _("Announce the seed before the draw.")})
    volunteers = list(assembly.volunteers.order_by("id"))
    try:
        distribution = leximin(
            [v.features for v in volunteers], quotas(assembly), assembly.panel_size
        )
    except SortitionError as exc:
        raise ValidationError({"volunteers": str(exc)}) from None
    chosen = set(distribution.draw(assembly.seed))
    for k, v in enumerate(volunteers):
        v.probability = distribution.marginals[k]
        v.selected = k in chosen
    Volunteer.objects.bulk_update(volunteers, ["probability", "selected"])
    assembly.distribution = {
        "volunteers": [v.pk for v in volunteers],  # positions used below, in registration order
        "types": [[volunteers[i].pk for i in members] for members in distribution.members],
        "panels": [list(p) for p in distribution.panels],
        "probabilities": distribution.probabilities,
    }
    assembly.drawn_at = timezone.now()
    assembly.save(update_fields=["distribution", "drawn_at"])
    return [v for v in volunteers if v.selected]


def composition(assembly: Assembly) -> list[dict]:
    """Return per feature value: its quota, how many volunteered, how many were drawn."""
    volunteers = list(assembly.volunteers.values_list("features", "selected"))
    rows = []
    for q in quotas(assembly):
        having = [s for f, s in volunteers if f.get(q.category) == q.value]
        rows.append({"feature": q.category, "value": q.value, "min": q.min, "max": q.max,
                     "volunteers": len(having), "drawn": sum(having)})  # fmt: skip
    return rows


def panel_rows(assembly: Assembly) -> list[dict]:
    """Return the drawn members: name, contact, their features and their chance."""
    return [
        {"name": v.name, "contact": v.contact, "features": v.features, "probability": v.probability}
        for v in assembly.volunteers.filter(selected=True).order_by("name", "id")
    ]


def panel_csv(assembly: Assembly) -> str:
    """Return the drawn panel as CSV for the invitation letters (name, contact, features)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    features = list(assembly.shares)
    writer.writerow(["name", "contact", *features, "probability"])
    for member in panel_rows(assembly):
        row = [
            member["name"],
            member["contact"],
            *[member["features"].get(f, "") for f in features],
            f"{member['probability']:.4f}",
        ]
        # Cells that spreadsheets would run as formulas are neutralised.
        writer.writerow(["'" + c if c[:1] in "=+-@" else c for c in row])
    return out.getvalue()
