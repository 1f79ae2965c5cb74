"""Citizens' assemblies: creating them, registering volunteers, drawing the panel, exporting it.

The draw is LEXIMIN (``sortition.py``) over the volunteers as registered, with the seed
announced beforehand. The distribution is stored and published (counts per type of
volunteer and probabilities, no names), so that anyone can repeat the draw.
"""

import csv
import io
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stadtkern.core.models import Municipality

from . import rules
from .models import Assembly, Volunteer
from .services import short_name_check
from .sortition import SortitionError, leximin, quotas_from_shares

SHARES_EXAMPLE = "Alter: 16-29 = 18 %; 30-64 = 58 %; 65+ = 24 %"
_SHARE_NUMBER = re.compile(r"^(\d{1,9}(?:[.,]\d{1,9})?)\s*(%?)$")


def _line_error(number: int, message: str) -> ValidationError:
    return ValidationError(_("Line %(line)d: %(message)s") % {"line": number, "message": message})


def parse_shares(text: str) -> dict[str, dict[str, float]]:
    """Read population shares written one feature per line, as editors type them:
    ``Alter: 16-29 = 18 %; 30-64 = 58 %; 65+ = 24 %``. Shares may be percentages or
    fractions (decimal comma or point); only their ratios within a feature count.
    Raise ValidationError naming the line of the first mistake."""
    shares: dict[str, dict[str, float]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        feature, colon, rest = line.partition(":")
        feature = feature.strip()
        if not colon or not feature:
            raise _line_error(number, _("write the feature, a colon, then its values."))
        if feature in shares:
            raise _line_error(number, _("the feature %(name)s appears twice.") % {"name": feature})
        values: dict[str, float] = {}
        for item in rest.split(";"):
            if not item.strip():
                continue
            value, equals, share = item.rpartition("=")
            value = value.strip()
            found = _SHARE_NUMBER.match(share.strip())
            if not equals or not value or found is None:
                raise _line_error(number, _("write each value as name = share, e.g. 16-29 = 18 %."))
            if value in values:
                raise _line_error(number, _("the value %(name)s appears twice.") % {"name": value})
            values[value] = float(found.group(1).replace(",", "."))
        if len(values) < 2:
            raise _line_error(number, _("a feature needs at least two values."))
        if sum(values.values()) <= 0:
            raise _line_error(number, _("the shares add up to nothing."))
        shares[feature] = values
    if not shares:
        raise ValidationError(_("Give at least one feature with its values and shares."))
    return shares


def _decimal(share: float) -> str:
    return f"{share:.9f}".rstrip("0").rstrip(".")


def shares_text(shares: dict[str, dict[str, float]]) -> str:
    """Write population shares the way ``parse_shares`` reads them."""
    return "\n".join(
        f"{feature}: "
        + "; ".join(f"{value} = {_decimal(share)}" for value, share in values.items())
        for feature, values in shares.items()
    )


def assembly_create(
    *, municipality: Municipality, slug: str, title: str, panel_size: int, shares: dict, description: str = "",
    title_en: str = "", published: bool = True,
) -> Assembly:  # fmt: skip
    """Create an assembly; ``shares`` gives the population share of each value of each feature."""
    assembly = Assembly(
        municipality=municipality, slug=slug, title=title, title_en=title_en, description=description,
        panel_size=panel_size, shares=shares, published=published,
    )  # fmt: skip
    short_name_check(
        Assembly, municipality, slug, taken=_("There is an assembly with this short name already.")
    )
    _assembly_clean(assembly)
    assembly.save()
    return assembly


def _assembly_clean(assembly: Assembly) -> None:
    shares = assembly.shares
    if (
        not isinstance(shares, dict)
        or not shares
        or any(
            not values or any(v < 0 for v in values.values()) or sum(values.values()) <= 0
            for values in shares.values()
        )
    ):
        raise ValidationError(
            {"shares": _("Give each feature its values with their shares of the population.")}
        )
    assembly.full_clean()
    if assembly.panel_size < 2:
        raise ValidationError({"panel_size": _("A panel has at least two members.")})


def assembly_update(*, assembly: Assembly, user, **fields) -> Assembly:
    """Change an assembly (editors). The panel size and the shares may change until the seed
    is announced; once volunteers have registered, the features and their values stay (the
    volunteers chose among them), only the shares' numbers change."""
    rules.require_editor(user, assembly.municipality)
    for name in ("panel_size", "shares"):
        if name in fields and fields[name] != getattr(assembly, name) and assembly.seed:
            raise ValidationError(
                {name: _("The seed is announced: the quotas can no longer change.")}
            )
    shares = fields.get("shares")
    if (
        shares is not None
        and assembly.volunteers.exists()
        and (
            {f: set(v) for f, v in shares.items()}
            != {f: set(v) for f, v in assembly.shares.items()}
        )
    ):
        raise ValidationError({"shares": _(
            "Volunteers have registered: keep the features and their values; only the shares can change."
        )})  # fmt: skip
    for name, value in fields.items():
        setattr(assembly, name, value)
    _assembly_clean(assembly)
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
