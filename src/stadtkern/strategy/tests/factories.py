"""Small builders for strategy objects in tests, going through the services."""

from stadtkern.strategy import services


def make_measures(municipality, user, n: int, *, published: bool = True, **extra) -> list:
    fields = list(municipality.fields_of_action.all()[:2])
    groups = list(municipality.user_groups.all()[:2])
    goal = services.goal_create(
        municipality=municipality, user=user, title="Ziel", sdg_targets=["11.1"], published=True
    )
    return [
        services.measure_create(
            municipality=municipality,
            user=user,
            title=f"Maßnahme {i:05d}",
            published=published,
            fields_of_action=[f.pk for f in fields],
            goals=[goal.pk],
            sdg_targets=["11.2", "13.2"],
            benefits=[{"user_group": g.pk, "value": "Nutzen"} for g in groups],
            tags=["Innenstadt"],
            **extra,
        )
        for i in range(n)
    ]
