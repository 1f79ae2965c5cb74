"""Properties of the plan's arithmetic on any graph of packages (Hypothesis), and the
cases a planner would check by hand."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stadtkern.steering.scheduling import CycleError, Task, find_cycle, schedule


@st.composite
def plans(draw, max_tasks=14):
    """A plan without cycles: edges only go from a lower to a higher number."""
    n = draw(st.integers(1, max_tasks))
    tasks = {i: Task(draw(st.integers(0, 60)), draw(st.integers(0, 20))) for i in range(n)}
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges = [(a, b, draw(st.integers(-5, 10))) for a, b in sorted(pairs) if a < b]
    return tasks, edges


@given(plans())
def test_every_dependency_holds_and_no_package_starts_before_its_date(plan):
    tasks, edges = plan
    result = schedule(tasks, edges)
    for p, s, lag in edges:
        assert result[s].start >= result[p].end + lag
    for t, task in tasks.items():
        assert result[t].start >= task.start
        assert result[t].end - result[t].start == task.duration
        assert result[t].slack >= 0


@given(plans())
def test_the_schedule_pushes_no_further_than_it_must(plan):
    """Each package starts on its own date or exactly where a predecessor lets it."""
    tasks, edges = plan
    result = schedule(tasks, edges)
    for t, task in tasks.items():
        bounds = [task.start] + [result[p].end + lag for p, s, lag in edges if s == t]
        assert result[t].start == max(bounds)


@given(plans())
def test_a_critical_chain_runs_from_a_free_start_to_the_projects_end(plan):
    tasks, edges = plan
    result = schedule(tasks, edges)
    finish = max(r.end for r in result.values())
    # Walk back from a critical package that ends the project: each step goes to a
    # critical predecessor that pushes it, until a package that starts on its own date.
    node = next(t for t, r in result.items() if r.end == finish and r.critical)
    seen = set()
    while result[node].start != tasks[node].start:
        assert node not in seen
        seen.add(node)
        pushers = [p for p, s, lag in edges
                   if s == node and result[p].end + lag == result[node].start]  # fmt: skip
        assert any(result[p].critical for p in pushers)
        node = next(p for p in pushers if result[p].critical)
    assert result[node].critical


@given(plans())
def test_delaying_a_package_by_its_slack_keeps_the_end_and_one_day_more_moves_it(plan):
    tasks, edges = plan
    result = schedule(tasks, edges)
    finish = max(r.end for r in result.values())
    for t, r in result.items():
        later = dict(tasks)
        later[t] = Task(r.start + r.slack, tasks[t].duration)
        assert max(x.end for x in schedule(later, edges).values()) == finish
        later[t] = Task(r.start + r.slack + 1, tasks[t].duration)
        assert max(x.end for x in schedule(later, edges).values()) == finish + 1


@settings(max_examples=200)
@given(plans(), st.data())
def test_a_back_edge_on_a_path_is_always_found_as_a_cycle(plan, data):
    tasks, edges = plan
    if not edges:
        return
    a, b, _lag = data.draw(st.sampled_from(edges))
    closing = edges + [(b, a, 0)]
    members = find_cycle(tasks, closing)
    assert members is not None and a in members and b in members
    # Every step of the cycle named is an edge of the graph.
    steps = {(p, s) for p, s, _l in closing}
    assert all((members[i], members[(i + 1) % len(members)]) in steps for i in range(len(members)))
    with pytest.raises(CycleError):
        schedule(tasks, closing)


@given(plans())
def test_a_plan_built_forwards_has_no_cycle(plan):
    tasks, edges = plan
    assert find_cycle(tasks, edges) is None


def test_the_worked_example():
    """Design (5 days) and tender (10) run side by side, then the build (20) needs both;
    a milestone closes. The tender is the longer branch and so the critical one."""
    tasks = {"design": Task(0, 5), "tender": Task(0, 10), "build": Task(0, 20),
             "done": Task(0, 0)}  # fmt: skip
    edges = [("design", "build", 0), ("tender", "build", 2), ("build", "done", 0)]
    result = schedule(tasks, edges)
    assert result["build"].start == 12 and result["done"].start == 32
    assert {t for t, r in result.items() if r.critical} == {"tender", "build", "done"}
    assert result["design"].slack == 7


def test_a_lead_lets_packages_overlap_and_a_milestone_ends_where_it_starts():
    result = schedule({"a": Task(0, 10), "m": Task(0, 0), "b": Task(0, 3)},
                      [("a", "m", 0), ("m", "b", -2)])  # fmt: skip
    assert result["m"].start == result["m"].end == 10
    assert result["b"].start == 8
