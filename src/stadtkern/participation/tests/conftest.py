"""Participation personas and a Bürgerhaushalt in each of its phases."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PASSWORD
from stadtkern.core.models import Role
from stadtkern.core.services import membership_set, user_create
from stadtkern.participation import services
from stadtkern.participation.models import BallotKind, PhaseKind

PHASES = [
    PhaseKind.PROPOSALS,
    PhaseKind.REVIEW,
    PhaseKind.VOTING,
    PhaseKind.RESULTS,
    PhaseKind.IMPLEMENTATION,
]


@pytest.fixture
def people(alpha, beta):
    return make_people(alpha, beta)


def make_people(alpha, beta):
    """Return persona name -> user: the six of the participation grid (None: anonymous)."""
    users = {"anonymous": None}
    users["citizen"] = user_create(username="citizen", password=PASSWORD)
    users["verified"] = user_create(username="verified", password=PASSWORD)
    services.verification_create(user=users["verified"], municipality=alpha, method="in_person")
    for name, municipality, role in [
        ("moderator", alpha, Role.MODERATOR),
        ("editor", alpha, Role.EDITOR),
        ("other_editor", beta, Role.EDITOR),
    ]:
        users[name] = user_create(username=name, password=PASSWORD)
        membership_set(user=users[name], municipality=municipality, role=role)
    return users


def make_process(
    municipality, *, running: str = PhaseKind.VOTING, published: bool = True, slug="bhh-2026"
):
    """Create a Bürgerhaushalt whose phase ``running`` runs now (the others before and after)."""
    process = services.process_create(
        municipality=municipality, slug=slug, title="Bürgerhaushalt 2026", title_en="Participatory budget 2026",
        published=published,
    )  # fmt: skip
    now = timezone.now()
    index = PHASES.index(running)
    for k, kind in enumerate(PHASES):
        start = now + timedelta(days=10 * (k - index)) - timedelta(days=5)
        end = start + timedelta(days=10) if kind != PhaseKind.IMPLEMENTATION else None
        services.phase_create(process=process, kind=kind, starts_at=start, ends_at=end)
    return process


def make_budget(process, *, kind=BallotKind.APPROVAL, rule="equalshares/add1", **limits):
    budget = services.budget_create(
        process=process,
        name="Gesamtstadt",
        amount=Decimal(100_000),
        ballot_kind=kind,
        rule=rule,
        **limits,
    )
    for ref, title, cost in [
        ("1", "Trinkbrunnen am Markt", 20_000),
        ("2", "Sitzbänke im Stadtpark", 15_000),
        ("3", "Fahrradbügel am Bahnhof", 30_000),
        ("4", "Jugendtreff Nord", 60_000),
        ("5", "Blühwiese Südring", 10_000),
    ]:
        services.project_create(budget=budget, ref=ref, title=title, cost=Decimal(cost))
    return budget


@pytest.fixture
def voting(alpha):
    """A published process in its voting phase with an approval budget (1 to 3 projects)."""
    return make_budget(make_process(alpha), max_projects=3)


def make_open_survey(municipality, *, slug="umfrage", kind="likert", text="Wie zufrieden?"):
    """Create a published anonymous survey, open since yesterday until tomorrow, with one
    question; return (survey, question)."""
    from stadtkern.participation import surveys

    now = timezone.now()
    survey = surveys.survey_create(
        municipality=municipality, slug=slug, title=slug.capitalize(),
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
        anonymous=True, published=True, questions=[{"kind": kind, "text": text}],
    )  # fmt: skip
    return survey, survey.questions.get()
