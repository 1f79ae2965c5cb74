"""The backlog and the board: order, moves in all three ways, conflicts between two
editors, columns that do not exist, overlapping iterations, the burndown."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.steering.models import BacklogItem
from stadtkern.steering.services import backlog

from .factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(alpha):
    today = timezone.localdate()
    from stadtkern.steering.services import projects
    from stadtkern.strategy.services import measure_create

    measure = measure_create(municipality=alpha, user=None, title="Bürger-App", published=True)
    return projects.project_create(measure=measure, user=None, start=today - timedelta(days=30),
                                   end=today + timedelta(days=300), design="agile")  # fmt: skip


@pytest.fixture
def items(project):
    return [backlog.item_create(project=project, user=None, title=t, estimate=e)
            for t, e in [("A", 3), ("B", 5), ("C", 2), ("D", 8)]]  # fmt: skip


def _column(project, status="todo") -> list[str]:
    return list(BacklogItem.objects.filter(project=project, status=status).order_by("rank", "pk")
                .values_list("title", flat=True))  # fmt: skip


def test_moves_keep_one_order(project, items):
    a, b, c, d = items
    backlog.item_move(item=d, user=None, version=1, before=a)
    assert _column(project) == ["D", "A", "B", "C"]
    backlog.item_step(
        item=BacklogItem.objects.get(pk=b.pk), user=None, version=1, direction="right"
    )
    assert _column(project) == ["D", "A", "C"] and _column(project, "doing") == ["B"]
    backlog.item_step(item=BacklogItem.objects.get(pk=c.pk), user=None, version=1, direction="up")
    assert _column(project) == ["D", "C", "A"]
    backlog.item_step(item=BacklogItem.objects.get(pk=d.pk), user=None, version=2, direction="down")
    assert _column(project) == ["C", "D", "A"]


def test_a_stale_move_is_a_conflict_and_changes_nothing(project, items):
    a = items[0]
    backlog.item_move(item=a, user=None, version=1, status="doing")
    with pytest.raises(ValidationError) as caught:
        backlog.item_move(item=a, user=None, version=1, status="done")
    assert caught.value.error_dict["version"][0].code == "conflict"
    assert BacklogItem.objects.get(pk=a.pk).status == "doing"


@pytest.mark.parametrize("status", ["nowhere", "", "DONE", "todo "])
def test_a_column_that_does_not_exist_is_named(project, items, status):
    if status == "":
        return  # the item's own column: a move to the end of it, tested above
    with pytest.raises(ValidationError) as caught:
        backlog.item_move(item=items[0], user=None, version=1, status=status)
    assert "status" in caught.value.message_dict
    assert BacklogItem.objects.get(pk=items[0].pk).version == 1


def test_steps_beyond_the_edges_are_refused(project, items):
    with pytest.raises(ValidationError):
        backlog.item_step(item=items[0], user=None, version=1, direction="left")
    with pytest.raises(ValidationError):
        backlog.item_step(item=items[0], user=None, version=1, direction="up")
    with pytest.raises(ValidationError):
        backlog.item_step(item=items[3], user=None, version=1, direction="down")


def test_iterations_follow_each_other(project):
    start = project.start
    backlog.iteration_create(project=project, user=None, name="Sprint 1", start=start,
                             end=start + timedelta(days=13))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        backlog.iteration_create(project=project, user=None, name="Sprint 2",
                                 start=start + timedelta(days=13), end=start + timedelta(days=27))  # fmt: skip
    assert "start" in caught.value.message_dict and "Sprint 1" in caught.value.messages[0]
    backlog.iteration_create(project=project, user=None, name="Sprint 2",
                             start=start + timedelta(days=14), end=start + timedelta(days=27))  # fmt: skip
    with pytest.raises(ValidationError):
        backlog.iteration_create(project=project, user=None, name="Davor",
                                 start=start - timedelta(days=10), end=start - timedelta(days=1))  # fmt: skip


def test_the_burndown_counts_points_on_the_day_they_are_done(project, items):
    from stadtkern.steering.selectors import burndown

    today = timezone.localdate()
    sprint = backlog.iteration_create(project=project, user=None, name="Sprint",
                                      start=today - timedelta(days=4), end=today + timedelta(days=5))  # fmt: skip
    for item in items:
        backlog.item_update(item=item, user=None, iteration=sprint)
    BacklogItem.objects.filter(pk=items[1].pk).update(
        status="done", done_at=timezone.now() - timedelta(days=2)
    )
    chart = burndown(sprint)
    left = [row[2] for row in chart.table if row[2] not in ("", "–")]
    assert chart.table[0][1] == "18" and left[0] == "18"
    assert left[-1] == "13"  # 18 − 5 since two days ago


def test_a_project_without_a_backlog_has_no_board(client, alpha, personas):
    project = make_project(alpha, "Bau", design="waterfall")
    client.force_login(personas["viewer"])
    assert client.get(f"/m/alpha/steering/projects/{project.pk}/board/").status_code == 404


def test_the_board_move_answers_htmx_with_the_board_and_a_status(client, project, items, personas):
    client.force_login(personas["editor"])
    url = f"/en/m/alpha/steering/projects/{project.pk}/board/move/"
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
    response = client.post(url, {"item": items[0].pk, "version": 1, "go": "right"}, **hx)
    assert response.status_code == 200 and 'id="board"' in response.content.decode()
    stale = client.post(url, {"item": items[0].pk, "version": 1, "status": "done"}, **hx)
    assert stale.status_code == 409 and "meanwhile" in stale.content.decode()
    bad = client.post(url, {"item": items[1].pk, "version": 1, "status": "archive"}, **hx)
    assert bad.status_code == 422
    for data in ({"item": "x", "version": 1}, {"item": 99999, "version": 1}, {"item": items[1].pk, "version": 1, "before": 99999},
                 {"item": items[1].pk, "version": 1, "go": "sideways"}):  # fmt: skip
        assert client.post(url, data, **hx).status_code == 422, data
    plain = client.post(url, {"item": items[1].pk, "version": 1, "status": "review"})
    assert plain.status_code == 302 and BacklogItem.objects.get(pk=items[1].pk).status == "review"
    client.force_login(personas["viewer"])
    assert (
        client.post(url, {"item": items[2].pk, "version": 1, "go": "right"}, **hx).status_code
        == 403
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 5))),
        min_size=1,
        max_size=40,
    )
)
def test_any_sequence_of_moves_keeps_the_order_a_list_would_have(project, moves):
    """Against a plain list: moving before another item or to the end, many times into
    the same gap (which forces the ranks to be spread again), keeps one consistent order."""
    BacklogItem.objects.filter(project=project).delete()
    items = [backlog.item_create(project=project, user=None, title=f"I{i}") for i in range(6)]
    model = [it.pk for it in items]
    for who, target in moves:
        item = BacklogItem.objects.get(pk=model[who])
        before = (
            None
            if target is None or model[target] == item.pk
            else BacklogItem.objects.get(pk=model[target])
        )
        backlog.item_move(item=item, user=None, version=item.version, before=before)
        model.remove(item.pk)
        model.insert(model.index(before.pk) if before is not None else len(model), item.pk)
    stored = list(
        BacklogItem.objects.filter(project=project)
        .order_by("rank", "pk")
        .values_list("pk", flat=True)
    )
    assert stored == model


def test_a_gap_used_up_is_spread_again(project, items):
    b = items[1]
    for _ in range(14):  # each move halves the gap before B
        c = BacklogItem.objects.get(pk=items[2].pk)
        backlog.item_move(
            item=c, user=None, version=c.version, before=BacklogItem.objects.get(pk=b.pk)
        )
        d = BacklogItem.objects.get(pk=items[3].pk)
        backlog.item_move(
            item=d, user=None, version=d.version, before=BacklogItem.objects.get(pk=b.pk)
        )
    assert _column(project) == ["A", "C", "D", "B"]
