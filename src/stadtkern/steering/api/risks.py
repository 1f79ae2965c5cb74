"""Opportunities and risks of a project: the register, new assessments (each kept), and
the history of one. Risks are closed, not deleted: their history is the lesson."""

from datetime import date
from typing import Annotated, Literal

from ninja import Field, PatchDict, Router, Schema, Status

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.types import Id, Slug, Title, text

from .. import selectors
from ..models import Risk, TeamMember
from ..services import risks
from .common import Input, changes, one, plain, project

router = Router()

Scale = Annotated[int, Field(ge=1, le=5, strict=True)]
Answer = Literal["avoid", "reduce", "transfer", "accept", "exploit", "enhance"]


class RiskOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    probability: int
    impact: int
    score: int
    response: str
    measures: str
    owner: int | None
    review_on: date | None
    closed: bool
    high: bool


class RiskIn(Input):
    kind: Literal["risk", "opportunity"] = "risk"
    title: Title
    description: text(3000) = ""
    probability: Scale
    impact: Scale
    response: Answer
    measures: text(3000) = ""
    owner: Id | None = None
    review_on: date | None = None
    closed: bool = False
    note: text(500) = ""


def _risk(found, r) -> dict:
    return {**plain(r, ("id", "kind", "title", "description", "probability", "impact", "response", "measures",
                        "owner", "review_on", "closed")), "score": r.score,
            "high": r.kind == "risk" and not r.closed and r.score >= found.risk_threshold}  # fmt: skip


def _owner(found, fields: dict) -> dict:
    if fields.get("owner") is not None:
        fields["owner"] = one(
            TeamMember.objects.filter(project=found), fields["owner"], "team member"
        )
    return fields


@router.get("/municipalities/{slug}/projects/{pk}/risks", response=list[RiskOut], auth=READ)
def risk_list(request, slug: Slug, pk: Id):
    """The register, highest score first; ``high`` marks open risks at or above the
    project's threshold (those appear in the status report and the cockpit)."""
    found = project(request, slug, pk)
    return [_risk(found, r) for r in selectors.risks(found)]


@router.post("/municipalities/{slug}/projects/{pk}/risks", response={201: RiskOut}, auth=WRITE)
def risk_create(request, slug: Slug, pk: Id, payload: RiskIn):
    found = project(request, slug, pk, edit=True)
    fields = _owner(found, payload.dict())
    return Status(201, _risk(found, risks.risk_save(project=found, user=request.auth, **fields)))


@router.patch("/municipalities/{slug}/projects/{pk}/risks/{risk}", response=RiskOut, auth=WRITE)
def risk_update(request, slug: Slug, pk: Id, risk: Id, payload: PatchDict[RiskIn]):
    """Reassess or close; a new probability or impact (or a ``note``) is a new assessment."""
    found = project(request, slug, pk, edit=True)
    target = one(Risk.objects.filter(project=found), risk, "risk")
    fields = _owner(found, changes(payload, nullable=("owner", "review_on")))
    return _risk(found, risks.risk_save(project=found, user=request.auth, risk=target, **fields))


class AssessmentOut(Schema):
    at: str
    probability: int
    impact: int
    note: str


@router.get("/municipalities/{slug}/projects/{pk}/risks/{risk}/history", response=list[AssessmentOut],
            auth=READ)  # fmt: skip
def risk_history(request, slug: Slug, pk: Id, risk: Id):
    """Every assessment of the risk, oldest first."""
    target = one(Risk.objects.filter(project=project(request, slug, pk)), risk, "risk")
    return [{"at": a.at.isoformat(), "probability": a.probability, "impact": a.impact, "note": a.note}
            for a in target.assessments.order_by("at", "pk")]  # fmt: skip
