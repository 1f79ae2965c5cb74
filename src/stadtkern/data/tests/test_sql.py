"""The read-only SQL endpoint: joins across datasets and municipalities, and every refusal."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from stadtkern.data import sql
from stadtkern.data.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)


def _square(x, y, d):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
    }


@pytest.fixture
def districts_and_shops(alpha, load):
    districts = Dataset.objects.create(municipality=alpha, slug="bezirke", title="Bezirke")
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "West"},
                "geometry": _square(6.0, 51.0, 0.1),
            },
            {"type": "Feature", "properties": {"name": "Ost"}, "geometry": _square(6.1, 51.0, 0.1)},
        ],
    }
    load(districts, json.dumps(doc).encode(), "bezirke.geojson")
    shops = Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    load(
        shops,
        b"nr;lon;lat;status\n1;6.05;51.05;leer\n2;6.06;51.02;belegt\n3;6.15;51.05;leer\n4;6.5;51.5;leer\n",
        "laeden.csv",
    )
    return districts, shops


def run(query, user=None, home=None, **kw):
    return sql.run(query, user or AnonymousUser(), home, **kw)


def test_vacancy_per_district_by_spatial_join(alpha, districts_and_shops):
    result = run(
        """
        SELECT b.name, COUNT(l.nr) AS einheiten,
               SUM(CASE WHEN l.status = 'leer' THEN 1 ELSE 0 END) AS leer
        FROM bezirke b LEFT JOIN laeden l ON sk_within(l._minx, l._miny, b.geometry)
        GROUP BY b.name ORDER BY b.name
        """,
        home=alpha,
    )
    assert result.columns == ["name", "einheiten", "leer"]
    assert result.rows == [["Ost", 1, 1], ["West", 2, 1]]


def test_other_municipalities_public_datasets_by_qualified_name(
    alpha, beta, districts_and_shops, load
):
    mine = Dataset.objects.create(municipality=beta, slug="zahlen", title="Zahlen")
    load(mine, b"nr;wert\n1;10\n3;30\n")
    result = run(
        "SELECT z.wert FROM zahlen z JOIN alpha.laeden l ON l.nr = z.nr ORDER BY 1", home=beta
    )
    assert result.rows == [[10], [30]]


def test_internal_datasets_are_invisible_to_outsiders(alpha, beta, districts_and_shops, personas):
    Dataset.objects.filter(slug="laeden").update(access="internal")
    with pytest.raises(sql.QueryError, match="no dataset 'alpha.laeden'") as refused:
        run("SELECT * FROM alpha.laeden", user=personas["other_editor"], home=beta)
    assert refused.value.status == 404
    assert len(run("SELECT * FROM laeden", user=personas["viewer"], home=alpha).rows) == 4


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("DELETE FROM laeden", "Only SELECT"),
        ("UPDATE laeden SET status = 'x'", "Only SELECT"),
        ("DROP TABLE laeden", "Only SELECT"),
        ("SELECT 1; SELECT 2", "exactly one statement"),
        ("SELECT * FROM laeden; DELETE FROM laeden", "exactly one statement"),
        ("SELECT * FROM core_user", "no dataset 'core_user'"),
        ("SELECT * FROM data_dataset", "no dataset 'data_dataset'"),
        ("SELECT * FROM pg_catalog.pg_user", "Unknown municipality"),
        ("SELECT * FROM sqlite_master", "no dataset 'sqlite_master'"),
        ("SELECT pg_sleep(10)", "pg_sleep is not allowed"),
        ("SELECT sleep(10)", "sleep is not allowed"),
        ("SELECT randomblob(1000000000)", "randomblob is not allowed"),
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file is not allowed"),
        ("SELECT * INTO kopie FROM laeden", "Only SELECT"),
        ("SELECT * FROM", "not valid SQL"),
        ("", "empty"),
        ("SELECT * FROM a.b.c", "at most two parts"),
    ],
)
def test_refused_queries(alpha, districts_and_shops, query, reason):
    with pytest.raises(sql.QueryError, match=reason):
        run(query, home=alpha)
    assert Dataset.objects.get(slug="laeden").row_count == 4


def test_time_limit_stops_a_runaway_query(alpha, districts_and_shops, settings):
    settings.DATASTORE_SQL_TIMEOUT_MS = 300
    with pytest.raises(sql.QueryError, match="longer than the limit") as stopped:
        run(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
            home=alpha,
        )
    assert stopped.value.status == 408
    assert len(run("SELECT * FROM laeden", home=alpha).rows) == 4


def test_row_limit_truncates(alpha, districts_and_shops):
    result = run("SELECT nr FROM laeden ORDER BY nr", home=alpha, max_rows=2)
    assert result.rows == [[1], [2]] and result.truncated


def test_database_errors_are_reported_not_raised(alpha, districts_and_shops):
    with pytest.raises(sql.QueryError, match="refused the query"):
        run("SELECT no_such_column FROM laeden", home=alpha)
