"""Large SQLite loads through a staging file (staging.py) store what executemany stores.

The staging threshold is lowered so that small files take the staged path. On
PostgreSQL the same files go through COPY, and the same rows must come back.
"""

import glob

import pytest
from django.db import connection

from stadtkern.core.scratch import scratch_dir
from stadtkern.data import importing, staging
from stadtkern.data.models import Dataset

from .conftest import rows_of

CSV = (
    "nr;name;betrag;tag;zeit;aktiv;x;y\r\n"
    "1;Laden A;1.234,50;01.02.2024;2024-03-01 10:00:00.250000+01:00;ja;6.63;51.45\r\n"
    "2;Laden \\ B;;29.02.2024;2024-03-02 10:00:00+01:00;nein;6.64;51.46\r\n"
    "3;;-7;;;;6.65;51.47\r\n"
)


def _import(alpha, tmp_path, slug, content=CSV, **options):
    dataset = Dataset.objects.create(municipality=alpha, slug=slug, title=slug)
    path = tmp_path / f"{slug}.csv"
    path.write_bytes(content.encode())
    run = importing.run_import(dataset, path, path.name, importing.Options(**options))
    return dataset, run


def _stage_files() -> set[str]:
    return set(glob.glob(f"{scratch_dir()}/stadtkern-stage-*"))


@pytest.mark.django_db(transaction=True)
def test_a_staged_load_stores_what_executemany_stores(alpha, tmp_path, monkeypatch):
    before = _stage_files()
    plain, _ = _import(alpha, tmp_path, "plain")
    monkeypatch.setattr(staging, "STAGE_ROWS", 1)
    written = []
    write = staging.Stage.write
    monkeypatch.setattr(
        staging.Stage,
        "write",
        lambda stage, frame: (written.append(frame.height), write(stage, frame)),
    )
    staged, run = _import(alpha, tmp_path, "staged")
    assert run.rows_imported == 3
    assert written == ([3] if connection.vendor == "sqlite" else [])
    expected = rows_of(plain)
    assert rows_of(staged) == expected
    assert expected[0]["zeit"] == "2024-03-01T09:00:00.250000Z"
    assert expected[1]["name"] == "Laden \\ B" and expected[1]["betrag"] is None
    assert expected[2]["aktiv"] is None
    assert expected[0]["geometry"]["coordinates"] == [6.63, 51.45]
    # Nothing is left behind: no staging file, and no attached database after the import.
    assert _stage_files() == before
    if connection.vendor == "sqlite":
        assert staging._attached() == []


@pytest.mark.django_db(transaction=True)
def test_staged_appends_and_upserts_number_and_replace_rows_as_before(alpha, tmp_path, monkeypatch):
    results = []
    for stage_rows in (10**9, 1):
        monkeypatch.setattr(staging, "STAGE_ROWS", stage_rows)
        dataset, _ = _import(alpha, tmp_path, f"modes{stage_rows}", "id;wert\n1;10\n2;20\n")
        path = tmp_path / "more.csv"
        path.write_bytes(b"id;wert\n3;30\n")
        importing.run_import(dataset, path, "more.csv", importing.Options(mode="append"))
        path.write_bytes(b"id;wert\n2;25\n4;40\n2;26\n")
        importing.run_import(dataset, path, "more.csv", importing.Options(mode="upsert", key="id"))
        results.append([(r["_id"], r["id"], r["wert"]) for r in rows_of(dataset)])
    assert results[0] == results[1]
    assert {(i, w) for _id, i, w in results[1]} == {(1, 10), (2, 26), (3, 30), (4, 40)}


@pytest.mark.django_db(transaction=True)
def test_an_aborted_staged_load_leaves_the_dataset_and_no_files(alpha, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "STAGE_ROWS", 1)
    before = _stage_files()
    dataset, _ = _import(alpha, tmp_path, "abort", "id;wert\n1;10\n")
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id;wert\n1;10\n2;zwanzig\n")
    with pytest.raises(importing.ImportFailed):
        importing.run_import(
            dataset,
            path,
            "bad.csv",
            importing.Options(on_error="abort", types={"wert": "integer"}),
        )
    assert [(r["id"], r["wert"]) for r in rows_of(dataset)] == [(1, 10)]
    assert _stage_files() == before
    if connection.vendor == "sqlite":
        assert staging._attached() == []


@pytest.mark.django_db
def test_inside_a_longer_transaction_staging_files_wait_and_then_give_way(
    alpha, tmp_path, monkeypatch
):
    # A caller's transaction keeps the attachments until it ends; past MAX_PENDING the
    # importer writes with executemany, and every import still stores its rows.
    monkeypatch.setattr(staging, "STAGE_ROWS", 1)
    for i in range(staging.MAX_PENDING + 2):
        dataset, run = _import(alpha, tmp_path, f"t{i}")
        assert len(rows_of(dataset)) == run.rows_imported == 3
    if connection.vendor == "sqlite":
        assert len(staging._attached()) == staging.MAX_PENDING
