"""Participation under /api/v1/participation/: processes, budgets, ballots, results.

Ballots are cast with a verified account (``/ballot``, a token or a browser session
with CSRF token) or with a paper voting code (``/ballot-by-code``, no login: the code
is the credential). Results and the anonymous ballots (as a Pabulib file) are public
once voting is over, and never before.
"""

from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from ninja import Field, File, Form, PatchDict, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import AwareDatetime

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.pagination import Page, Rows
from stadtkern.core.rules import can_view_drafts
from stadtkern.core.selectors import municipality_get
from stadtkern.core.throttle import client_address
from stadtkern.core.types import Id, Slug, text

from . import pabulib, rules, services
from .counting_rules import RULES
from .models import Budget, Comment, Phase, Process, Project, Proposal
from .selectors import (
    budget_election,
    budget_get,
    current_phase,
    process_get,
    proposal_data,
    proposals_of,
    voting_over,
)

router = Router(tags=["participation"])

RefList = list[text(40, 1)]


def _phase(p) -> dict:
    return {
        "kind": p.kind,
        "starts_at": p.starts_at.isoformat(),
        "ends_at": p.ends_at.isoformat() if p.ends_at else None,
    }


def _process_out(process: Process) -> dict:
    phase = current_phase(process)
    return {
        "id": process.pk,
        "municipality": process.municipality.slug,
        "slug": process.slug,
        "kind": process.kind,
        "title": process.title,
        "title_en": process.title_en,
        "description": process.description,
        "published": process.published,
        "current_phase": phase.kind if phase else None,
        "voting_over": voting_over(process),
        "phases": [_phase(p) for p in process.phases.all()],
        "budgets": [
            {
                "id": b.pk,
                "name": b.name,
                "amount": b.amount,
                "currency": b.currency,
                "ballot_kind": b.ballot_kind,
                "district": b.district or None,
            }
            for b in process.budgets.all()
        ],
    }


def _process(request, municipality: str, slug: str) -> Process:
    return process_get(request.auth, municipality, slug)


def _budget(request, budget_id: int) -> Budget:
    return budget_get(request.auth, budget_id)


@router.get("/participation/processes", auth=READ)
def process_list(request, municipality: Slug):
    """The municipality's participation processes (published ones, and all for its editors)."""
    m = municipality_get(municipality)
    processes = (
        Process.objects.filter(municipality=m)
        .select_related("municipality")
        .prefetch_related("phases", "budgets")
    )
    return [_process_out(p) for p in processes if rules.can_view_process(request.auth, p)]


@router.get("/participation/processes/{municipality}/{slug}", auth=READ)
def process_detail(request, municipality: Slug, slug: Slug):
    """A process with its phases (and which one runs now) and its budgets."""
    return _process_out(_process(request, municipality, slug))


@router.get("/participation/budgets/{budget_id}", auth=READ)
def budget_detail(request, budget_id: Id):
    """A budget's ballot rules and projects."""
    budget = _budget(request, budget_id)
    return {
        "id": budget.pk,
        "process": budget.process.slug,
        "name": budget.name,
        "amount": budget.amount,
        "currency": budget.currency,
        "ballot_kind": budget.ballot_kind,
        "min_projects": budget.min_projects,
        "max_projects": budget.max_projects,
        "max_points": budget.max_points,
        "rule": budget.rule,
        "tie_break": budget.tie_break,
        "tie_seed": budget.tie_seed,
        "projects": [
            {"ref": p.ref, "title": p.title, "description": p.description, "cost": p.cost, "category": p.category,
             "latitude": p.latitude, "longitude": p.longitude}
            for p in budget.projects.all()
        ],
    }  # fmt: skip


class BallotIn(Schema):
    projects: RefList = Field(max_length=500)
    points: list[int] | None = Field(default=None, max_length=500)


class CodeBallotIn(BallotIn):
    code: text(40, 1)


class BallotOut(Schema):
    stored: bool
    replaced: bool


@router.post("/participation/budgets/{budget_id}/ballot", response=BallotOut, auth=WRITE)
def ballot_cast(request, budget_id: Id, payload: BallotIn):
    """Cast or change the ballot of a verified resident (until the vote closes)."""
    budget = _budget(request, budget_id)
    replaced = services.ballot_cast(
        budget=budget, projects=payload.projects, points=payload.points, user=request.auth
    )
    return {"stored": True, "replaced": replaced}


