"""JSON API of the core app: municipalities, memberships, audit trail, personal API tokens."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from . import rules, selectors, services
from .auth import READ, WRITE
from .models import ApiToken, Bundesland, MunicipalityKind, Role, User
from .types import Id, Slug, Title, text

router = Router(tags=["municipalities"])

Ags = text(8)
Username = text(150, 1)


class MunicipalityOut(Schema):
    id: int
    name: str
    slug: str
    ags: str | None
    kind: str
    state: str
    state_name: str = Field(alias="get_state_display")
    population: int | None
    population_year: int | None
    population_source: str


class MunicipalityIn(Schema):
    name: Title
    slug: Slug
    ags: Ags | None = None
    kind: Literal[tuple(MunicipalityKind.values)]  # type: ignore[valid-type]
    state: Literal[tuple(Bundesland.values)]  # type: ignore[valid-type]
    population: int | None = Field(None, ge=0, le=100_000_000)
    population_year: int | None = Field(None, ge=1900, le=2100)
    population_source: text(200) = ""
    with_defaults: bool = Field(
        True, description="Offer the default fields of action and user groups."
    )


class MunicipalityPatch(Schema):
    name: Title | None = None
    ags: Ags | None = None
    kind: Literal[tuple(MunicipalityKind.values)] | None = None  # type: ignore[valid-type]
    state: Literal[tuple(Bundesland.values)] | None = None  # type: ignore[valid-type]
    population: int | None = Field(None, ge=0, le=100_000_000)
    population_year: int | None = Field(None, ge=1900, le=2100)
    population_source: text(200) = ""


class MemberOut(Schema):
    username: str
    role: str


class MemberIn(Schema):
    role: Literal[tuple(Role.values)]  # type: ignore[valid-type]


class AuditOut(Schema):
    id: int
    object_type: str
    object_id: int
    object_label: str
    action: str
    user: str | None
    at: datetime
    before: dict | None
    after: dict | None

    @staticmethod
    def resolve_user(obj) -> str | None:
        return obj.user.username if obj.user else None


class AuditQuery(Schema):
    object_type: Literal["value", "goal", "fieldofaction", "usergroup", "measure", "visionversion"]
    object_id: Id


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: Title


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown once, store it now.")


class MyMembershipOut(Schema):
    municipality: str
    role: str


class MeOut(Schema):
    username: str | None
    is_staff: bool
    memberships: list[MyMembershipOut]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("You may not do this in this municipality.")


@router.get("/me", response=MeOut, auth=READ, tags=["account"])
def me(request):
    """Return who is asking and their role in each municipality."""
    user = request.auth
    if not user.is_authenticated:
        return {"username": None, "is_staff": False, "memberships": []}
    members = [
        {"municipality": m.municipality.slug, "role": m.role}
        for m in user.memberships.select_related("municipality")
    ]
    return {"username": user.username, "is_staff": user.is_staff, "memberships": members}


@router.get("/municipalities", response=list[MunicipalityOut], auth=READ)
def municipality_list(request):
    """List every municipality on this instance."""
    return selectors.municipality_list()


@router.post("/municipalities", response={201: MunicipalityOut}, auth=WRITE)
def municipality_create(request, payload: MunicipalityIn):
    """Create a municipality (site staff only)."""
    _require(rules.can_create_municipality(request.auth))
    return Status(201, services.municipality_create(**payload.dict(), by=request.auth))


@router.get("/municipalities/{slug}", response=MunicipalityOut, auth=READ)
def municipality_detail(request, slug: Slug):
    return selectors.municipality_get(slug)


@router.patch("/municipalities/{slug}", response=MunicipalityOut, auth=WRITE)
def municipality_update(request, slug: Slug, payload: MunicipalityPatch):
    """Change a municipality's master data (its administrators and site staff)."""
    municipality = selectors.municipality_get(slug)
    _require(rules.can_manage_municipality(request.auth, municipality))
    return services.municipality_update(
        municipality=municipality, by=request.auth, **payload.dict(exclude_unset=True)
    )


@router.get("/municipalities/{slug}/members", response=list[MemberOut], auth=WRITE)
def member_list(request, slug: Slug):
    """List the members and their roles (administrators only)."""
    municipality = selectors.municipality_get(slug)
    _require(rules.can_manage_municipality(request.auth, municipality))
    return [
        {"username": m.user.username, "role": m.role}
        for m in municipality.memberships.select_related("user").order_by("user__username")
    ]


@router.put("/municipalities/{slug}/members/{username}", response=MemberOut, auth=WRITE)
def member_set(request, slug: Slug, username: Username, payload: MemberIn):
    """Give a user a role in the municipality (administrators only)."""
    municipality = selectors.municipality_get(slug)
    _require(rules.can_manage_municipality(request.auth, municipality))
    user = get_object_or_404(User, username=username)
    membership = services.membership_set(
        user=user, municipality=municipality, role=payload.role, by=request.auth
    )
    return {"username": user.username, "role": membership.role}


@router.delete("/municipalities/{slug}/members/{username}", response={204: None}, auth=WRITE)
def member_remove(request, slug: Slug, username: Username):
    municipality = selectors.municipality_get(slug)
    _require(rules.can_manage_municipality(request.auth, municipality))
    user = get_object_or_404(User, username=username)
    services.membership_remove(user=user, municipality=municipality, by=request.auth)
    return Status(204, None)


@router.get("/municipalities/{slug}/audit", response=list[AuditOut], auth=WRITE)
def audit_list(request, slug: Slug, query: Query[AuditQuery]):
    """Return the change history of one strategy object (members only)."""
    municipality = selectors.municipality_get(slug)
    _require(rules.can_view_audit(request.auth, municipality))
    return selectors.audit_for(
        municipality=municipality, object_type=query.object_type, object_id=query.object_id
    )


@router.get("/tokens", response=list[TokenOut], auth=WRITE, tags=["account"])
def token_list(request):
    """List your personal API tokens."""
    return selectors.tokens_of(request.auth)


@router.post("/tokens", response={201: TokenCreated}, auth=WRITE, tags=["account"])
def token_create(request, payload: TokenIn):
    """Create a personal API token; its secret is in the answer and nowhere else."""
    token, secret = services.token_create(user=request.auth, name=payload.name)
    out = TokenOut.from_orm(token).dict()
    return Status(201, {**out, "token": secret})


@router.delete("/tokens/{token_id}", response={204: None}, auth=WRITE, tags=["account"])
def token_revoke(request, token_id: Id):
    """Revoke one of your tokens; it stops working at once."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    services.token_revoke(token=token)
    return Status(204, None)
