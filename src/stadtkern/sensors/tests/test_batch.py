"""JSON batch requests (OGC 18-088, 11.2): parts run in order, changesets
(atomicityGroup) are written whole or not at all, $id names an earlier result."""

import pytest

from stadtkern.sensors import models
from stadtkern.sensors.views import MAX_BATCH

pytestmark = pytest.mark.django_db
SENSOR = {"name": "S", "description": "-", "encodingType": "text/html", "metadata": "-"}


def test_parts_run_in_order_and_refer_to_earlier_results(sta, alpha):
    body = {"requests": [
        {"id": "1", "method": "post", "url": "Sensors", "body": SENSOR},
        {"id": "2", "method": "patch", "url": "$1", "body": {"name": "Umbenannt"}},
        {"id": "3", "method": "get", "url": "$1?$select=name"},
        {"id": "4", "method": "get", "url": "Sensors?$count=true&$top=0"},
    ]}  # fmt: skip
    response = sta.post("$batch", body)
    assert response.status_code == 200
    parts = {p["id"]: p for p in response.json()["responses"]}
    assert parts["1"]["status"] == 201 and "location" in parts["1"]["headers"]
    assert parts["2"]["status"] == 200
    assert parts["3"]["body"] == {"name": "Umbenannt"}
    assert parts["4"]["body"]["@iot.count"] == 1


def test_a_failing_changeset_writes_nothing_but_other_parts_stand(sta, alpha):
    body = {"requests": [
        {"id": "a", "method": "post", "url": "Sensors", "body": SENSOR},
        {"id": "b", "method": "post", "url": "Sensors", "body": SENSOR, "atomicityGroup": "g"},
        {"id": "c", "method": "post", "url": "Sensors", "body": {"name": "kaputt"}, "atomicityGroup": "g"},
    ]}  # fmt: skip
    response = sta.post("$batch", body)
    parts = {p["id"]: p for p in response.json()["responses"]}
    assert parts["a"]["status"] == 201
    assert parts["b"]["status"] == parts["c"]["status"] == 400
    assert "needs description" in parts["c"]["body"]["detail"]
    assert models.Sensor.objects.count() == 1


def test_a_failing_part_outside_a_changeset_fails_alone(sta, alpha):
    body = {"requests": [
        {"id": "x", "method": "post", "url": "Sensors", "body": {"colour": 1}},
        {"id": "y", "method": "post", "url": "Sensors", "body": SENSOR},
        {"id": "z", "method": "get", "url": "$nothing"},
    ]}  # fmt: skip
    parts = {p["id"]: p for p in sta.post("$batch", body).json()["responses"]}
    assert (
        parts["x"]["status"] == 400 and parts["y"]["status"] == 201 and parts["z"]["status"] == 400
    )
    assert models.Sensor.objects.count() == 1


def test_oversized_and_malformed_batches(sta, alpha):
    many = {
        "requests": [{"id": str(i), "method": "get", "url": "Things"} for i in range(MAX_BATCH + 1)]
    }
    response = sta.post("$batch", many)
    assert response.status_code == 413
    assert str(MAX_BATCH) in response.json()["detail"]
    assert sta.post("$batch", {"calls": []}).status_code == 400
    assert sta.client.get("/sta/v1.1/$batch").status_code == 405
    outside = sta.post(
        "$batch", {"requests": [{"id": "1", "method": "get", "url": "/admin/"}]}
    ).json()
    assert outside["responses"][0]["status"] == 400


@pytest.mark.parametrize("grouped", [False, True], ids=["alone", "changeset"])
def test_a_deep_insert_that_fails_halfway_leaves_nothing_and_the_next_part_stands(
    sta, alpha, grouped
):
    """The Thing is written before its second Location is found wanting: that part
    leaves neither behind, and the part after it is written."""
    place = {"name": "Ort", "description": "-", "encodingType": "application/geo+json",
             "location": {"type": "Point", "coordinates": [6.6, 51.4]}}  # fmt: skip
    broken = {"name": "T", "description": "-", "Locations": [place, {"name": "ohne alles"}]}
    group = {"atomicityGroup": "g"} if grouped else {}
    body = {"requests": [
        {"id": "a", "method": "post", "url": "Things", "body": broken, **group},
        {"id": "b", "method": "post", "url": "Sensors", "body": SENSOR},
    ]}  # fmt: skip
    parts = {p["id"]: p for p in sta.post("$batch", body).json()["responses"]}
    assert parts["a"]["status"] == 400 and parts["b"]["status"] == 201
    assert models.Thing.objects.count() == 0 and models.Location.objects.count() == 0
    assert models.HistoricalLocation.objects.count() == 0
    assert models.Sensor.objects.count() == 1
