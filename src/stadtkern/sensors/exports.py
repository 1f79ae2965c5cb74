"""A datastream as a dataset of the urban data platform: its observations become the
rows of a dataset (a new version each time), which the SQL endpoint, the row API,
downloads and the DCAT-AP.de catalogue then treat like any other."""

import csv
import tempfile
from pathlib import Path

from stadtkern.data import importing
from stadtkern.data.models import Dataset
from stadtkern.data.services import dataset_create

from .entities import iso
from .models import Datastream, Observation

COLUMNS = ["zeitpunkt", "zeitpunkt_ende", "ergebnis", "ergebniszeit"]


def datastream_to_dataset(ds: Datastream, *, slug: str, user=None) -> Dataset:
    """Write the observations of ``ds`` into the dataset ``slug`` of its municipality
    (created when new, with the datastream's name and description)."""
    dataset = Dataset.objects.filter(municipality_id=ds.municipality_id, slug=slug).first()
    if dataset is None:
        unit = (ds.unit_of_measurement or {}).get("symbol") or ""
        dataset = dataset_create(
            municipality=ds.municipality, user=user, slug=slug, title=ds.name[:200],
            description=f"{ds.description}\n\nEinheit: {unit}".strip() if unit else ds.description,
            access="public" if ds.thing.public else "internal",
        )  # fmt: skip
    numeric = ds.observation_type.endswith(("OM_Measurement", "OM_CountObservation"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{slug}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            rows = (
                Observation.objects.filter(datastream=ds)
                .order_by("phenomenon_time", "pk")
                .values_list(
                    "phenomenon_time",
                    "phenomenon_time_end",
                    "result_number",
                    "result_json",
                    "result_time",
                )
            )
            for start, end, number, other, result_time in rows.iterator(chunk_size=20000):
                result = number if other is None else other
                writer.writerow(
                    [
                        iso(start),
                        iso(end) or "",
                        "" if result is None else result,
                        iso(result_time) or "",
                    ]
                )
        types = {"zeitpunkt": "timestamp", "zeitpunkt_ende": "timestamp", "ergebniszeit": "timestamp",
                 "ergebnis": "decimal" if numeric else "text"}  # fmt: skip
        importing.run_import(dataset, path, path.name, importing.Options(types=types), user=user)
    dataset.refresh_from_db()
    return dataset
