"""Computation through the real job queue: values with provenance from a saved query, a
sensor aggregation and a pulse check; every failure shown on the indicator while the last
good values stay."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from stadtkern.core import jobs
from stadtkern.core.models import Job, JobStatus
from stadtkern.data import importing
from stadtkern.data.models import Dataset, SavedQuery
from stadtkern.indicators import jobs as indicator_jobs
from stadtkern.indicators import services
from stadtkern.indicators.models import Indicator
from stadtkern.sensors import services as sensor_services
from stadtkern.sensors.entities import TYPES
from stadtkern.sensors.models import Datastream

REGISTER = (
    "Jahr;Bezirk;Einheiten;Leer\n2022;Nord;100;12\n2022;Süd;50;9\n2023;Nord;100;10\n2023;Süd;50;6\n"
)
# The SQL sandbox reads on its own connection: what the test writes must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

SQL = (
    "SELECT jahr AS period, bezirk AS district, ROUND(100.0 * leer / einheiten, 1) AS value FROM laeden "
    "UNION ALL SELECT jahr, NULL, ROUND(100.0 * SUM(leer) / SUM(einheiten), 1) FROM laeden GROUP BY jahr"
)


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def _load(dataset, text: str, tmp_path):
    path = tmp_path / "laeden.csv"
    path.write_text(text, encoding="utf-8")
    return importing.run_import(dataset, path, "laeden.csv", importing.Options())


@pytest.fixture
def vacancy(alpha, tmp_path):
    dataset = Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    _load(dataset, REGISTER, tmp_path)
    query = SavedQuery.objects.create(municipality=alpha, slug="quote", title="Quote", sql=SQL)
    indicator = services.indicator_adopt(
        municipality=alpha, key="leerstandsquote", user=None, published=True
    )
    services.indicator_update(indicator=indicator, user=None, source="query", query=query)
    return indicator


def _values(indicator, district=""):
    return [(v.period, v.value) for v in indicator.values.filter(district=district).order_by("end")]


def test_a_saved_query_fills_the_indicator_per_district_with_its_dataset_version(vacancy, alpha):
    outcome = indicator_jobs.compute_now(alpha)
    assert outcome == [{"key": "leerstandsquote", "status": "done", "values": 6}]
    assert _values(vacancy) == [("2022", 14.0), ("2023", 10.7)]
    assert _values(vacancy, "Süd") == [("2022", 18.0), ("2023", 12.0)]
    value = vacancy.values.get(period="2023", district="")
    assert value.computed and value.start == date(2023, 1, 1) and value.end == date(2023, 12, 31)
    assert value.provenance["query"] == "quote"
    assert value.provenance["datasets"][0]["dataset"] == "laeden"
    assert value.provenance["datasets"][0]["version"] == 1
    job = Job.objects.get(kind="indicators.compute")
    assert job.status == JobStatus.DONE and job.municipality == alpha


@pytest.mark.parametrize(
    "sql, message",
    [
        (
            "SELECT jahr AS period, bezirk AS value, bezirk AS district FROM laeden",
            "is not a number",
        ),
        (
            "SELECT 'irgendwann' AS period, 1 AS value, bezirk AS district FROM laeden",
            "is no period",
        ),
        ("SELECT jahr AS period, leer AS value FROM laeden WHERE 1 = 0", "no rows"),
        ("SELECT jahr AS zeit, leer AS value FROM laeden", "no period column"),
        (
            "SELECT jahr AS period, leer AS value, NULL AS district FROM laeden",
            "two values for 2022",
        ),
        ("SELECT jahr AS period, leer AS value FROM laeden", "no district column"),
        ("SELECT * FROM nicht_da", "no dataset"),
        ("DELETE FROM laeden", "Only SELECT"),
    ],
)
def test_a_bad_query_is_shown_on_the_indicator_and_the_last_good_values_stay(
    vacancy, alpha, sql, message
):
    indicator_jobs.compute_now(alpha)
    before = _values(vacancy)
    SavedQuery.objects.filter(pk=vacancy.query_id).update(sql=sql)
    vacancy.refresh_from_db()
    outcome = indicator_jobs.compute_now(alpha)
    assert outcome[0]["status"] == "failed" and message in outcome[0]["error"]
    vacancy.refresh_from_db()
    assert message in vacancy.error and vacancy.error_at is not None
    assert _values(vacancy) == before


def test_a_deleted_dataset_or_query_is_a_message_not_a_crash(vacancy, alpha):
    indicator_jobs.compute_now(alpha)
    Dataset.objects.filter(slug="laeden").delete()
    assert "no dataset" in indicator_jobs.compute_now(alpha)[0]["error"]
    SavedQuery.objects.all().delete()
    vacancy.refresh_from_db()
    assert "was deleted" in indicator_jobs.compute_now(alpha)[0]["error"]
    assert _values(vacancy) == [("2022", 14.0), ("2023", 10.7)]


def test_a_computation_that_crashes_half_way_keeps_the_last_good_values(
    vacancy, alpha, monkeypatch
):
    indicator_jobs.compute_now(alpha)

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("django.db.models.query.QuerySet.bulk_create", broken)
    outcome = indicator_jobs.compute_now(alpha)
    assert outcome[0]["status"] == "failed" and "unexpected error" in outcome[0]["error"]
    monkeypatch.undo()
    assert _values(vacancy) == [("2022", 14.0), ("2023", 10.7)]


def test_a_new_dataset_version_is_noticed_by_the_schedule_and_earlier_periods_stay(
    vacancy, alpha, tmp_path
):
    indicator_jobs.compute_now(alpha)
    assert indicator_jobs.due() == 0  # nothing changed
    _load(
        Dataset.objects.get(slug="laeden"),
        "Jahr;Bezirk;Einheiten;Leer\n2024;Nord;100;8\n2024;Süd;50;5\n",
        tmp_path,
    )
    assert indicator_jobs.due() == 1
    assert indicator_jobs.due() == 0  # queued once, not again
    assert jobs.run_pending() == 1
    assert _values(vacancy) == [("2022", 14.0), ("2023", 10.7), ("2024", 8.7)]
    assert vacancy.values.get(period="2024", district="").provenance["datasets"][0]["version"] == 2
    assert vacancy.values.get(period="2022", district="").provenance["datasets"][0]["version"] == 1


def test_internal_datasets_of_another_municipality_stay_closed_to_a_query(vacancy, alpha, beta):
    Dataset.objects.filter(slug="laeden").update(access="internal")
    mine = services.indicator_adopt(municipality=beta, key="leerstandsquote", user=None)
    query = SavedQuery.objects.create(
        municipality=beta,
        slug="fremd",
        title="Fremd",
        sql="SELECT jahr AS period, leer AS value, bezirk AS district FROM alpha.laeden",
    )
    services.indicator_update(indicator=mine, user=None, source="query", query=query)
    outcome = indicator_jobs.compute_now(beta)
    assert outcome[0]["status"] == "failed" and "no dataset" in outcome[0]["error"]
    assert not mine.values.exists()


def _stream(municipality) -> Datastream:
    ctx = sensor_services.Context(municipality.pk)
    sensor_services.create_entity(ctx, TYPES["Thing"], {
        "name": "Station", "description": "-",
        "Locations": [{"name": "Station", "description": "-", "encodingType": "application/geo+json",
                       "location": {"type": "Point", "coordinates": [6.6, 51.4]}}],
        "Datastreams": [{"name": "NO2", "description": "-", "observationType":
                         "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                         "unitOfMeasurement": {"name": "µg/m³", "symbol": "µg/m³", "definition": "-"},
                         "Sensor": {"name": "S", "description": "-", "encodingType": "text/html", "metadata": "-"},
                         "ObservedProperty": {"name": "NO2", "definition": "-", "description": "-"}}],
    })  # fmt: skip
    ds = Datastream.objects.get(municipality=municipality, name="NO2")
    foi = sensor_services.feature_for(ctx, ds).pk
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = [(ds.pk, foi, start + timedelta(hours=6 * i), None, None, 30.0 if i < 1460 else 20.0,
             None, None, None, None, None) for i in range(2 * 1460)]  # fmt: skip
    with transaction.atomic():
        sensor_services.insert_observations(rows)
        sensor_services.refresh_datastreams([ds.pk])
    ds.refresh_from_db()
    return ds


def test_a_sensor_aggregation_gives_annual_means_with_the_observations_behind_them(alpha):
    ds = _stream(alpha)
    indicator = services.indicator_adopt(municipality=alpha, key="no2_jahresmittel", user=None)
    services.indicator_update(indicator=indicator, user=None, source="sensor", datastream=ds,
                              sensor_interval="1y", sensor_function="avg")  # fmt: skip
    assert indicator_jobs.compute_now(alpha)[0]["status"] == "done"
    values = list(indicator.values.order_by("end"))
    assert [(v.period, round(v.value, 3)) for v in values][:2] == [("2023", 30.0), ("2024", 20.0)]
    assert values[0].provenance["observations"] == 1460
    assert (
        values[0].provenance["from"] == "2023-01-01" and values[0].provenance["to"] == "2023-12-31"
    )
    ds.delete()
    indicator.refresh_from_db()
    assert "was deleted" in indicator_jobs.compute_now(alpha)[0]["error"]
    assert indicator.values.count() == len(values)


def test_the_cli_loads_computes_and_prints_values(vacancy, alpha, tmp_path, capsys):
    definition = tmp_path / "eigene.yml"
    definition.write_text(
        "- key: leerstand_eigen\n  name: {de: Leerstand, en: Vacancy}\n  unit: '%'\n  direction: lower\n"
        "  level: district\n  source: {kind: query, query: quote}\n"
        "  target: {baseline: {date: 2022-12-31, value: 14}, target: {date: 2030-12-31, value: 8}, tolerance: 0.5}\n",
        encoding="utf-8",
    )
    call_command("indicators", "load", str(definition), "--municipality", alpha.ags)
    assert json.loads(capsys.readouterr().out) == {
        "created": 1,
        "updated": 0,
        "keys": ["leerstand_eigen"],
    }
    call_command("indicators", "compute", "--municipality", alpha.ags, "--key", "leerstand_eigen")
    assert json.loads(capsys.readouterr().out)["outcomes"][0]["status"] == "done"
    call_command("indicators", "values", "--municipality", alpha.ags, "leerstand_eigen")
    out = json.loads(capsys.readouterr().out)
    assert out["key"] == "leerstand_eigen" and out["unit"] == "%"
    whole = [v for v in out["values"] if v["district"] is None]
    assert whole == [{"period": "2022", "district": None, "value": 14.0, "status": None},
                     {"period": "2023", "district": None, "value": 10.7, "status": "on_track"}]  # fmt: skip
    assert {"period": "2023", "district": "Süd", "value": 12.0, "status": None} in out["values"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("- key: x\n", "key is lower-case"),
        ("- key: abc\n", "'name' is missing"),
        ("- key: abc\n  name: A\n  direction: up\n", "'direction' is one of"),
        (
            "- key: abc\n  name: A\n  target: {baseline: {date: 2030-01-01, value: 1}, target: {date: 2020-01-01, value: 2}}\n",
            "target date must lie after",
        ),
        ("- key: abc\n  name: A\n  source: {kind: query, query: fehlt}\n", "no saved query"),
        ("key: [", "not valid YAML"),
        ("- key: abc\n  name: A\n  limit: {value: .inf, de: x}\n", "'limit.value' is a number"),
        (
            "- key: abc\n  name: A\n  target: {baseline: {date: 2020-01-01, value: 1}, target: {date: 2030-01-01, value: 2}, tolerance: .nan}\n",
            "'target.tolerance' is a number",
        ),
        (
            "- key: abc\n  name: A\n  target: {baseline: {date: 2020-01-01, value: 1}, target: {date: 2030-01-01, value: 2},"
            " milestones: [{date: 2025-01-01, value: 1}, {date: 2025-01-01, value: 2}]}\n",
            "two milestones",
        ),
        (
            "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
            "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n"
            "indicators: [{key: abc, name: A, unit: *e}]\n",
            "is a text",
        ),
    ],
)
def test_bad_definitions_exit_with_the_entry_and_the_reason(alpha, tmp_path, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("indicators", "load", str(path), "--municipality", alpha.slug)
    assert not Indicator.objects.filter(municipality=alpha, key="abc").exists()


def test_a_job_whose_process_died_ends_as_failed_with_a_message(vacancy, alpha):
    from django_tasks_db.models import DBTaskResult

    job = indicator_jobs.enqueue_compute(alpha, [vacancy])
    row = DBTaskResult.objects.get()
    row.claim("dead-worker")
    assert jobs.fail_abandoned({"dead-worker"}) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped while running" in job.error


def test_the_schedule_looks_at_any_number_of_indicators_in_a_fixed_number_of_queries(
    vacancy, alpha
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    indicator_jobs.compute_now(alpha)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert indicator_jobs.due() == 0
        return len(ctx.captured_queries)

    before = count()
    for n in range(5):
        other = services.indicator_adopt(
            municipality=alpha,
            key=["pkw_dichte", "abfallmenge", "straftaten", "arbeitslosenquote", "wohnflaeche"][n],
            user=None,
        )
        services.indicator_update(
            indicator=other, user=None, source="query", query=vacancy.query, level="district"
        )
    indicator_jobs.compute_now(alpha)
    assert count() == before


def test_a_published_indicator_is_computed_from_public_sources_only(vacancy, alpha, personas):
    from django.core.exceptions import ValidationError

    indicator_jobs.compute_now(alpha)
    # An internal dataset, a non-public query: publication is refused, and a published
    # indicator whose source turns internal loses its computed values at the next run.
    Dataset.objects.filter(slug="laeden").update(access="internal")
    outcome = indicator_jobs.compute_now(alpha)
    assert outcome[0]["status"] == "failed" and "internal datasets (laeden)" in outcome[0]["error"]
    assert not vacancy.values.exists()
    services.indicator_update(indicator=vacancy, user=None, published=False)
    assert indicator_jobs.compute_now(alpha)[0]["status"] == "done"  # the team may compute it
    with pytest.raises(ValidationError, match="internal datasets"):
        services.indicator_update(indicator=vacancy, user=None, published=True)
    Dataset.objects.filter(slug="laeden").update(access="public")
    SavedQuery.objects.filter(pk=vacancy.query_id).update(public=False)
    vacancy.refresh_from_db()
    with pytest.raises(ValidationError, match="query is not public"):
        services.indicator_update(indicator=vacancy, user=None, published=True)


def test_a_failing_source_is_tried_again_when_it_changes_or_a_day_later_not_every_minute(
    vacancy, alpha
):
    SavedQuery.objects.filter(pk=vacancy.query_id).update(sql="SELECT 1 AS period")
    vacancy.refresh_from_db()
    assert indicator_jobs.compute_now(alpha)[0]["status"] == "failed"
    assert indicator_jobs.due() == 0
    SavedQuery.objects.filter(pk=vacancy.query_id).update(sql=SQL)
    assert indicator_jobs.due() == 1


def test_a_second_request_while_a_computation_waits_adds_no_job(vacancy, alpha):
    assert indicator_jobs.enqueue_compute(alpha, [vacancy]) is not None
    assert indicator_jobs.enqueue_compute(alpha, [vacancy]) is None
    assert Job.objects.filter(kind="indicators.compute").count() == 1


@pytest.mark.parametrize("value", ["1.7e308", "-1e16", "1e400"])
def test_values_no_indicator_holds_are_a_message_not_a_crash(vacancy, alpha, value):
    SavedQuery.objects.filter(pk=vacancy.query_id).update(
        sql=f"SELECT '2020' AS period, {value} AS value, NULL AS district FROM laeden"  # noqa: S608 - the query under test
    )
    vacancy.refresh_from_db()
    outcome = indicator_jobs.compute_now(alpha)[0]
    # SQLite hands 1e400 over as the text 'Infinity', PostgreSQL as a number
    assert outcome["status"] == "failed", outcome
    assert (
        "outside the range" in outcome["error"] or "'Infinity' is not a number" in outcome["error"]
    )


def test_a_template_key_keeps_the_templates_unit(alpha, tmp_path):
    from django.core.exceptions import ValidationError

    indicator = services.indicator_adopt(municipality=alpha, key="pkw_dichte", user=None)
    with pytest.raises(ValidationError, match="keeps that unit"):
        services.indicator_update(indicator=indicator, user=None, unit="Pkw je Haushalt")
    definition = tmp_path / "d.yml"
    definition.write_text("- key: pkw_dichte\n  name: Pkw\n  unit: Autos\n", encoding="utf-8")
    with pytest.raises(CommandError, match="keeps that unit"):
        call_command("indicators", "load", str(definition), "--municipality", alpha.slug)


def test_a_dataset_turned_internal_is_noticed_by_the_schedule_and_the_values_go(vacancy, alpha):
    indicator_jobs.compute_now(alpha)
    assert indicator_jobs.due() == 0
    Dataset.objects.filter(slug="laeden").update(access="internal")
    assert indicator_jobs.due() == 1
    jobs.run_pending()
    assert not vacancy.values.exists()


def test_the_comparison_is_named_by_the_template_not_by_a_municipality(
    client, vacancy, alpha, beta
):
    services.indicator_update(indicator=vacancy, user=None, name="Gefälschter Name")
    page = client.get("/indicators/leerstandsquote/").content.decode()
    assert "<h1>Leerstandsquote</h1>" in page and "Gefälschter Name</h1>" not in page
