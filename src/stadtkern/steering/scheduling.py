"""The plan's arithmetic: finish-to-start dependencies with lag, the schedule they force,
and the critical path. Pure functions on plain numbers, so that they can be tested on any
graph (tests/test_scheduling.py) and run without the database.

Time is counted in whole days. A work package occupies the half-open interval
[start, start + duration): a package of 3 days starting on day 10 works on days 10, 11
and 12 and ends at 13; a milestone has duration 0 and ends where it starts. A dependency
(p -> s, lag) asks ``start(s) >= end(p) + lag``: with lag 0 the successor starts on the
day after its predecessor's last working day, or on a milestone's own day. A negative lag
(a lead) lets a successor overlap its predecessor.

Scheduling only ever pushes a package later, never earlier (the editor's date is the
earliest it may start), as project tools do in automatic mode: moving a predecessor back
does not pull its successors along.
"""

from collections import defaultdict, deque
from dataclasses import dataclass


class CycleError(ValueError):
    """The dependencies go round in a circle; ``members`` are the packages on it."""

    def __init__(self, members: list):
        super().__init__(f"dependency cycle through {members}")
        self.members = members


@dataclass(frozen=True)
class Task:
    start: int  # the earliest day the editor allows
    duration: int  # days; 0 is a milestone


@dataclass(frozen=True)
class Scheduled:
    start: int  # early start: the editor's date, or later where a predecessor forces it
    end: int  # early end
    late_start: int
    slack: int  # days it may slip without moving the project's end

    @property
    def critical(self) -> bool:
        return self.slack == 0


def _order(tasks: dict, edges: list[tuple]) -> list:
    """The packages in an order where every predecessor comes before its successors, or a
    CycleError naming the packages of one cycle."""
    incoming = {t: 0 for t in tasks}
    after = defaultdict(list)
    for p, s, _lag in edges:
        incoming[s] += 1
        after[p].append(s)
    ready = deque(sorted((t for t, n in incoming.items() if n == 0), key=repr))
    order = []
    while ready:
        t = ready.popleft()
        order.append(t)
        for s in after[t]:
            incoming[s] -= 1
            if incoming[s] == 0:
                ready.append(s)
    if len(order) < len(tasks):
        raise CycleError(_one_cycle({t for t, n in incoming.items() if n > 0}, edges))
    return order


def _one_cycle(left: set, edges: list[tuple]) -> list:
    """Every package the sort left over still waits for a predecessor that is also left
    over (it lies on a cycle or behind one), so walking backwards from any of them must
    come round to a package already seen: the walk from there is a cycle."""
    before = defaultdict(list)
    for p, s, _lag in edges:
        if p in left and s in left:
            before[s].append(p)
    path, seen = [], {}
    node = min(left, key=repr)
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(before[node], key=repr)
    return list(reversed(path[seen[node] :]))


def find_cycle(tasks, edges: list[tuple]) -> list | None:
    """The packages of a cycle among ``edges`` (pairs or triples), or None."""
    try:
        _order({t: None for t in tasks}, [(e[0], e[1], 0) for e in edges])
    except CycleError as exc:
        return exc.members
    return None


def schedule(tasks: dict, edges: list[tuple]) -> dict:
    """Early and late dates of every task. ``tasks`` maps an id to a Task, ``edges`` are
    ``(predecessor, successor, lag)``. Raises CycleError on a cycle."""
    for p, s, _lag in edges:
        if p not in tasks or s not in tasks:
            raise KeyError(p if p not in tasks else s)
    order = _order(tasks, edges)
    before, after = defaultdict(list), defaultdict(list)
    for p, s, lag in edges:
        before[s].append((p, lag))
        after[p].append((s, lag))
    start, end = {}, {}
    for t in order:
        task = tasks[t]
        start[t] = max([task.start] + [end[p] + lag for p, lag in before[t]])
        end[t] = start[t] + task.duration
    finish = max(end.values(), default=0)
    late_end, late_start = {}, {}
    for t in reversed(order):
        late_end[t] = min([finish] + [late_start[s] - lag for s, lag in after[t]])
        late_start[t] = late_end[t] - tasks[t].duration
    return {t: Scheduled(start[t], end[t], late_start[t], late_start[t] - start[t]) for t in tasks}
