"""$resultFormat=dataArray (OGC 18-088, 14.3): observations as rows of components."""

import pytest

from .conftest import READINGS

pytestmark = pytest.mark.django_db


def test_data_array_groups_rows_by_datastream(anonymous, readings, sta):
    other = readings["datastreams"][1]
    sta.post(
        f"Datastreams({other})/Observations",
        {"phenomenonTime": "2024-02-02T00:00:00Z", "result": 40},
    )
    body = anonymous.get(
        "Observations", **{"$resultFormat": "dataArray", "$orderby": "phenomenonTime"}
    ).json()
    groups = {g["Datastream@iot.navigationLink"].rsplit("(", 1)[1][:-1]: g for g in body["value"]}
    first = groups[str(readings["datastreams"][0])]
    assert first["components"][:4] == ["id", "phenomenonTime", "resultTime", "result"]
    assert first["dataArray@iot.count"] == len(READINGS)
    rows = [[row[1], row[3]] for row in first["dataArray"]]
    assert rows == [
        [t.replace(".250Z", ".250000Z") if ".250" in t else t, r] for t, r in sorted(READINGS)
    ]
    assert groups[str(other)]["dataArray"][0][3] == 40


def test_data_array_with_select_has_those_components(anonymous, readings):
    body = anonymous.get(
        f"Datastreams({readings['datastreams'][0]})/Observations",
        **{
            "$resultFormat": "dataArray",
            "$select": "result,phenomenonTime",
            "$orderby": "result",
            "$top": 2,
        },
    ).json()
    (group,) = body["value"]
    assert group["components"] == ["phenomenonTime", "result"]
    assert [r[1] for r in group["dataArray"]] == sorted(r for _t, r in READINGS)[:2]
    assert "@iot.nextLink" in body


def test_data_array_is_for_observations_only(anonymous, station):
    response = anonymous.get("Things", **{"$resultFormat": "dataArray"})
    assert response.status_code == 400
    response = anonymous.get("Observations", **{"$resultFormat": "csv"})
    assert response.status_code == 400
