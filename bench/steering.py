"""Benchmark: the steering portfolio, a board move, the Gantt chart.

1. The portfolio page of a municipality with 500 projects (two status reports each, the
   latest with its trend against the one before), seen by a member: median, 95th
   percentile and number of queries, and the same at 50 projects to show that the number
   of queries does not grow; against the raw SQL that returns each project's latest
   report.
2. A board move (the drag-and-drop request, htmx, answered with the board) in a backlog
   of 2,000 items whose running iteration holds 40: median and 95th percentile; against
   the raw statements of the same move.
3. The Gantt chart of 300 work packages with about 600 dependencies: scheduling with the
   critical path, building the SVG and rendering it, and the whole plan page.
4. The agenda of a programme jour fixe over 500 projects (1,000 risks, 500 milestones,
   1,000 reports, 100 open action items): its assembly and number of queries.

Before each measurement the objects built so far are frozen for the garbage collector,
as ``stadtkern serve`` does once it has loaded.

Runs on a scratch database of the configured engine (SQLite by default, PostgreSQL when
DATABASE_URL says so).
"""

import gc
import random
import secrets
import time
from datetime import date, timedelta

from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from stadtkern.core.benchtools import scratch_database, summary, timed
from stadtkern.core.querycount import count_queries

DEFAULT_SIZES = [500]
DEFAULT_REPEAT = 30


def _municipality(slug: str):
    from stadtkern.core.models import Role
    from stadtkern.core.services import membership_set, municipality_create, user_create

    m = municipality_create(name=slug, slug=slug, ags=f"05{abs(hash(slug)) % 10**6:06d}",
                            kind="stadt", state="05")  # fmt: skip
    user = user_create(username=f"team-{slug}", password=secrets.token_urlsafe(16))
    membership_set(user=user, municipality=m, role=Role.EDITOR)
    return m, user


def _portfolio_municipality(slug: str, size: int):
    from stadtkern.steering.models import Programme, Project, StatusReport
    from stadtkern.strategy.models import FieldOfAction, Goal, Measure

    m, user = _municipality(slug)
    fields = FieldOfAction.objects.bulk_create(
        FieldOfAction(municipality=m, title=f"Handlungsfeld {i}", published=True) for i in range(8)
    )
    goals = Goal.objects.bulk_create(
        Goal(municipality=m, title=f"Ziel {i}", published=True) for i in range(10)
    )
    measures = Measure.objects.bulk_create(
        Measure(municipality=m, title=f"Maßnahme {i:04d}", published=True) for i in range(size)
    )
    Measure.fields_of_action.through.objects.bulk_create(
        Measure.fields_of_action.through(measure_id=x.pk, fieldofaction_id=fields[i % 8].pk)
        for i, x in enumerate(measures)
    )
    Measure.goals.through.objects.bulk_create(
        Measure.goals.through(measure_id=x.pk, goal_id=goals[i % 10].pk)
        for i, x in enumerate(measures)
    )
    programme = Programme.objects.create(
        municipality=m, slug="smart", title="Smart City", published=True
    )
    programme.measures.set(measures)
    start = date(2025, 1, 1)
    projects = Project.objects.bulk_create(
        Project(municipality=m, measure=x, start=start, end=date(2028, 12, 31),
                department=f"Amt {i % 12}", design=("waterfall", "hybrid", "agile")[i % 3])
        for i, x in enumerate(measures)
    )  # fmt: skip
    lights = ("green", "yellow", "red")
    today = timezone.localdate()
    StatusReport.objects.bulk_create(
        StatusReport(project=p, period_end=today - timedelta(days=30 * k), scope=lights[(i + k) % 3],
                     time=lights[i % 3], money=lights[(i * 7 + k) % 3], overall=lights[(i + 2 * k) % 3],
                     text="Bericht")
        for i, p in enumerate(projects) for k in (0, 1)
    )  # fmt: skip
    return m, user


RAW_LATEST = """
SELECT p.id, m.title, r.period_end, r.scope, r.time, r.money, r.overall
FROM steering_project p JOIN strategy_measure m ON m.id = p.measure_id
LEFT JOIN steering_statusreport r ON r.id = (
  SELECT r2.id FROM steering_statusreport r2 WHERE r2.project_id = p.id
  ORDER BY r2.period_end DESC LIMIT 1)
WHERE p.municipality_id = %s ORDER BY m.title, p.id
"""


