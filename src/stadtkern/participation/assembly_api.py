"""Citizens' assemblies under /api/v1/participation/: set-up, volunteers, the draw, the panel.

Volunteers register without an account. Editors create the assembly with the population's
shares, announce the seed (which closes registration), draw, and read the panel's contacts.
Everyone else sees quotas, counts and the published distribution, never a name.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Router, Schema, Status
from ninja.errors import HttpError

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Slug, text

from . import assemblies, rules
from .models import Assembly
from .selectors import assembly_get

router = Router(tags=["participation"])

Shares = dict[text(100, 1), dict[text(100, 1), float]]


class AssemblyChange(Schema):
    title: text(300, 3)
    title_en: text(300) = ""
    description: text(10000) = ""
    panel_size: int = Field(ge=2, le=1000)
    shares: Shares = Field(min_length=1, max_length=20)
    published: bool = True


class AssemblyIn(AssemblyChange):
    slug: Slug


class SeedIn(Schema):
    seed: text(200, 1)


class VolunteerIn(Schema):
    name: text(200, 1)
    contact: text(300, 3)
    features: dict[text(100, 1), text(100)] = Field(max_length=50)


@router.get("/participation/assemblies/{municipality}/{slug}", auth=READ)
def assembly_detail(request, municipality: Slug, slug: Slug):
    """Quotas, volunteers per feature, the seed, and after the draw the LEXIMIN distribution
    (volunteer numbers per type, panels as counts per type, probabilities) to repeat it."""
    return _assembly_out(assembly_get(request.auth, municipality, slug))


def _assembly_out(found: Assembly) -> dict:
    return {
        "slug": found.slug, "title": found.title, "panel_size": found.panel_size, "shares": found.shares,
        "registration_open": found.registration_open, "seed": found.seed or None,
        "drawn_at": found.drawn_at.isoformat() if found.drawn_at else None,
        "composition": assemblies.composition(found), "distribution": found.distribution,
    }  # fmt: skip


@router.post(
    "/participation/assemblies/{municipality}/{slug}/volunteers", response={201: dict}, auth=None
)
def volunteer_register(request, municipality: Slug, slug: Slug, payload: VolunteerIn):
    """Volunteer for the assembly (no account needed)."""
    volunteer = assemblies.volunteer_register(
        assembly=assembly_get(None, municipality, slug),
        name=payload.name,
        contact=payload.contact,
        features=payload.features,
    )
    return Status(201, {"registered": True, "number": volunteer.pk})


@router.post("/participation/assemblies/{municipality}", response={201: dict}, auth=WRITE)
def assembly_create(request, municipality: Slug, payload: AssemblyIn):
    """Create a citizens' assembly (editors). ``shares`` gives each feature's values with their
    share of the population, e.g. ``{"Alter": {"16-29": 0.2, "30-64": 0.55, "65+": 0.25}}``."""
    m = municipality_get(municipality)
    rules.require_editor(request.auth, m)
    if Assembly.objects.filter(municipality=m, slug=payload.slug).exists():
        raise HttpError(409, f"{municipality} already has an assembly {payload.slug!r}.")
    return Status(201, _assembly_out(assemblies.assembly_create(municipality=m, **payload.dict())))


@router.patch("/participation/assemblies/{municipality}/{slug}", auth=WRITE)
def assembly_update(request, municipality: Slug, slug: Slug, payload: PatchDict[AssemblyChange]):
    """Change an assembly (editors): quotas until the seed is announced, and once volunteers
    have registered only the shares' numbers, not the features or values."""
    found = assembly_get(request.auth, municipality, slug)
    return _assembly_out(assemblies.assembly_update(assembly=found, user=request.auth, **payload))


@router.post("/participation/assemblies/{municipality}/{slug}/seed", auth=WRITE)
def assembly_seed(request, municipality: Slug, slug: Slug, payload: SeedIn):
    """Announce the seed of the draw (editors); this closes registration."""
    found = assembly_get(request.auth, municipality, slug)
    assemblies.assembly_announce_seed(assembly=found, user=request.auth, seed=payload.seed)
    return _assembly_out(found)


@router.post("/participation/assemblies/{municipality}/{slug}/draw", auth=WRITE)
def assembly_draw(request, municipality: Slug, slug: Slug):
    """Draw the panel with the announced seed (editors); returns the published distribution."""
    found = assembly_get(request.auth, municipality, slug)
    assemblies.assembly_draw(assembly=found, user=request.auth)
    found.refresh_from_db()
    return _assembly_out(found)


@router.get("/participation/assemblies/{municipality}/{slug}/panel", auth=READ)
def assembly_panel(request, municipality: Slug, slug: Slug):
    """The drawn members with their contacts, for the invitations (editors only)."""
    found = assembly_get(request.auth, municipality, slug)
    if not rules.can_manage_assembly(request.auth, found.municipality):
        raise PermissionDenied(_("Only the municipality's editors see the volunteers' contacts."))
    return assemblies.panel_rows(found)
