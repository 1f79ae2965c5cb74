"""Participation's calls to act on the start page (core/frontdoor.py): votes and proposal
phases running now, and open surveys, each with its deadline."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stadtkern.core import frontdoor

from .models import Phase, PhaseKind, Survey, SurveyKind

ACTIONS = {PhaseKind.VOTING: _("Vote"), PhaseKind.PROPOSALS: _("Propose")}


def _title(obj) -> str:
    return obj.title_en if get_language() == "en" and obj.title_en else obj.title


def calls(request):
    now = timezone.now()
    running = (
        Phase.objects.filter(kind__in=list(ACTIONS), starts_at__lte=now, process__published=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("process__municipality")
    )  # fmt: skip
    found = [
        frontdoor.Call(
            p.process.municipality_id,
            ACTIONS[p.kind],
            _title(p.process),
            reverse(
                "participation:process",
                kwargs={"slug": p.process.municipality.slug, "process_slug": p.process.slug},
            ),
            p.ends_at,
        )  # fmt: skip
        for p in running
    ]
    surveys = Survey.objects.filter(
        published=True,
        kind=SurveyKind.SURVEY,
        team_only=False,
        opens_at__lte=now,
        closes_at__gt=now,
    ).select_related("municipality")
    found += [
        frontdoor.Call(
            s.municipality_id,
            _("Survey"),
            _title(s),
            reverse(
                "participation:survey", kwargs={"slug": s.municipality.slug, "survey_slug": s.slug}
            ),
            s.closes_at,
        )  # fmt: skip
        for s in surveys
    ]
    return found


def register() -> None:
    frontdoor.register_calls(calls)
