"""Fixtures of the data app: datasets of Alphastadt and Betadorf, and a file loader."""

from pathlib import Path

import pytest

from stadtkern.data import importing
from stadtkern.data.models import Dataset

MOERS = Path(__file__).resolve().parents[1] / "demo_files" / "moers_fussgaenger_2022_05.csv"


@pytest.fixture
def dataset(alpha):
    return Dataset.objects.create(municipality=alpha, slug="daten", title="Daten")


@pytest.fixture
def load(tmp_path):
    """Import bytes as a file into a dataset; returns the ImportRun (raises ImportFailed)."""

    def run(dataset, content: bytes, name: str = "daten.csv", **options):
        path = tmp_path / name
        path.write_bytes(content)
        return importing.run_import(dataset, path, name, importing.Options(**options))

    return run


def rows_of(dataset, **params):
    from stadtkern.data.rowfilters import build_query

    dataset.refresh_from_db()
    return list(build_query(dataset, params).stream())


@pytest.fixture(autouse=True)
def english():
    """Reports are written in the active language; these tests read them in English."""
    from django.utils import translation

    with translation.override("en"):
        yield
