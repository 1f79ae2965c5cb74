"""Writes through the services: defaults, audit trail, vision versions."""

import pytest
from django.core.exceptions import ValidationError

from stadtkern.core.models import AuditEntry
from stadtkern.strategy import services
from stadtkern.strategy.models import FieldOfAction, VisionVersion


def test_new_municipality_is_offered_the_default_fields_of_action(alpha):
    titles = list(FieldOfAction.objects.filter(municipality=alpha).values_list("title", flat=True))
    assert titles[:3] == ["Mobilität", "Umwelt & Klima", "Energie"]
    assert len(titles) == 10
    assert alpha.user_groups.count() == 8


def test_measure_change_is_audited_with_before_and_after(alpha, personas):
    editor = personas["editor"]
    measure = services.measure_create(
        municipality=alpha, user=editor, title="Alt", sdg_targets=["11.2"]
    )
    services.measure_update(measure=measure, user=editor, title="Neu", sdg_targets=["11.2", "11.3"])
    entries = list(
        AuditEntry.objects.filter(object_type="measure", object_id=measure.pk).order_by("id")
    )
    assert [e.action for e in entries] == ["create", "update"]
    update = entries[1]
    assert update.user == editor
    assert update.before["title"] == "Alt" and update.after["title"] == "Neu"
    assert update.before["sdg_targets"] == ["11.2"] and update.after["sdg_targets"] == [
        "11.2",
        "11.3",
    ]
    assert {c[0] for c in update.changes()} == {"title", "sdg_targets"}


def test_deleting_keeps_a_record_of_what_was_deleted(alpha, personas):
    goal = services.goal_create(municipality=alpha, user=personas["admin"], title="Weg damit")
    services.goal_delete(goal=goal, user=personas["admin"])
    entry = AuditEntry.objects.get(object_type="goal", action="delete")
    assert entry.before["title"] == "Weg damit" and entry.after is None


def test_vision_is_versioned(alpha, personas):
    first = services.vision_update(
        municipality=alpha, user=personas["editor"], text="Erste", published=True
    )
    second = services.vision_update(municipality=alpha, user=personas["editor"], text="Zweite")
    assert (first.version, second.version) == (1, 2)
    assert VisionVersion.objects.filter(municipality=alpha).count() == 2


def test_benefits_belong_to_user_groups_of_the_municipality(alpha, beta, personas):
    group = beta.user_groups.first()
    with pytest.raises(ValidationError) as exc:
        services.measure_create(
            municipality=alpha,
            user=personas["editor"],
            title="X",
            benefits=[{"user_group": group.pk, "value": "v"}],
        )
    assert "benefits" in exc.value.message_dict


def test_measure_with_user_group_values_is_saved(alpha, personas):
    groups = list(alpha.user_groups.all()[:2])
    measure = services.measure_create(
        municipality=alpha,
        user=personas["editor"],
        title="Mit Nutzen",
        tags=["A", "B", "A"],
        benefits=[{"user_group": g.pk, "value": f"Nutzen {g.pk}"} for g in groups],
    )
    assert {b.user_group_id: b.value for b in measure.benefits.all()} == {
        g.pk: f"Nutzen {g.pk}" for g in groups
    }
    assert sorted(measure.tags.values_list("name", flat=True)) == ["A", "B"]
