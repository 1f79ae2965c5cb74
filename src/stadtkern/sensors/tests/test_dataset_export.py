"""A datastream exported as a dataset is queried like any dataset in the SQL endpoint."""

import pytest

from stadtkern.data.models import Dataset

from .conftest import READINGS

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the SQL sandbox reads committed data
def test_export_then_query_with_sql(client, readings, personas, token_for, alpha):
    ds = readings["datastreams"][0]
    url = f"/api/v1/sensors/datastreams/{ds}/dataset"
    refused = client.post(
        url,
        {"dataset": "temperatur"},
        content_type="application/json",
        **token_for(personas["other_editor"]),
    )
    assert refused.status_code == 403
    response = client.post(
        url,
        {"dataset": "temperatur"},
        content_type="application/json",
        **token_for(personas["editor"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == len(READINGS)
    dataset = Dataset.objects.get(municipality=alpha, slug="temperatur")
    assert {c["name"]: c["type"] for c in dataset.columns}["ergebnis"] == "decimal"
    sql = "SELECT COUNT(*) AS n, MAX(ergebnis) AS hoch, MIN(zeitpunkt) AS erst FROM temperatur"
    result = client.post(
        "/api/v1/sql", {"sql": sql, "municipality": "alpha"}, content_type="application/json"
    ).json()
    n, high, first = result["rows"][0]
    assert (n, float(high)) == (len(READINGS), max(r for _t, r in READINGS))
    assert first.startswith("2024-01-15")
    again = client.post(
        url,
        {"dataset": "temperatur"},
        content_type="application/json",
        **token_for(personas["editor"]),
    )
    assert again.json()["version"] == response.json()["version"] + 1


def test_export_name_is_checked(client, readings, personas, token_for):
    ds = readings["datastreams"][0]
    response = client.post(f"/api/v1/sensors/datastreams/{ds}/dataset", {"dataset": "Böse Name"},
                           content_type="application/json", **token_for(personas["editor"]))  # fmt: skip
    assert response.status_code == 422
