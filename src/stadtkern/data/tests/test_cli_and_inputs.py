"""The import and sql commands, the spatial join endpoint, and generated input for every
parser of user text (SQL, row filters, CQL2): a clear refusal, never anything else."""

import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stadtkern.data import ogcapi, sql
from stadtkern.data.models import Dataset, ImportRun
from stadtkern.data.rowfilters import FilterError, build_query

from .conftest import MOERS

pytestmark = pytest.mark.django_db


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_command_prints_a_summary_and_a_progress_bar(alpha):
    out, err = run_command(
        "import", str(MOERS), "--municipality", "05111000", "--dataset", "passanten"
    )
    summary = json.loads(out)
    assert summary["dataset"] == "alpha.passanten" and summary["version"] == 1
    assert (summary["rows_imported"], summary["rows_rejected"]) == (744, 0)
    assert {"name": "zeitpunkt_der_messung", "type": "timestamp"} in summary["columns"]
    assert any("\ufffd" in w for w in summary["warnings"])
    assert "744 rows" in err or "100%" in err


def test_import_command_modes_types_and_failures(alpha, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("id;plz\n1;47441\n2;04109\n", encoding="utf-8")
    out, _err = run_command(
        "import", str(first), "--municipality", "alpha", "--dataset", "orte", "--type", "id=integer"
    )
    assert json.loads(out)["columns"] == [
        {"name": "id", "type": "integer"},
        {"name": "plz", "type": "text"},
    ]
    second = tmp_path / "b.csv"
    second.write_text("id;plz\n2;04110\n3;10115\n", encoding="utf-8")
    out, _err = run_command(
        "import",
        str(second),
        "--municipality",
        "alpha",
        "--dataset",
        "orte",
        "--mode",
        "upsert",
        "--key",
        "id",
    )
    assert json.loads(out)["version"] == 2
    assert Dataset.objects.get(slug="orte").row_count == 3
    bad = tmp_path / "c.csv"
    bad.write_text("id;plz\nx;1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="import failed") as failed:
        run_command(
            "import",
            str(bad),
            "--municipality",
            "alpha",
            "--dataset",
            "orte",
            "--type",
            "id=integer",
            "--abort-on-error",
        )
    assert failed.value.returncode == 1
    assert Dataset.objects.get(slug="orte").version == 2
    for args, code in [
        (["/nicht/da.csv", "--municipality", "alpha", "--dataset", "x"], 2),
        ([str(first), "--municipality", "99999999", "--dataset", "x"], 2),
        ([str(first), "--municipality", "alpha", "--dataset", "Groß"], 2),
        ([str(first), "--municipality", "alpha", "--dataset", "x", "--type", "id"], 2),
    ]:
        with pytest.raises(CommandError) as refused:
            run_command("import", *args)
        assert refused.value.returncode == code
    assert not Dataset.objects.filter(slug="x").exists()


def test_import_of_nothing_exits_non_zero_and_creates_no_dataset(alpha, tmp_path):
    empty = tmp_path / "leer.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as failed:
        run_command("import", str(empty), "--municipality", "alpha", "--dataset", "leer")
    assert failed.value.returncode == 1
    assert not Dataset.objects.filter(slug="leer").exists()


@pytest.mark.django_db(transaction=True)  # the SQL sandbox reads committed data
def test_sql_command(alpha, load, dataset):
    load(dataset, b"a;b\n1;x\n2;y\n")
    out, _err = run_command("sql", "SELECT SUM(a) AS s FROM daten", "--municipality", "alpha")
    assert json.loads(out)["rows"] == [[3]]
    with pytest.raises(CommandError, match="query refused") as refused:
        run_command("sql", "DROP TABLE daten", "--municipality", "alpha")
    assert refused.value.returncode == 1


def test_spatial_join_endpoint(client, alpha, load):
    districts = Dataset.objects.create(municipality=alpha, slug="bezirke", title="Bezirke")
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n}, "geometry": {"type": "Polygon", "coordinates": [[[x, 51], [x + 1, 51], [x + 1, 52], [x, 52], [x, 51]]]}}
        for n, x in (("West", 6), ("Ost", 7))
    ]}  # fmt: skip
    load(districts, json.dumps(doc).encode(), "b.geojson")
    shops = Dataset.objects.create(municipality=alpha, slug="laeden", title="Läden")
    load(
        shops,
        b"nr;lon;lat;status\n1;6.5;51.5;leer\n2;6.6;51.2;belegt\n3;7.5;51.5;leer\n4;7.0;51.5;leer\n",
    )
    body = client.get("/api/v1/municipalities/alpha/datasets/laeden/within?polygons=bezirke").json()
    counts = {r["polygon"]["name"]: r["count"] for r in body}
    # The point on the shared border (7.0) counts once, for the first district.
    assert counts == {"West": 3, "Ost": 1}
    vacant = client.get(
        "/api/v1/municipalities/alpha/datasets/laeden/within?polygons=bezirke&status=leer"
    ).json()
    assert {r["polygon"]["name"]: r["count"] for r in vacant} == {"West": 2, "Ost": 1}
    assert (
        client.get("/api/v1/municipalities/alpha/datasets/laeden/within?polygons=nixda").status_code
        == 404
    )


