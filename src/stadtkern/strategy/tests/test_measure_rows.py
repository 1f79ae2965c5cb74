"""The API's measures are written from rows (selectors.measure_page), the pages' from model
instances with prefetched relations: both show every measure with the same relations,
in the same order, and leave out the same unpublished ones, for visitors and members."""

import random

import pytest

from stadtkern.strategy import selectors, services

pytestmark = pytest.mark.django_db


def _object_form(measure) -> dict:
    """What a page reads of a measure (its prefetched relations), as the API names it."""
    data = {name: getattr(measure, name) for name in selectors.MEASURE_COLUMNS}
    data["fields_of_action"] = [
        {"id": f.id, "title": f.title} for f in measure.fields_of_action.all()
    ]
    data["goals"] = [{"id": g.id, "title": g.title} for g in measure.goals.all()]
    data["sdg_targets"] = [t.code for t in measure.sdg_targets.all()]
    data["benefits"] = [
        {"user_group": {"id": b.user_group.id, "title": b.user_group.title}, "value": b.value,
         "value_en": b.value_en}
        for b in measure.benefits.all()
    ]  # fmt: skip
    data["tags"] = [t.name for t in measure.tags.all()]
    return data


def _strategy(alpha, editor, seed: int) -> None:
    rng = random.Random(seed)
    make = {
        "fields": lambda i, published: services.field_create(
            municipality=alpha, user=editor, title=f"Feld {i}", published=published,
            position=rng.randint(0, 3),
        ),
        "groups": lambda i, published: services.user_group_create(
            municipality=alpha, user=editor, title=f"Gruppe {i}", published=published,
            position=rng.randint(0, 3),
        ),
        "goals": lambda i, published: services.goal_create(
            municipality=alpha, user=editor, title=f"Ziel {i}", published=published,
            priority=rng.choice([1, 2, 3]), position=rng.randint(0, 3),
        ),
    }  # fmt: skip
    made = {kind: [build(i, rng.random() < 0.6) for i in range(5)] for kind, build in make.items()}
    targets = ["11.1", "11.2", "11.a", "13.2", "3.6", "7.2"]
    for i in range(12):
        services.measure_create(
            municipality=alpha, user=editor, title=f"Maßnahme {rng.randint(0, 99)}",
            published=rng.random() < 0.7,
            fields_of_action=[f.pk for f in rng.sample(made["fields"], rng.randint(0, 4))],
            goals=[g.pk for g in rng.sample(made["goals"], rng.randint(0, 4))],
            sdg_targets=rng.sample(targets, rng.randint(0, 4)),
            benefits=[{"user_group": g.pk, "value": f"Nutzen {i}"}
                      for g in rng.sample(made["groups"], rng.randint(0, 3))],
            tags=rng.sample(["Innenstadt", "Rad", "Klima", "Digital"], rng.randint(0, 3)),
        )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("reader", ["anonymous", "viewer", "other_editor"])
def test_rows_show_what_the_objects_show(alpha, personas, seed, reader):
    _strategy(alpha, personas["editor"], seed)
    user = personas[reader]
    measures = selectors.measure_list(municipality=alpha, user=user)
    drafts = selectors.rules.can_view_drafts(user, alpha)
    rows = selectors.measure_page(measures, drafts)
    assert rows.count() == measures.count() > 0
    assert rows[0 : rows.count()] == [_object_form(m) for m in measures]
    assert rows[3:5] == [_object_form(m) for m in measures[3:5]]
    first = measures[0]
    assert selectors.measure_data(municipality=alpha, user=user, pk=first.pk) == _object_form(first)
