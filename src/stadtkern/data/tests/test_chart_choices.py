"""What a dataset's chart and map show unless the reader chooses: measurements, never
coordinates or codes; a status to colour by; a time axis only where the rows have one."""

import pytest

from stadtkern.data import charts

pytestmark = pytest.mark.django_db

CSV = (
    "einheit_id;rechtswert;hochwert;plz;flaeche_m2;status;adresse;leer_seit;gemessen\n"
    "1;333729,6;5702660,7;47441;329,2;belegt;A 1;;2025-01-01\n"
    "2;333490,2;5702829,4;47441;201,1;leer;A 2;2024-05-01;2025-01-02\n"
    "3;333491,2;5702828,4;47443;101,1;belegt;A 3;;2025-01-03\n"
)


def test_measurements_come_first_and_coordinates_never(dataset, load):
    load(dataset, CSV.encode(), types={"einheit_id": "integer", "plz": "integer"})
    dataset.refresh_from_db()
    values = charts.value_columns(dataset.columns)
    assert values[0] == "flaeche_m2"
    assert "rechtswert" not in values and "hochwert" not in values
    assert values.index("plz") > values.index("flaeche_m2")


def test_maps_colour_by_a_status_first(dataset, load):
    load(dataset, CSV.encode())
    dataset.refresh_from_db()
    assert charts.colour_columns(dataset)[0] == "status"


def test_a_mostly_empty_date_is_no_time_axis(dataset, load):
    load(dataset, CSV.encode())
    dataset.refresh_from_db()
    assert charts.span(dataset, "leer_seit") is None
    first, last = charts.span(dataset, "gemessen")
    assert (first.isoformat(), last.isoformat()) == ("2025-01-01", "2025-01-03")
