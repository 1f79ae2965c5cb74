"""Small builders for steering tests: a measure made a project, packages by day numbers."""

from datetime import date, timedelta

from stadtkern.steering.services import plans, projects
from stadtkern.strategy.services import measure_create

DAY0 = date(2027, 1, 4)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def make_project(municipality, title="Leerstandsmanagement", *, length=365, user=None, **fields):
    measure = measure_create(municipality=municipality, user=user, title=title, published=True)
    return projects.project_create(
        measure=measure, user=user, start=DAY0, end=day(length), **fields
    )


def package(project, title, start: int, duration: int, user=None, **fields):
    return plans.package_create(project=project, user=user, title=title, start=day(start),
                                duration=duration, **fields)  # fmt: skip
