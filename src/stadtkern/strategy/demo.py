"""Load the demo municipalities through the same services an editor uses."""

import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction

from stadtkern.core.models import Municipality, Role, User
from stadtkern.core.services import membership_set, municipality_create

from . import services
from .demo_data import BEISPIELHAUSEN, GOALS, MEASURES, MUSTERSTADT, VALUES, VISION, F, G
from .models import FieldOfAction, UserGroup

DEMO_USERS = [
    # username, municipality slug, role
    ("anna", "musterstadt", Role.ADMIN),
    ("erik", "musterstadt", Role.EDITOR),
    ("vera", "musterstadt", Role.VIEWER),
    ("bruno", "beispielhausen", Role.ADMIN),
]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _load_musterstadt(user) -> Municipality:
    m = municipality_create(**MUSTERSTADT)
    services.vision_update(
        municipality=m, user=user, text=VISION[0], text_en=VISION[1], published=True
    )
    for i, (title, title_en, description) in enumerate(VALUES, start=1):
        services.value_create(
            municipality=m,
            user=user,
            title=title,
            title_en=title_en,
            description=description,
            position=i,
            published=True,
        )
    goals = []
    for i, (title, title_en, description, priority, targets) in enumerate(GOALS, start=1):
        goals.append(
            services.goal_create(
                municipality=m,
                user=user,
                title=title,
                title_en=title_en,
                description=description,
                priority=priority,
                sdg_targets=targets,
                position=i,
                published=True,
            )
        )
    fields = {f.title: f for f in FieldOfAction.objects.filter(municipality=m)}
    groups = {g.title: g for g in UserGroup.objects.filter(municipality=m)}
    for (
        title,
        title_en,
        summary,
        field_keys,
        goal_numbers,
        targets,
        status,
        unit,
        start,
        end,
        cost,
        tags,
        benefits,
    ) in MEASURES:
        services.measure_create(
            municipality=m,
            user=user,
            title=title,
            title_en=title_en,
            summary=summary,
            fields_of_action=[fields[F[k]].pk for k in field_keys],
            goals=[goals[n - 1].pk for n in goal_numbers],
            sdg_targets=targets,
            status=status,
            responsible_unit=unit,
            start=_date(start),
            end=_date(end),
            estimated_cost=Decimal(cost) if cost is not None else None,
            tags=tags,
            benefits=[{"user_group": groups[G[k]].pk, "value": v} for k, v in benefits.items()],
            published=True,
        )
    return m


def _load_beispielhausen(user) -> Municipality:
    m = municipality_create(**BEISPIELHAUSEN)
    services.vision_update(
        municipality=m,
        user=user,
        published=True,
        text="Beispielhausen bleibt ein lebenswertes Dorf: digital vernetzt, mit kurzen Wegen "
        "und starker Dorfgemeinschaft.",
        text_en="Beispielhausen remains a village worth living in: digitally connected, with short "
        "distances and a strong community.",
    )
    for i, (title, title_en) in enumerate(
        [("Gemeinschaftlich", "Community-minded"), ("Nachhaltig", "Sustainable")], start=1
    ):
        services.value_create(
            municipality=m, user=user, title=title, title_en=title_en, position=i, published=True
        )
    goal = services.goal_create(
        municipality=m,
        user=user,
        title="Mobil auf dem Land",
        title_en="Rural mobility",
        priority=1,
        sdg_targets=["11.2"],
        published=True,
    )
    mob = FieldOfAction.objects.get(municipality=m, title="Mobilität")
    services.measure_create(
        municipality=m,
        user=user,
        title="Rufbus für alle Ortsteile",
        title_en="On-demand bus for every village",
        fields_of_action=[mob.pk],
        goals=[goal.pk],
        sdg_targets=["11.2"],
        status="planned",
        published=True,
    )
    services.measure_create(
        municipality=m,
        user=user,
        title="Mitfahrbank am Dorfplatz (Entwurf)",
        title_en="Ride-sharing bench (draft)",
        fields_of_action=[mob.pk],
        goals=[goal.pk],
        status="idea",
        published=False,
    )
    return m


@transaction.atomic
def demo_load(*, reset: bool = False, password: str | None = None) -> dict:
    """Create Musterstadt and Beispielhausen with their users; return the logins."""
    slugs = [MUSTERSTADT["slug"], BEISPIELHAUSEN["slug"]]
    existing = Municipality.objects.filter(slug__in=slugs)
    if existing.exists():
        if not reset:
            raise ValueError("The demo is loaded already; use --reset to load it again.")
        existing.delete()
    password = password or secrets.token_urlsafe(9)
    users = {}
    for username, _slug, _role in DEMO_USERS:
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        users[username] = user
    musterstadt = _load_musterstadt(users["anna"])
    beispielhausen = _load_beispielhausen(users["bruno"])
    by_slug = {"musterstadt": musterstadt, "beispielhausen": beispielhausen}
    for username, slug, role in DEMO_USERS:
        membership_set(user=users[username], municipality=by_slug[slug], role=role)
    return {
        "password": password,
        "users": [{"username": u, "municipality": s, "role": str(r)} for u, s, r in DEMO_USERS],
    }
