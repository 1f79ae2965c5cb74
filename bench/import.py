"""Benchmark: importing a German-format CSV (1,000,000 rows x 10 columns by default).

The file has what municipal files have: ';' as delimiter, CRLF, decimal commas with
thousands separators, dates as dd.mm.yyyy, ISO timestamps with offsets, ja/nein, codes
with leading zeros. It is imported with the real importer (analysis, type inference,
conversion, row accounting, load, indexes) into a scratch database.

Physical reference, as the design names it:
- SQLite: one executemany in one transaction of the same rows, already parsed;
- PostgreSQL: COPY of an equivalent clean file (ISO dates, dot decimals, true/false).
The ratio importer / reference is reported with and without building the indexes that
the rows API needs (the reference builds none).
"""

import gc
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.db import connection, transaction

from stadtkern.core.benchtools import scratch_database

DEFAULT_SIZES = [1_000_000]
DEFAULT_REPEAT = 1
HEADER = [
    "Nr",
    "Name",
    "Betrag",
    "Menge",
    "Datum",
    "Zeitpunkt",
    "Aktiv",
    "Kategorie",
    "Wert",
    "PLZ",
]
COLUMNS = [
    ("nr", "integer"), ("name", "text"), ("betrag", "decimal"), ("menge", "integer"),
    ("datum", "date"), ("zeitpunkt", "timestamp"), ("aktiv", "boolean"), ("kategorie", "text"),
    ("wert", "decimal"), ("plz", "text"),
]  # fmt: skip
CATEGORIES = ["Einzelhandel", "Gastronomie", "Dienstleistung", "Büro", "Handwerk", "Wohnen"]


def _rows(n: int):
    """Parsed rows and their German and clean text forms, from one seeded generator."""
    rng = random.Random(n)
    base_day = date(2020, 1, 1)
    base_ts = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        amount = round(rng.uniform(0, 250_000), 2)
        qty = rng.randint(0, 2_000_000)
        day = base_day + timedelta(days=rng.randint(0, 2000))
        ts = base_ts + timedelta(minutes=rng.randint(0, 525_600))
        active = rng.random() < 0.5
        value = round(rng.uniform(-50, 50), 3)
        plz = f"{rng.randint(1067, 99998):05d}"
        yield (i, f"Einheit {i}", amount, qty, day, ts, active, rng.choice(CATEGORIES), value, plz)


def _german(row) -> str:
    i, name, amount, qty, day, ts, active, cat, value, plz = row
    amount_text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    qty_text = f"{qty:,}".replace(",", ".")
    local = ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + " +0000"
    return (
        f"{i};{name};{amount_text};{qty_text};{day:%d.%m.%Y};{local};"
        f"{'ja' if active else 'nein'};{cat};{str(value).replace('.', ',')};{plz}"
    )


def _clean(row) -> str:
    i, name, amount, qty, day, ts, active, cat, value, plz = row
    return f"{i}\t{i}\t{name}\t{amount}\t{qty}\t{day.isoformat()}\t{ts.isoformat()}\t{'t' if active else 'f'}\t{cat}\t{value}\t{plz}"