def _portfolio(repeat: int, size: int) -> dict:
    out = {}
    for n in (50, size):
        m, user = _portfolio_municipality(f"portfolio-{n}", n)
        client = Client()
        client.force_login(user)
        path = f"/m/{m.slug}/steering/"
        _frozen()
        with count_queries() as counted:
            response = client.get(path)
        assert response.status_code == 200 and response.content.count(b"<tr>") > n
        page = summary(timed(lambda p=path, c=client: c.get(p), repeat))

        def raw(mid=m.pk):
            with connection.cursor() as cursor:
                cursor.execute(RAW_LATEST, [mid])
                return cursor.fetchall()

        assert len(raw()) == n
        reference = summary(timed(raw, repeat))
        filtered = summary(
            timed(lambda p=path, c=client: c.get(p + "?status=red&department=Amt%203"), repeat)
        )
        out[f"{n}_projects"] = {**page, "queries": counted.count, "raw_sql": reference,
                                "ratio_to_raw_sql": round(page["median_ms"] / max(reference["median_ms"], 0.01), 1),
                                "filtered_red_in_one_department": filtered}  # fmt: skip
    return out


def _agenda(repeat: int, size: int) -> dict:
    """A programme jour fixe over ``size`` projects: two risks and a milestone each, a
    hundred open action items, two reports each (a third of the latest red)."""
    from stadtkern.steering import agenda
    from stadtkern.steering.models import (
        ActionItem,
        Meeting,
        MeetingSeries,
        Programme,
        Project,
        Risk,
        WorkPackage,
    )

    m, user = _portfolio_municipality("agenda", size)
    today = timezone.localdate()
    projects = list(Project.objects.filter(municipality=m))
    Risk.objects.bulk_create(
        Risk(project=p, title=f"Risiko {i}-{k}", probability=1 + (i + k) % 5, impact=1 + (i * 3 + k) % 5,
             response="reduce", review_on=today - timedelta(days=(i + k) % 20 - 10))
        for i, p in enumerate(projects) for k in (0, 1)
    )  # fmt: skip
    WorkPackage.objects.bulk_create(
        WorkPackage(project=p, title=f"Meilenstein {i}", start=today + timedelta(days=i % 60 - 10), duration=0)
        for i, p in enumerate(projects)
    )  # fmt: skip
    programme = Programme.objects.get(municipality=m)
    series = MeetingSeries.objects.create(
        municipality=m, title="Lenkungskreis", kind="steering", programme=programme
    )
    earlier = Meeting.objects.create(series=series, held_on=today - timedelta(days=14))
    ActionItem.objects.bulk_create(
        ActionItem(meeting=earlier, project=projects[i], title=f"Aufgabe {i}", due_on=today + timedelta(days=i % 9 - 4))
        for i in range(100)
    )  # fmt: skip
    _frozen()
    with count_queries() as counted:
        topics = agenda.assemble(series, today)
    samples = summary(timed(lambda: agenda.assemble(series, today), repeat))
    return {"projects": size, "topics": len(topics), "strategic": sum(t.section == "strategic" for t in topics),
            **samples, "queries": counted.count}  # fmt: skip


def _board(repeat: int) -> dict:
    from stadtkern.steering.models import BacklogItem, Iteration
    from stadtkern.steering.services import backlog

    m, user = _municipality("board")
    from stadtkern.steering.services import projects
    from stadtkern.strategy.services import measure_create

    today = timezone.localdate()
    measure = measure_create(municipality=m, user=user, title="App", published=True)
    project = projects.project_create(measure=measure, user=user, design="agile", start=today - timedelta(days=60),
                                      end=today + timedelta(days=600))  # fmt: skip
    sprint = Iteration.objects.create(project=project, name="Sprint", start=today - timedelta(days=3),
                                      end=today + timedelta(days=10))  # fmt: skip
    BacklogItem.objects.bulk_create(
        BacklogItem(project=project, title=f"Eintrag {i}", estimate=i % 8, rank=i + 1,
                    iteration=sprint if i < 40 else None, status="todo")
        for i in range(2000)
    )  # fmt: skip
    ids = list(
        BacklogItem.objects.filter(iteration=sprint).order_by("rank").values_list("pk", flat=True)
    )
    versions = dict.fromkeys(ids, 1)
    client = Client()
    client.force_login(user)
    url = f"/m/{m.slug}/steering/projects/{project.pk}/board/move/"
    columns = ["todo", "doing", "review", "done"]
    rng = random.Random(7)

    def move():
        item = rng.choice(ids)
        data = {"item": item, "version": versions[item], "status": rng.choice(columns),
                "iteration": sprint.pk}  # fmt: skip
        if rng.random() < 0.5:
            data["before"] = rng.choice([i for i in ids if i != item])
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.content[:300]
        versions[item] += 1

    _frozen()
    samples = timed(move, repeat * 3)
    with count_queries() as counted:
        move()
    service = []
    for _ in range(repeat * 3):
        item = BacklogItem.objects.get(pk=rng.choice(ids))
        started = time.perf_counter()
        backlog.item_move(item=item, user=user, version=item.version, status=rng.choice(columns))
        service.append((time.perf_counter() - started) * 1000)

    def raw():
        item = rng.choice(ids)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE steering_backlogitem SET rank = rank + 1 WHERE project_id = %s AND rank >= %s",
                           [project.pk, 20])  # fmt: skip
            cursor.execute("UPDATE steering_backlogitem SET status = %s, rank = %s, version = version + 1 "
                           "WHERE id = %s", ["doing", 20, item])  # fmt: skip

    reference = summary(timed(raw, repeat * 3))
    request = summary(samples)
    return {"backlog_items": 2000, "iteration_items": len(ids), "request": request,
            "queries": counted.count, "service_only": summary(service), "raw_sql": reference,
            "ratio_to_raw_sql": round(request["median_ms"] / max(reference["median_ms"], 0.01), 1)}  # fmt: skip


