"""Benchmark: the strategy house page, the measures list API, the data catalogue and the
start page at 100 / 1,000 / 10,000 measures (with a dataset for every 20 measures).

Runs on a scratch database of the configured engine (SQLite file by default, PostgreSQL
when DATABASE_URL says so), never on the real one. For each size it reports the median
and 95th percentile of full Django requests (test client, no network), the number of
SQL queries, and the physical reference: the raw SQL that returns the same rows as the
first API page, with the ratio API / raw SQL.
"""

import random

from django.db import connection
from django.test import Client

from stadtkern.core.benchtools import scratch_database, summary, timed
from stadtkern.core.querycount import count_queries

RAW_PAGE_SQL = """
SELECT m.id, m.title, m.title_en, m.summary, m.status, m.responsible_unit, m.start, m."end",
       m.estimated_cost, m.published, m.updated_at
FROM strategy_measure m WHERE m.municipality_id = %s AND m.published
ORDER BY m.title, m.id LIMIT 50
"""
RAW_RELATIONS_SQL = [
    "SELECT t.measure_id, f.id, f.title FROM strategy_measure_fields_of_action t "
    "JOIN strategy_fieldofaction f ON f.id = t.fieldofaction_id WHERE t.measure_id IN ({ids})",
    "SELECT t.measure_id, g.id, g.title FROM strategy_measure_goals t "
    "JOIN strategy_goal g ON g.id = t.goal_id WHERE t.measure_id IN ({ids})",
    "SELECT t.measure_id, t.sdgtarget_id FROM strategy_measure_sdg_targets t WHERE t.measure_id IN ({ids})",
    "SELECT b.measure_id, g.id, g.title, b.value FROM strategy_benefit b "
    "JOIN strategy_usergroup g ON g.id = b.user_group_id WHERE b.measure_id IN ({ids})",
    "SELECT t.measure_id, tag.name FROM strategy_measure_tags t "
    "JOIN strategy_tag tag ON tag.id = t.tag_id WHERE t.measure_id IN ({ids})",
]


def _fill(municipality, n: int) -> None:
    """Insert n published measures with relations in bulk (set-up, not measured)."""
    from stadtkern.strategy.models import Benefit, Goal, Measure, SdgTarget, Tag

    rng = random.Random(n)
    fields = list(municipality.fields_of_action.all())
    groups = list(municipality.user_groups.all())
    targets = list(SdgTarget.objects.values_list("code", flat=True))
    goals = Goal.objects.bulk_create(
        Goal(municipality=municipality, title=f"Ziel {i}", published=True) for i in range(8)
    )
    tags = Tag.objects.bulk_create(
        Tag(municipality=municipality, name=f"Tag {i}") for i in range(20)
    )
    statuses = ["idea", "planned", "in_progress", "done", "stopped"]
    measures = Measure.objects.bulk_create(
        (
            Measure(
                municipality=municipality,
                title=f"Maßnahme {i:05d}",
                title_en=f"Measure {i:05d}",
                summary="Eine Maßnahme der Smart-City-Strategie mit Nutzen für viele Gruppen. " * 3,
                status=rng.choice(statuses),
                responsible_unit="Amt für Digitalisierung",
                published=True,
            )
            for i in range(n)
        ),
        batch_size=1000,
    )
    through = Measure.fields_of_action.through
    through.objects.bulk_create(
        (
            through(measure_id=m.id, fieldofaction_id=f.id)
            for m in measures
            for f in rng.sample(fields, 2)
        ),
        batch_size=5000,
    )
    through = Measure.goals.through
    through.objects.bulk_create(
        (through(measure_id=m.id, goal_id=rng.choice(goals).id) for m in measures), batch_size=5000
    )
    through = Measure.sdg_targets.through
    through.objects.bulk_create(
        (
            through(measure_id=m.id, sdgtarget_id=t)
            for m in measures
            for t in rng.sample(targets, 2)
        ),
        batch_size=5000,
    )
    through = Measure.tags.through
    through.objects.bulk_create(
        (through(measure_id=m.id, tag_id=rng.choice(tags).id) for m in measures), batch_size=5000
    )
    Benefit.objects.bulk_create(
        (
            Benefit(measure=m, user_group=g, value="Spürbarer Nutzen im Alltag.")
            for m in measures
            for g in rng.sample(groups, 2)
        ),
        batch_size=5000,
    )
    from stadtkern.data.models import Dataset

    Dataset.objects.bulk_create(
        Dataset(municipality=municipality, slug=f"daten_{i:05d}", title=f"Datensatz {i:05d}",
                description="Offene Daten der Kommune.", themes=["GOVE"], keywords=["Bench"])
        for i in range(max(1, n // 20))
    )  # fmt: skip


def _raw_reference(municipality_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(RAW_PAGE_SQL, [municipality_id])
        ids = [row[0] for row in cursor.fetchall()]
        placeholder = ",".join(str(i) for i in ids) or "NULL"
        for sql in RAW_RELATIONS_SQL:
            cursor.execute(sql.format(ids=placeholder))
            cursor.fetchall()


def _get(client: Client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return response


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    from stadtkern.core.services import municipality_create

    results = []
    with scratch_database():
        client = Client()
        for size in sizes:
            progress.write(f"strategy bench: {size} measures on {connection.vendor} ...")
            municipality = municipality_create(
                name=f"Benchstadt {size}",
                slug=f"bench-{size}",
                ags=f"05{size % 1000000:06d}",
                kind="stadt",
                state="05",
            )
            _fill(municipality, size)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            house = f"/m/{municipality.slug}/"
            api = f"/api/v1/municipalities/{municipality.slug}/measures"
            figures = {"measures": size}
            pages = (("house_page", house), ("measures_api", api), ("catalogue_page", "/data/"),
                     ("start_page", "/"))  # fmt: skip
            for name, path in pages:
                with count_queries() as counted:
                    _get(client, path)
                figures[name] = {
                    **summary(timed(lambda p=path: _get(client, p), repeat)),
                    "queries": counted.count,
                }
            raw = summary(timed(lambda m=municipality.pk: _raw_reference(m), repeat))
            figures["raw_sql_reference"] = raw
            figures["measures_api_to_raw_sql_ratio"] = round(
                figures["measures_api"]["median_ms"] / max(raw["median_ms"], 0.001), 1
            )
            results.append(figures)
    return {
        "benchmark": "strategy",
        "database": connection.vendor,
        "repeat": repeat,
        "target": "median under 50 ms at 1,000 measures for the house page and the catalogue",
        "results": results,
    }
