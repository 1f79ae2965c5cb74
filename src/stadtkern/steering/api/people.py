"""People and change: the stakeholder register, who works with whom, and the
communication and participation plan. For the municipality's team only."""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, PatchDict, Router, Schema, Status

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, Slug, Title, text

from .. import selectors
from ..models import Communication, Project, Stakeholder, Tie
from ..services import people
from .common import Input, changes, internal, one, person, plain, project_and_owner

router = Router()

Scale = Annotated[int, Field(ge=1, le=5, strict=True)]


class StakeholderOut(Schema):
    id: int
    name: str
    kind: str
    group: str
    influence: int
    interest: int
    attitude: str
    contact_owner: int | None
    note: str
    projects: list[int]
    approach: str


class StakeholderIn(Input):
    name: Title
    kind: Literal["person", "organisation"] = "organisation"
    group: text(100, 1)
    influence: Scale
    interest: Scale
    attitude: Literal["supportive", "neutral", "critical"] = "neutral"
    contact_owner: Id | None = None
    note: text(2000) = ""
    projects: list[Id] | None = None


def _stakeholder(s: Stakeholder) -> dict:
    return {**plain(s, ("id", "name", "kind", "group", "influence", "interest", "attitude", "contact_owner",
                        "note")), "projects": [p.pk for p in s.projects.all()],
            "approach": selectors.quadrant(s.influence, s.interest)}  # fmt: skip


@router.get("/municipalities/{slug}/stakeholders", response=list[StakeholderOut], auth=READ)
def stakeholder_list(request, slug: Slug, project: Id | None = None):
    """The register (of one project if asked), with the approach its place in the
    influence/interest grid suggests."""
    municipality = internal(request, slug)
    scope = (
        one(Project.objects.filter(municipality=municipality), project, "project")
        if project
        else None
    )
    return [_stakeholder(s) for s in selectors.stakeholders(municipality, scope)]


def _fields(municipality, fields: dict) -> dict:
    if "contact_owner" in fields:
        fields["contact_owner"] = person(municipality, fields["contact_owner"], "contact_owner")
    return fields


@router.post("/municipalities/{slug}/stakeholders", response={201: StakeholderOut}, auth=WRITE)
def stakeholder_create(request, slug: Slug, payload: StakeholderIn):
    municipality = internal(request, slug, edit=True)
    created = people.stakeholder_save(municipality=municipality, user=request.auth,
                                      **_fields(municipality, payload.dict()))  # fmt: skip
    return Status(201, _stakeholder(created))


def _stakeholder_of(request, slug, stakeholder):
    municipality = internal(request, slug, edit=True)
    return municipality, one(
        Stakeholder.objects.filter(municipality=municipality), stakeholder, "stakeholder"
    )


@router.patch(
    "/municipalities/{slug}/stakeholders/{stakeholder}", response=StakeholderOut, auth=WRITE
)
def stakeholder_update(request, slug: Slug, stakeholder: Id, payload: PatchDict[StakeholderIn]):
    """Change an entry; ``projects`` replaces the list of projects it concerns."""
    municipality, target = _stakeholder_of(request, slug, stakeholder)
    fields = _fields(municipality, changes(payload, nullable=("contact_owner",)))
    return _stakeholder(people.stakeholder_save(municipality=municipality, user=request.auth, stakeholder=target,
                                                **fields))  # fmt: skip


@router.delete(
    "/municipalities/{slug}/stakeholders/{stakeholder}", response={204: None}, auth=WRITE
)
def stakeholder_delete(request, slug: Slug, stakeholder: Id):
    _municipality, target = _stakeholder_of(request, slug, stakeholder)
    people.stakeholder_delete(stakeholder=target, user=request.auth)
    return Status(204, None)


# --- the actor network ---


class TieOut(Schema):
    id: int
    a: int
    b: int
    note: str


class TieIn(Input):
    a: Id
    b: Id
    note: text(300) = ""


@router.get("/municipalities/{slug}/ties", response=list[TieOut], auth=READ)
def tie_list(request, slug: Slug):
    """Who works with whom: each tie once, the lower id first."""
    municipality = internal(request, slug)
    return [
        plain(t, ("id", "a", "b", "note")) for t in Tie.objects.filter(a__municipality=municipality)
    ]


@router.post("/municipalities/{slug}/ties", response={201: TieOut}, auth=WRITE)
def tie_add(request, slug: Slug, payload: TieIn):
    municipality = internal(request, slug, edit=True)
    mine = Stakeholder.objects.filter(municipality=municipality)
    tie = people.tie_add(a=one(mine, payload.a, "stakeholder"), b=one(mine, payload.b, "stakeholder"),
                         user=request.auth, note=payload.note)  # fmt: skip
    return Status(201, plain(tie, ("id", "a", "b", "note")))


@router.delete("/municipalities/{slug}/ties/{tie}", response={204: None}, auth=WRITE)
def tie_remove(request, slug: Slug, tie: Id):
    municipality = internal(request, slug, edit=True)
    people.tie_remove(
        tie=one(Tie.objects.filter(a__municipality=municipality), tie, "tie"), user=request.auth
    )
    return Status(204, None)


# --- the communication and participation plan ---


class CommunicationOut(Schema):
    id: int
    project: int | None
    group: str
    format: str
    channel: str
    frequency: str
    owner: int | None
    next_on: date | None


class CommunicationIn(Input):
    group: text(100, 1)
    channel: Title
    format: Literal["communication", "training", "dialogue"] = "communication"
    frequency: text(100) = ""
    project: Id | None = None
    owner: Id | None = None
    next_on: date | None = None


COMMUNICATION_OUT = ("id", "project", "group", "format", "channel", "frequency", "owner", "next_on")


@router.get("/municipalities/{slug}/communication", response=list[CommunicationOut], auth=READ)
def communication_list(request, slug: Slug):
    """The plan by next date: per stakeholder group a channel, a frequency, an owner."""
    return [plain(c, COMMUNICATION_OUT) for c in selectors.communications(internal(request, slug))]


@router.post("/municipalities/{slug}/communication", response={201: CommunicationOut}, auth=WRITE)
def communication_add(request, slug: Slug, payload: CommunicationIn):
    municipality = internal(request, slug, edit=True)
    entry = people.communication_save(municipality=municipality, user=request.auth,
                                      **project_and_owner(municipality, payload.dict()))  # fmt: skip
    return Status(201, plain(entry, COMMUNICATION_OUT))


def _entry(request, slug, entry):
    municipality = internal(request, slug, edit=True)
    return municipality, one(
        Communication.objects.filter(municipality=municipality), entry, "plan entry"
    )


@router.patch("/municipalities/{slug}/communication/{entry}", response=CommunicationOut, auth=WRITE)
def communication_update(request, slug: Slug, entry: Id, payload: PatchDict[CommunicationIn]):
    municipality, target = _entry(request, slug, entry)
    fields = project_and_owner(
        municipality, changes(payload, nullable=("project", "owner", "next_on"))
    )
    updated = people.communication_save(
        municipality=municipality, user=request.auth, entry=target, **fields
    )
    return plain(updated, COMMUNICATION_OUT)


@router.delete("/municipalities/{slug}/communication/{entry}", response={204: None}, auth=WRITE)
def communication_delete(request, slug: Slug, entry: Id):
    _municipality, target = _entry(request, slug, entry)
    people.communication_delete(entry=target, user=request.auth)
    return Status(204, None)