@router.post("/participation/budgets/{budget_id}/ballot-by-code", response=BallotOut, auth=None)
def ballot_cast_by_code(request, budget_id: Id, payload: CodeBallotIn):
    """Cast or change a ballot with a paper voting code (no account needed)."""
    budget = budget_get(None, budget_id)  # the code is the credential: published processes only
    replaced = services.ballot_cast(
        budget=budget, projects=payload.projects, points=payload.points, code=payload.code,
        client=client_address(request),
    )  # fmt: skip
    return {"stored": True, "replaced": replaced}


def _finished(request, budget_id: int) -> Budget:
    budget = _budget(request, budget_id)
    if not rules.can_see_results(request.auth, budget.process, voting_over(budget.process)):
        raise HttpError(409, "Results are published when the vote has closed.")
    if services.budget_results(budget=budget) is None:  # reopened a moment ago
        raise HttpError(409, "Results are published when the vote has closed.")
    return budget


@router.get("/participation/budgets/{budget_id}/results", auth=READ)
def budget_results(request, budget_id: Id):
    """The counted outcome: winners, and for each project why it won or lost."""
    budget = _finished(request, budget_id)
    return {"budget": budget.pk, "counted_at": budget.counted_at.isoformat(), **budget.outcome}


@router.get("/participation/budgets/{budget_id}/export.pb", auth=READ)
def budget_export(request, budget_id: Id):
    """The budget with its anonymous ballots and results as a Pabulib .pb file."""
    budget = _finished(request, budget_id)
    text_ = pabulib.dumps(budget_election(budget, with_results=True))
    response = HttpResponse(text_, content_type="text/plain; charset=utf-8")
    name = f"{budget.process.municipality.slug}_{budget.process.slug}_{budget.pk}.pb"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class CodesIn(Schema):
    count: int = Field(ge=1, le=100_000)
    district: text(100) = ""


@router.post("/participation/processes/{municipality}/{slug}/voting-codes", auth=WRITE)
def voting_codes_create(request, municipality: Slug, slug: Slug, payload: CodesIn):
    """Create one-time voting codes (editors); they are shown once and stored as digests."""
    process = _process(request, municipality, slug)
    if not rules.can_manage_process(request.auth, process):
        raise PermissionDenied("Only the municipality's editors create voting codes.")
    codes = services.voting_codes_create(
        process=process, count=payload.count, district=payload.district
    )
    return {"codes": codes, "district": payload.district or None}


# --- Proposals ------------------------------------------------------------------------


class ProposalIn(Schema):
    title: text(200, 3)
    description: text(5000, 1)
    field_of_action: Id | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class CommentIn(Schema):
    text: text(3000, 1)


class ReasonIn(Schema):
    reason: text(500, 1)


class ReviewIn(Schema):
    status: Literal["feasible", "infeasible", "accepted"]
    note: text(5000, 1)
    cost_estimate: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


def _shown(request, proposal: Proposal, comments: bool = False) -> dict:
    """The proposal as this reader may see it (a draft measure only to members)."""
    drafts = can_view_drafts(request.auth, proposal.process.municipality)
    return proposal_data(proposal, comments=comments, drafts=drafts)


