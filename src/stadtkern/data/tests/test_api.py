"""The data API: catalogue, permissions, uploads with preview and commit, rows, downloads."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stadtkern.core.models import AuditEntry
from stadtkern.data.models import Dataset, ImportRun

pytestmark = pytest.mark.django_db

BASE = "/api/v1/municipalities/alpha/datasets"


@pytest.fixture
def shops(alpha, load):
    dataset = Dataset.objects.create(
        municipality=alpha, slug="laeden", title="Läden", themes=["ECON"], keywords=["Leerstand"]
    )
    lines = ["nr;name;flaeche;status;seit"]
    for i in range(1, 121):
        status = "leer" if i % 3 == 0 else "belegt"
        seit = f"{(i % 28) + 1:02d}.0{(i % 9) + 1}.2024" if status == "leer" else ""
        lines.append(f'{i};=HYPERLINK("x");{(i * 7) % 50 + 20},5;{status};{seit}')
    lines.append("121;-Kiosk;;leer;")
    load(dataset, "\n".join(lines).encode())
    dataset.refresh_from_db()
    return dataset


def test_catalogue_with_facets(client, shops, beta):
    Dataset.objects.create(municipality=beta, slug="geheim", title="Geheim", access="internal")
    body = client.get("/api/v1/datasets").json()
    assert [d["slug"] for d in body["items"]] == ["laeden"]
    assert body["facets"]["theme"] == [["ECON", 1]]
    assert client.get("/api/v1/datasets?q=leerstand").json()["items"][0]["row_count"] == 121
    assert client.get("/api/v1/datasets?theme=TRAN").json()["items"] == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 401),
        ("viewer", 403),
        ("other_editor", 403),
        ("editor", 201),
        ("admin", 201),
        ("staff", 201),
    ],
)
def test_who_may_create_datasets(client, personas, token_for, persona, status):
    payload = {"slug": "neu", "title": "Neu", "themes": ["REGI"], "license": "cc-by/4.0"}
    response = client.post(
        BASE, payload, content_type="application/json", **token_for(personas[persona])
    )
    assert response.status_code == status
    assert Dataset.objects.filter(slug="neu").exists() == (status == 201)
    if status == 201:
        assert AuditEntry.objects.filter(object_type="dataset", action="create").count() == 1


def test_bad_metadata_is_a_problem_naming_the_field(client, personas, token_for, shops):
    auth = token_for(personas["editor"])
    for payload, field in [
        ({"slug": "Groß", "title": "x"}, "slug"),
        ({"slug": "ok", "title": "x", "themes": ["XXX"]}, "themes.0"),
        ({"slug": "ok", "title": "x", "license": "proprietary"}, "license"),
        ({"slug": "laeden", "title": "doppelt"}, "__all__"),
        (
            {
                "slug": "ok",
                "title": "x",
                "temporal_start": "2024-02-01",
                "temporal_end": "2024-01-01",
            },
            None,
        ),
    ]:
        response = client.post(BASE, payload, content_type="application/json", **auth)
        assert response.status_code == 422, payload
        assert response["Content-Type"] == "application/problem+json"
        if field not in (None, "__all__"):
            assert field in [e["field"] for e in response.json()["errors"]]
    assert Dataset.objects.count() == 1


def test_internal_datasets_are_hidden_from_outsiders(client, personas, token_for, shops):
    Dataset.objects.filter(pk=shops.pk).update(access="internal")
    assert client.get(f"{BASE}/laeden").status_code == 404
    assert (
        client.get(f"{BASE}/laeden/rows", **token_for(personas["other_editor"])).status_code == 404
    )
    assert client.get(f"{BASE}/laeden/rows", **token_for(personas["viewer"])).status_code == 200
    assert client.get("/api/v1/datasets").json()["items"] == []


def test_rows_filters_sort_and_fields(client, shops):
    body = client.get(
        f"{BASE}/laeden/rows?status=leer&flaeche__gte=60&sort=-flaeche&fields=nr,flaeche&count=true"
    ).json()
    assert body["count"] == len(body["items"]) > 0
    values = [r["flaeche"] for r in body["items"]]
    assert values == sorted(values, reverse=True) and min(values) >= 60
    assert set(body["items"][0]) == {"_id", "nr", "flaeche"}
    assert client.get(f"{BASE}/laeden/rows?nr__in=3,5,7").json()["items"][0]["nr"] == 3
    assert len(client.get(f"{BASE}/laeden/rows?seit__null=true&limit=1000").json()["items"]) == 81
    assert client.get(f"{BASE}/laeden/rows?name__contains=kiosk").json()["items"][0]["nr"] == 121
    assert (
        len(client.get(f"{BASE}/laeden/rows?seit__gte=2024-05-01&limit=1000").json()["items"]) > 0
    )


@pytest.mark.parametrize("sort", [None, "flaeche", "-flaeche", "seit", "-seit", "name"])
def test_keyset_pages_visit_every_row_once_in_order(client, shops, sort):
    seen, cursor = [], None
    while True:
        url = (
            f"{BASE}/laeden/rows?limit=7"
            + (f"&sort={sort}" if sort else "")
            + (f"&cursor={cursor}" if cursor else "")
        )
        body = client.get(url).json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(r["nr"] for r in seen) == list(range(1, 122))
    everything = client.get(
        f"{BASE}/laeden/rows?limit=1000" + (f"&sort={sort}" if sort else "")
    ).json()["items"]
    assert [r["_id"] for r in seen] == [r["_id"] for r in everything]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("nixda=1", "nixda"),
        ("flaeche__gte=viel", "flaeche__gte"),
        ("flaeche__like=1", "flaeche__like"),
        ("sort=nixda", "sort"),
        ("fields=nr,nixda", "fields"),
        ("cursor=!!!", "cursor"),
        ("seit=31.02.2024", "seit"),
        ("nr=99999999999999999999999", "nr"),
        ("bbox=1,2,3", "bbox"),
        ("seit__null=vielleicht", "seit__null"),
    ],
)
def test_bad_row_parameters_are_problems_naming_the_parameter(client, shops, query, field):
    response = client.get(f"{BASE}/laeden/rows?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_csv_download_neutralises_formulas_and_keeps_numbers(client, shops):
    response = client.get(f"{BASE}/laeden/export/csv?fields=nr,name,flaeche&nr__in=1,121")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["nr", "name", "flaeche"]
    assert rows[1] == ["1", '\'=HYPERLINK("x")', "27.5"]
    assert rows[2] == ["121", "'-Kiosk", ""]


def test_json_and_xlsx_downloads(client, shops):
    from python_calamine import CalamineWorkbook

    items = json.loads(b"".join(client.get(f"{BASE}/laeden/export/json").streaming_content))
    assert len(items) == 121 and items[0]["nr"] == 1
    response = client.get(f"{BASE}/laeden/export/xlsx?status=leer")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.get_sheet_by_index(0).to_python()
    assert sheet[0][:2] == ["nr", "name"] and len(sheet) == 1 + 41
    assert sheet[1][1].startswith("'=")
    assert client.get(f"{BASE}/laeden/export/geojson").status_code == 404


def _upload(client, auth, content, name="daten.csv", **fields):
    data = {"file": SimpleUploadedFile(name, content)} | fields
    return client.post(f"{BASE}/laeden/imports", data, **auth)


def test_upload_preview_then_commit_with_type_override(client, personas, token_for, shops):
    auth = token_for(personas["editor"])
    response = _upload(
        client, auth, b"nr;plz\n1;47441\n2;4744a\n", dry_run="true", types='{"plz": "integer"}'
    )
    assert response.status_code == 200
    preview = response.json()
    assert preview["status"] == "preview" and preview["rows_rejected"] == 1
    assert [(c["type"], c["inferred"]) for c in preview["columns"]] == [
        ("integer", "integer"),
        ("integer", "text"),
    ]
    assert Dataset.objects.get(pk=shops.pk).version == 1
    response = client.post(
        f"{BASE}/laeden/imports/{preview['id']}/commit",
        {"types": {"plz": "text"}},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    done = response.json()
    assert (done["status"], done["version"], done["rows_imported"], done["rows_rejected"]) == (
        "done",
        2,
        2,
        0,
    )
    assert done["created_by"] == "editor"
    rows = client.get(f"{BASE}/laeden/rows").json()["items"]
    assert [r["plz"] for r in rows] == ["47441", "4744a"]
    history = client.get(f"{BASE}/laeden/imports").json()
    assert [h["status"] for h in history][:2] == ["done", "preview"]


def test_failed_upload_is_a_problem_with_the_report_and_keeps_the_data(
    client, personas, token_for, shops
):
    auth = token_for(personas["editor"])
    response = _upload(client, auth, b"nr\n1\nzwei\n", types='{"nr": "integer"}', on_error="abort")
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Import failed" and body["import"]["rows_rejected"] == 1
    assert body["import"]["errors"][0] == {
        "line": 3,
        "column": "nr",
        "value": "zwei",
        "reason": body["import"]["errors"][0]["reason"],
    }
    assert client.get(f"{BASE}/laeden/rows?count=true").json()["count"] == 121
    assert _upload(client, auth, b"", "leer.csv").status_code == 422
    assert _upload(client, auth, b"a\n1\n", types="kaputt").status_code == 400


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "other_editor"])
def test_only_editors_upload(client, personas, token_for, shops, persona):
    response = _upload(client, token_for(personas[persona]), b"nr\n1\n", "fremd.csv")
    assert response.status_code in (401, 403)
    assert not ImportRun.objects.filter(file_name="fremd.csv").exists()


@pytest.mark.django_db(transaction=True)  # the SQL sandbox reads committed data
def test_sql_endpoint_and_saved_queries(client, personas, token_for, shops):
    response = client.post(
        "/api/v1/sql",
        {
            "sql": "SELECT status, COUNT(*) AS n FROM laeden GROUP BY status ORDER BY status",
            "municipality": "alpha",
        },
        content_type="application/json",
    )
    assert response.json()["rows"] == [["belegt", 80], ["leer", 41]]
    refused = client.post(
        "/api/v1/sql",
        {"sql": "DELETE FROM laeden", "municipality": "alpha"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "sql"
    auth = token_for(personas["editor"])
    payload = {
        "slug": "leer",
        "title": "Leerstand",
        "sql": "SELECT COUNT(*) AS n FROM laeden WHERE status = 'leer'",
    }
    assert (
        client.post(
            "/api/v1/municipalities/alpha/queries", payload, content_type="application/json", **auth
        ).status_code
        == 201
    )
    assert client.get("/api/v1/municipalities/alpha/queries/leer/result").json()["rows"] == [[41]]
    bad = payload | {"slug": "kaputt", "sql": "DROP TABLE laeden"}
    assert (
        client.post(
            "/api/v1/municipalities/alpha/queries", bad, content_type="application/json", **auth
        ).status_code
        == 422
    )


def test_xlsx_refuses_more_rows_than_a_sheet_holds_instead_of_cutting(client, shops, monkeypatch):
    from stadtkern.data import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 100)  # 121 shops: one sheet too many
    response = client.get(f"{BASE}/laeden/export/xlsx")
    assert response.status_code == 413
    assert "CSV" in response.json()["detail"] and "121" in response.json()["detail"]
    assert client.get(f"{BASE}/laeden/export/xlsx?status=leer").status_code == 200  # 41 fit
    csv_rows = b"".join(client.get(f"{BASE}/laeden/export/csv").streaming_content).splitlines()
    assert len(csv_rows) == 122
