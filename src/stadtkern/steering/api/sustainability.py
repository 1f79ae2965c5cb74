"""The sustainability check of a measure: the criteria, a measure's scores with their
reasons, and the averages per field of action. Visible wherever the measure is."""

from typing import Annotated

from ninja import Field, Router, Schema

from stadtkern.core.auth import READ, WRITE
from stadtkern.core.selectors import municipality_get
from stadtkern.core.types import Id, Slug, text
from stadtkern.strategy import selectors as strategy

from .. import selectors
from ..models import SustainabilityScore
from ..services import sustainability
from ..sustainability import CRITERIA, DIMENSIONS, TOP
from .common import Input, internal

router = Router()


class ScoreOut(Schema):
    criterion: str
    dimension: str
    label: str
    question: str
    score: int | None
    reason: str


class CheckOut(Schema):
    measure: int
    scores: list[ScoreOut]
    averages: dict[str, float | None]


class ScoreIn(Input):
    score: Annotated[int, Field(ge=1, le=TOP, strict=True)] | None
    reason: text(2000) = ""


class CheckIn(Input):
    scores: dict[str, ScoreIn]


def _check(measure) -> dict:
    given = {s.criterion: s for s in SustainabilityScore.objects.filter(measure=measure)}
    scores = [{"criterion": c.key, "dimension": c.dimension, "label": str(c.label), "question": str(c.question),
               "score": given[c.key].score if c.key in given else None,
               "reason": given[c.key].reason if c.key in given else ""} for c in CRITERIA]  # fmt: skip
    averages = {}
    for d in DIMENSIONS:
        values = [s["score"] for s in scores if s["dimension"] == d and s["score"] is not None]
        averages[d] = round(sum(values) / len(values), 1) if values else None
    return {"measure": measure.pk, "scores": scores, "averages": averages}


@router.get(
    "/municipalities/{slug}/measures/{measure}/sustainability", response=CheckOut, auth=READ
)
def check_detail(request, slug: Slug, measure: Id):
    """Each criterion with its question, score (1–5) and reason, and the average of each
    dimension (ecological, economic, social, resilience)."""
    municipality = municipality_get(slug)
    return _check(strategy.measure_get(municipality=municipality, user=request.auth, pk=measure))


@router.put(
    "/municipalities/{slug}/measures/{measure}/sustainability", response=CheckOut, auth=WRITE
)
def check_save(request, slug: Slug, measure: Id, payload: CheckIn):
    """``scores`` by criterion key, each with its reason (a null score clears it); criteria not
    named stay as they are. Nothing is written unless all are right."""
    municipality = internal(request, slug, edit=True)
    target = strategy.measure_get(municipality=municipality, user=request.auth, pk=measure)
    sustainability.check_save(measure=target, user=request.auth,
                              scores={k: (v.score, v.reason) for k, v in payload.scores.items()})  # fmt: skip
    return _check(target)


class FieldOut(Schema):
    field: int
    title: str
    measures: int
    averages: dict[str, float | None]


@router.get("/municipalities/{slug}/sustainability", response=list[FieldOut], auth=READ)
def by_field(request, slug: Slug):
    """The averages per dimension over the checked measures of each field of action."""
    summary = selectors.sustainability_by_field(request.auth, municipality_get(slug))
    return [{"field": r["field"].pk, "title": r["field"].title, "measures": r["measures"],
             "averages": dict(zip(DIMENSIONS, r["averages"], strict=True))} for r in summary["rows"]]  # fmt: skip