def _proposal(request, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.defer("image")
        .select_related("process__municipality", "field_of_action", "author", "measure")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None or not rules.can_view_process(request.auth, proposal.process):
        raise Http404(f"No proposal {proposal_id}.")
    return proposal


@router.get(
    "/participation/processes/{municipality}/{slug}/proposals", response=list[dict], auth=READ
)
@paginate(Page)
def proposal_list(request, municipality: Slug, slug: Slug):
    """The process's proposals, newest first and paginated; hidden ones show the
    moderators' reason instead of their text."""
    process = _process(request, municipality, slug)
    drafts = can_view_drafts(request.auth, process.municipality)
    return Rows(proposals_of(process), lambda part: [proposal_data(p, drafts=drafts) for p in part])


@router.post(
    "/participation/processes/{municipality}/{slug}/proposals", response={201: dict}, auth=WRITE
)
def proposal_create(request, municipality: Slug, slug: Slug, payload: ProposalIn):
    """Submit a proposal (registered participants, while the proposals phase runs)."""
    process = _process(request, municipality, slug)
    proposal = services.proposal_create(
        process=process, user=request.auth, title=payload.title, description=payload.description,
        field_of_action_id=payload.field_of_action, latitude=payload.latitude, longitude=payload.longitude,
    )  # fmt: skip
    return Status(201, _shown(request, proposal))


@router.get("/participation/proposals/{proposal_id}", auth=READ)
def proposal_detail(request, proposal_id: Id):
    return _shown(request, _proposal(request, proposal_id), comments=True)


@router.post("/participation/proposals/{proposal_id}/support", auth=WRITE)
def proposal_support(request, proposal_id: Id):
    """Support a proposal; supporting twice changes nothing."""
    return {
        "supporters": services.proposal_support(
            proposal=_proposal(request, proposal_id), user=request.auth
        )
    }


@router.post("/participation/proposals/{proposal_id}/comments", response={201: dict}, auth=WRITE)
def comment_create(request, proposal_id: Id, payload: CommentIn):
    comment = services.comment_create(
        proposal=_proposal(request, proposal_id), user=request.auth, text=payload.text
    )
    return Status(201, {"id": comment.pk, "text": comment.text})


@router.post("/participation/proposals/{proposal_id}/hide", auth=WRITE)
def proposal_hide(request, proposal_id: Id, payload: ReasonIn):
    """Hide a proposal with a reason that is published in its place (moderators)."""
    proposal = services.proposal_hide(
        proposal=_proposal(request, proposal_id), user=request.auth, reason=payload.reason
    )
    return _shown(request, proposal)


@router.post("/participation/comments/{comment_id}/hide", auth=WRITE)
def comment_hide(request, comment_id: Id, payload: ReasonIn):
    comment = (
        Comment.objects.select_related("proposal__process__municipality")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not rules.can_view_process(request.auth, comment.proposal.process):
        raise Http404(f"No comment {comment_id}.")
    services.comment_hide(comment=comment, user=request.auth, reason=payload.reason)
    return {"id": comment.pk, "hidden_reason": comment.hidden_reason}


@router.post("/participation/proposals/{proposal_id}/review", auth=WRITE)
def proposal_review(request, proposal_id: Id, payload: ReviewIn):
    """Record the administration's review (editors): feasible or not, accepted; reasons, cost."""
    proposal = services.proposal_review(
        proposal=_proposal(request, proposal_id), user=request.auth, status=payload.status,
        note=payload.note, cost_estimate=payload.cost_estimate,
    )  # fmt: skip
    return _shown(request, proposal)


@router.post("/participation/proposals/{proposal_id}/measure", response={201: dict}, auth=WRITE)
def proposal_to_measure(request, proposal_id: Id):
    """Make an accepted proposal a (draft) measure of the strategy, linked both ways (editors)."""
    measure = services.proposal_to_measure(
        proposal=_proposal(request, proposal_id), user=request.auth
    )
    return Status(201, {"measure": measure.pk, "title": measure.title})


# --- Set-up by the municipality's editors -------------------------------------------------


class ProcessIn(Schema):
    slug: Slug
    title: text(300, 3)
    title_en: text(300) = ""
    description: text(10000) = ""
    published: bool = False


class PhaseIn(Schema):
    kind: Literal["proposals", "review", "voting", "results", "implementation"]
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None


class BudgetIn(Schema):
    name: text(200, 1)
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    ballot_kind: Literal["approval", "knapsack", "cumulative", "ordinal"]
    rule: Literal[RULES]  # type: ignore[valid-type]
    min_projects: int = Field(default=1, ge=0, le=1000)
    max_projects: int | None = Field(default=None, ge=1, le=1000)
    max_points: int | None = Field(default=None, ge=1, le=100_000)
    min_score: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    district: text(100) = ""
    tie_break: Literal["supporters", "cheaper", "listed", "lot"] = "supporters"
    tie_seed: text(100) = ""


class ProjectIn(Schema):
    ref: text(40, 1)
    title: text(500, 1)
    cost: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    description: text(10000) = ""
    category: text(300) = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


@router.post("/participation/processes/{municipality}", response={201: dict}, auth=WRITE)
def process_create(request, municipality: Slug, payload: ProcessIn):
    """Create a participation process (editors); phases and budgets follow."""
    m = municipality_get(municipality)
    rules.require_editor(request.auth, m)
    if Process.objects.filter(municipality=m, slug=payload.slug).exists():
        raise HttpError(409, f"{municipality} already has a process {payload.slug!r}.")
    return Status(201, _process_out(services.process_create(municipality=m, **payload.dict())))


@router.post(
    "/participation/processes/{municipality}/{slug}/phases", response={201: dict}, auth=WRITE
)
def phase_create(request, municipality: Slug, slug: Slug, payload: PhaseIn):
    process = _process(request, municipality, slug)
    rules.require_editor(request.auth, process.municipality)
    services.phase_create(process=process, **payload.dict())
    return Status(201, _process_out(_process(request, municipality, slug)))  # with the new phase


@router.post(
    "/participation/processes/{municipality}/{slug}/budgets", response={201: dict}, auth=WRITE
)
def budget_create(request, municipality: Slug, slug: Slug, payload: BudgetIn):
    process = _process(request, municipality, slug)
    rules.require_editor(request.auth, process.municipality)
    budget = services.budget_create(process=process, **payload.dict())
    return Status(201, {"id": budget.pk, "name": budget.name})


@router.post("/participation/budgets/{budget_id}/projects", response={201: dict}, auth=WRITE)
def project_create(request, budget_id: Id, payload: ProjectIn):
    """Add a project to a budget (editors; not once voting has begun)."""
    budget = _budget(request, budget_id)
    rules.require_editor(request.auth, budget.process.municipality)
    if budget.ballots.exists():
        raise HttpError(
            409, "Ballots have been cast: the projects of this budget can no longer change."
        )
    if budget.projects.filter(ref=payload.ref).exists():
        raise HttpError(409, f"The budget has a project {payload.ref} already.")
    project = services.project_create(budget=budget, **payload.dict())
    return Status(201, {"ref": project.ref, "title": project.title})


def _phase_get(request, phase_id: int) -> Phase:
    phase = Phase.objects.select_related("process__municipality").filter(pk=phase_id).first()
    if phase is None or not rules.can_view_process(request.auth, phase.process):
        raise Http404(f"No phase {phase_id}.")
    return phase


def _project(request, budget_id: int, ref: str) -> Project:
    project = _budget(request, budget_id).projects.select_related("budget__process__municipality")
    found = project.filter(ref=ref).first()
    if found is None:
        raise Http404(f"Budget {budget_id} has no project {ref!r}.")
    return found


@router.patch("/participation/phases/{phase_id}", auth=WRITE)
def phase_update(request, phase_id: Id, payload: PatchDict[PhaseIn]):
    """Move or change a phase (editors), e.g. extend the vote; returns the process."""
    phase = _phase_get(request, phase_id)
    fields = {"kind": phase.kind, "starts_at": phase.starts_at, "ends_at": phase.ends_at, **payload}
    services.phase_update(phase=phase, user=request.auth, **fields)
    return _process_out(phase.process)


@router.delete("/participation/phases/{phase_id}", response={204: None}, auth=WRITE)
def phase_delete(request, phase_id: Id):
    services.phase_delete(phase=_phase_get(request, phase_id), user=request.auth)
    return Status(204, None)


@router.patch("/participation/budgets/{budget_id}", auth=WRITE)
def budget_update(request, budget_id: Id, payload: PatchDict[BudgetIn]):
    """Change a budget (editors); once ballots are cast, only its name."""
    services.budget_update(budget=_budget(request, budget_id), user=request.auth, **payload)
    return budget_detail(request, budget_id)


@router.delete("/participation/budgets/{budget_id}", response={204: None}, auth=WRITE)
def budget_delete(request, budget_id: Id):
    """Remove a budget with its projects (editors); never one that holds ballots."""
    services.budget_delete(budget=_budget(request, budget_id), user=request.auth)
    return Status(204, None)


@router.patch("/participation/budgets/{budget_id}/projects/{ref}", auth=WRITE)
def project_update(request, budget_id: Id, ref: text(40, 1), payload: PatchDict[ProjectIn]):
    """Change a project (editors); once ballots are cast, only its words and place."""
    project = services.project_update(
        project=_project(request, budget_id, ref), user=request.auth, **payload
    )
    return {"ref": project.ref, "title": project.title, "cost": project.cost}


@router.delete(
    "/participation/budgets/{budget_id}/projects/{ref}", response={204: None}, auth=WRITE
)
def project_delete(request, budget_id: Id, ref: text(40, 1)):
    services.project_delete(project=_project(request, budget_id, ref), user=request.auth)
    return Status(204, None)


@router.post("/participation/proposals/{proposal_id}/image", auth=WRITE)
def proposal_image(request, proposal_id: Id, image: File[UploadedFile], alt: Form[text(300, 1)]):
    """Add a picture to one's own proposal (multipart: ``image``, ``alt``); stored re-encoded, without EXIF."""
    proposal = _proposal(request, proposal_id)
    services.proposal_image_set(proposal=proposal, user=request.auth, data=image.read(), alt=alt)
    return {"image": True, "image_alt": proposal.image_alt}