def _reference(rows: list[tuple], clean_path: Path) -> float:
    """Seconds of the database's own bulk path for the same rows, into a bare table."""
    from stadtkern.data import datastore

    schema = [{"name": n, "type": t} for n, t in COLUMNS]
    datastore.drop_table("bench_reference")
    datastore.create_table("bench_reference", schema, geometry=False)
    # The same columns the importer writes, row number (_id) included.
    names = ", ".join(datastore.qn(n) for n in ["_id", *(n for n, _t in COLUMNS)])
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with (
                cur.cursor.copy(f"COPY bench_reference ({names}) FROM STDIN") as copy,
                clean_path.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
        else:
            encoders = [datastore.encoder(t) for _n, t in COLUMNS]
            parsed = [
                (r[0], *(e(v) if e else v for e, v in zip(encoders, r, strict=True))) for r in rows
            ]
            start = time.perf_counter()  # the rows come pre-parsed: only the insert counts
            marks = ", ".join("?" for _ in range(len(COLUMNS) + 1))
            cur.cursor.executemany(
                f"INSERT INTO bench_reference ({names}) VALUES ({marks})", parsed
            )  # noqa: S608
    seconds = time.perf_counter() - start
    datastore.drop_table("bench_reference")
    return seconds


def _compact() -> None:
    """Start each timed part from a compact file, so that neither reuses the other's pages."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")


def run(*, sizes: list[int], repeat: int, progress) -> dict:
    from stadtkern.core.services import municipality_create
    from stadtkern.data import datastore, importing
    from stadtkern.data.models import Dataset

    results = []
    with scratch_database(), tempfile.TemporaryDirectory(prefix="stadtkern-import-") as tmp:
        municipality = municipality_create(
            name="Benchstadt", slug="bench", ags="05999001", kind="stadt", state="05"
        )
        for size in sizes:
            progress.write(f"import bench: writing {size:,} rows ...")
            rows = list(_rows(size))
            german = Path(tmp) / f"german_{size}.csv"
            clean = Path(tmp) / f"clean_{size}.tsv"
            german.write_bytes(
                ("\r\n".join([";".join(HEADER), *map(_german, rows)]) + "\r\n").encode("cp1252")
            )
            clean.write_text("\n".join(map(_clean, rows)) + "\n", encoding="utf-8")
            del rows
            figures = {
                "rows": size,
                "columns": len(HEADER),
                "file_mb": round(german.stat().st_size / 2**20, 1),
            }
            best_import, best_ref, run_info, index_seconds = None, None, None, None
            for attempt in range(repeat):
                progress.write(
                    f"import bench: {size:,} rows on {connection.vendor}, run {attempt + 1} ..."
                )
                rows = list(_rows(size))
                ref = _reference(rows, clean)
                # The parsed rows are the reference's input only; the importer reads the file.
                del rows
                gc.collect()
                _compact()
                dataset = Dataset.objects.create(
                    municipality=municipality, slug=f"bench_{size}_{attempt}", title="Bench"
                )
                started = time.perf_counter()
                run_ = importing.run_import(dataset, german, german.name, importing.Options())
                seconds = time.perf_counter() - started
                dataset.refresh_from_db()
                # How long the indexes alone take, measured by building them again.
                schema = [c for c in dataset.columns if c["name"] in dataset.indexed]
                started = time.perf_counter()
                with transaction.atomic():
                    for i in range(len(dataset.columns)):
                        with connection.cursor() as cur:
                            cur.execute(
                                f"DROP INDEX IF EXISTS {datastore.qn(f'{dataset.table}_c{i}')}"
                            )
                    datastore.create_indexes(dataset.table, schema, False, None)
                idx = time.perf_counter() - started
                if best_import is None or seconds < best_import:
                    best_import, run_info, index_seconds = seconds, run_, idx
                    indexed = dataset.indexed
                best_ref = ref if best_ref is None else min(best_ref, ref)
                dataset.delete()
                _compact()
            assert run_info.rows_in == run_info.rows_imported + run_info.rows_rejected == size
            figures.update(
                {
                    "import_seconds": round(best_import, 2),
                    "import_rows_per_second": round(size / best_import),
                    "of_which_indexes_seconds": round(index_seconds, 2),
                    "rows_imported": run_info.rows_imported,
                    "rows_rejected": run_info.rows_rejected,
                    "types": [c["type"] for c in run_info.columns],
                    "reference": "executemany of parsed rows, one transaction"
                    if connection.vendor == "sqlite"
                    else "COPY of an equivalent clean file",
                    "reference_seconds": round(best_ref, 2),
                    "reference_rows_per_second": round(size / best_ref),
                    "ratio_import_to_reference": round(best_import / best_ref, 2),
                    "ratio_without_indexes": round((best_import - index_seconds) / best_ref, 2),
                    "indexed_columns": indexed,
                }
            )
            results.append(figures)
    return {
        "benchmark": "import",
        "database": connection.vendor,
        "target": "at most 2x the database's own bulk path for the same rows",
        "results": results,
    }
