"""stadtkern import FILE --municipality AGS --dataset NAME: load a file into the datastore.

Prints a progress bar on stderr and a JSON summary on stdout; exits 1 when nothing was
imported and 2 on wrong arguments, always with a message rather than a traceback.
"""

import json
from pathlib import Path

from django.core.management.base import CommandError

from stadtkern.core.commands import DataCommand
from stadtkern.core.scratch import remove_orphans
from stadtkern.data import importing
from stadtkern.data.models import Dataset, validate_dataset_slug
from stadtkern.data.readers import FORMATS, ReadError

from ._common import ProgressBar, municipality_by_key


class Command(DataCommand):
    help = "Import a CSV, XLSX, ODS, GeoJSON, GeoPackage or zipped Shapefile into a dataset."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True, help="AGS or short name")
        parser.add_argument("--dataset", required=True, help="dataset name (created if new)")
        parser.add_argument("--title", help="title of a new dataset")
        parser.add_argument("--format", choices=FORMATS)
        parser.add_argument("--mode", choices=importing.MODES, default="replace")
        parser.add_argument("--key", help="key column for --mode upsert")
        parser.add_argument("--sheet", help="sheet (XLSX, ODS) or layer (GeoPackage)")
        parser.add_argument("--encoding", help="e.g. utf-8, cp1252 (detected by default)")
        parser.add_argument("--delimiter", help="; , tab or | (detected by default)")
        parser.add_argument("--type", action="append", default=[], metavar="COLUMN=TYPE",
                            help="override an inferred type, e.g. --type plz=text")  # fmt: skip
        parser.add_argument(
            "--crs", help="source CRS of geometries or coordinates, e.g. EPSG:25832"
        )
        parser.add_argument("--x", help="column with x / longitude")
        parser.add_argument("--y", help="column with y / latitude")
        parser.add_argument("--abort-on-error", action="store_true",
                            help="import nothing if any row is rejected (default: import the good rows)")  # fmt: skip
        parser.add_argument("--index", action="append", metavar="COLUMN",
                            help="index this column (repeat; 'all' for every column). Default: "
                                 "every column up to 100,000 rows, else date and time columns")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="analyse and check only")

    def handle(self, *args, **o):
        remove_orphans()  # what imports killed mid-way left behind
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        municipality = municipality_by_key(o["municipality"])
        name = o["dataset"]
        try:
            validate_dataset_slug(name)
        except Exception:
            raise CommandError(
                "--dataset is lower-case letters, digits and _, starting with a letter.",
                returncode=2,
            ) from None
        types = {}
        for item in o["type"]:
            column, sep, kind = item.partition("=")
            if not sep:
                raise CommandError(f"--type takes COLUMN=TYPE, not {item!r}.", returncode=2)
            types[column.strip()] = kind.strip()
        delimiter = o["delimiter"]
        if delimiter in ("tab", "\\t"):
            delimiter = "\t"
        options = importing.Options(
            format=o["format"], encoding=o["encoding"], delimiter=delimiter, sheet=o["sheet"],
            mode=o["mode"], key=o["key"], on_error="abort" if o["abort_on_error"] else "skip",
            types=types, crs=o["crs"], x=o["x"], y=o["y"], indexes=_indexes(o["index"]),
        )  # fmt: skip
        dataset, created = Dataset.objects.get_or_create(
            municipality=municipality, slug=name, defaults={"title": o["title"] or name}
        )
        bar = ProgressBar(f"{municipality.slug}/{name}", stream=self.stderr)
        try:
            if o["dry_run"]:
                run, _analysis = importing.preview(dataset, path, path.name, options)
            else:
                run = importing.run_import(dataset, path, path.name, options, progress=bar)
        except (importing.ImportFailed, ReadError) as exc:
            bar.finish()
            run = getattr(exc, "run", None)
            if run is not None:
                self.stdout.write(json.dumps(summary(run), ensure_ascii=False, indent=2))
            if created:
                dataset.delete()  # made for this import only; nothing else refers to it
            raise CommandError(f"import failed: {exc}", returncode=1) from None
        bar.finish()
        self.stdout.write(json.dumps(summary(run), ensure_ascii=False, indent=2))
        if run.rows_imported == 0 and not o["dry_run"]:
            raise CommandError("nothing was imported", returncode=1)


def _indexes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return None if "all" in names else names


def summary(run) -> dict:
    return {
        "dataset": run.dataset.qualified_name,
        "version": run.version,
        "status": run.status,
        "rows_in": run.rows_in,
        "rows_imported": run.rows_imported,
        "rows_rejected": run.rows_rejected,
        "columns": [{"name": c["name"], "type": c["type"]} for c in run.columns],
        "warnings": [w["message"] for w in run.warnings],
        "errors": run.errors[:20],
        "encoding": run.encoding or None,
        "delimiter": run.delimiter or None,
        "source_crs": run.source_crs or None,
        "sha256": run.sha256,
        "message": run.message or None,
    }