@pytest.fixture
def small(alpha, load):
    dataset = Dataset.objects.create(municipality=alpha, slug="klein", title="Klein")
    load(
        dataset,
        b"nr;name;wert;tag;lon;lat\n1;a;1,5;01.01.2024;6.5;51.5\n2;b;2,5;02.01.2024;6.6;51.6\n",
    )
    dataset.refresh_from_db()
    return dataset


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SQLISH = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                "SELECT",
                "*",
                "FROM",
                "klein",
                "alpha.klein",
                "WHERE",
                "nr",
                "=",
                "1",
                ";",
                "(",
                ")",
                "'x'",
                "--",
                "/*",
                "UNION",
                "DROP",
                "sk_within(lon, lat, name)",
                "pg_sleep(1)",
                ",",
                "JOIN",
                "ON",
                "GROUP BY",
                "LIMIT",
            ]
        ),
        max_size=14,
    ).map(" ".join),
)


@SETTINGS
@given(query=SQLISH)
def test_sql_never_fails_but_with_a_refusal(small, query):
    try:
        result = sql.run(query, AnonymousUser(), small.municipality, max_rows=10)
    except sql.QueryError as exc:
        assert str(exc) and exc.status in (400, 404, 408, 409)
        return
    assert isinstance(result.rows, list)


@SETTINGS
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "nr",
                "name",
                "wert",
                "tag",
                "sort",
                "fields",
                "bbox",
                "nr__in",
                "wert__gte",
                "tag__lt",
                "name__contains",
                "name__null",
                "x__y",
                "geometry",
            ]
        ),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_row_filters_never_fail_but_with_a_refusal(small, params):
    try:
        query = build_query(small, params)
    except FilterError as exc:
        assert exc.field
        return
    rows, _cursor = query.page(limit=5)
    assert len(rows) <= 5


@SETTINGS
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                [
                    "nr",
                    "name",
                    "wert",
                    ">",
                    "=",
                    "<>",
                    "1",
                    "'a'",
                    "AND",
                    "OR",
                    "NOT",
                    "LIKE",
                    "'%'",
                    "IN",
                    "(",
                    ")",
                    ",",
                    "IS",
                    "NULL",
                    "BETWEEN",
                    "password",
                    ";",
                ]
            ),
            max_size=10,
        ).map(" ".join),
    )
)
def test_cql2_filters_never_fail_but_with_a_refusal(client, small, text):
    response = client.get("/ogcapi/collections/alpha.klein/items", {"filter": text})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"


def test_cql2_where_rejects_what_basic_cql2_does_not_offer(small):
    for text in ["nr = (SELECT 1)", "pg_sleep(1) = 1", "other.nr = 1", "nr = 1; DROP TABLE x"]:
        with pytest.raises(ogcapi.OgcError):
            ogcapi.cql2_where(small, text)
    assert ImportRun.objects.filter(dataset=small).count() == 1


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@SETTINGS
@given(
    sort=st.sampled_from([None, "nr", "-name", "wert", "-tag", "name"]),
    values=st.lists(JSONISH, max_size=3),
)
@example(sort="-tag", values=["2024-01-01", 1])
@example(sort="-tag", values=["kein Datum", 1])
@example(sort="name", values=["a\x00", 1])
@example(sort="wert", values=[1.5, 2**70])
@example(sort=None, values=[True])
def test_forged_cursors_are_refused_or_read_never_failing(small, sort, values):
    import base64
    import json

    from stadtkern.data.rowfilters import parse_cursor

    query = build_query(small, {"sort": sort} if sort else {})
    text = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    try:
        after = parse_cursor(query, text)
    except FilterError as exc:
        assert exc.field == "cursor"
        return
    rows, _cursor = query.page(limit=5, after=after)
    assert len(rows) <= 5