def _gantt(repeat: int) -> dict:
    from stadtkern.steering import selectors
    from stadtkern.steering.models import Dependency, Phase, WorkPackage
    from stadtkern.steering.services import plans, projects
    from stadtkern.strategy.services import measure_create

    m, user = _municipality("gantt")
    measure = measure_create(municipality=m, user=user, title="Großprojekt", published=True)
    start = date(2026, 1, 5)
    project = projects.project_create(measure=measure, user=user, design="waterfall", start=start,
                                      end=date(2031, 12, 31))  # fmt: skip
    phases = Phase.objects.bulk_create(
        Phase(project=project, title=f"Phase {i}", position=i) for i in range(10)
    )
    rng = random.Random(3)
    packages = WorkPackage.objects.bulk_create(
        WorkPackage(project=project, phase=phases[i // 30], title=f"Arbeitspaket {i}",
                    start=start + timedelta(days=i * 5), duration=0 if i % 10 == 9 else rng.randint(3, 40))
        for i in range(300)
    )  # fmt: skip
    pairs = {
        (i, j)
        for j in range(1, 300)
        for i in rng.sample(range(max(0, j - 12), j), min(j, 2))
        if i < j
    }
    Dependency.objects.bulk_create(
        Dependency(predecessor=packages[i], successor=packages[j], lag=rng.randint(0, 3))
        for i, j in sorted(pairs)
    )
    plans.reschedule(project, user)  # the dates the dependencies force
    client = Client()
    client.force_login(user)
    path = f"/m/{m.slug}/steering/projects/{project.pk}/plan/"
    assert client.get(path).status_code == 200

    def chart():
        plan = selectors.plan(project)
        return render_to_string("core/_gantt.html", {"chart": plan.chart})

    _frozen()
    with count_queries() as counted:
        html = chart()
    critical = html.count("gantt-bar critical") + html.count("gantt-milestone critical")
    return {"work_packages": 300, "dependencies": len(pairs), "critical": critical,
            "chart": summary(timed(chart, repeat)), "queries": counted.count,
            "page": summary(timed(lambda: client.get(path), repeat))}  # fmt: skip


def _frozen() -> None:
    """What ``stadtkern serve`` does once it has loaded: objects that live as long as the
    process are frozen, so that full collections do not walk them in every request."""
    gc.collect()
    gc.freeze()


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    started = time.perf_counter()
    with scratch_database():
        progress.write(f"steering bench: portfolio on {connection.vendor} ...")
        portfolio = _portfolio(repeat, sizes[0])
        progress.write("steering bench: board moves ...")
        board = _board(repeat)
        progress.write("steering bench: Gantt chart ...")
        gantt = _gantt(repeat)
        progress.write("steering bench: agenda of a programme jour fixe ...")
        agenda = _agenda(repeat, sizes[0])
    return {
        "benchmark": "steering",
        "database": connection.vendor,
        "repeat": repeat,
        "targets": {
            "portfolio": "500 projects with their latest reports: median under 150 ms, queries fixed",
            "board_move": "backlog of 2,000 items: p95 under 50 ms",
            "gantt": "300 work packages with dependencies: under 100 ms",
            "agenda": "programme jour fixe over 500 projects: under 200 ms",
        },
        "portfolio": portfolio,
        "board_move": board,
        "gantt": gantt,
        "agenda": agenda,
        "seconds": round(time.perf_counter() - started, 1),
    }
