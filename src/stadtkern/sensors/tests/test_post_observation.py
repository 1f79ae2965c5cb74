"""POST of one Observation: it answers with what a GET of it then shows (no read-back),
and a sensor's token is not written on every reading."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from stadtkern.sensors.models import OM, Datastream, MachineToken

pytestmark = pytest.mark.django_db

BODIES = [
    {"result": 21},
    {"result": 21.25, "phenomenonTime": "2026-03-01T12:00:00.123456+02:00"},
    {
        "result": "defekt",
        "phenomenonTime": "2026-03-01T12:00:00Z",
        "resultTime": "2026-03-01T12:00:05Z",
    },
    {
        "result": {"pm10": 12.5, "pm25": None},
        "phenomenonTime": "2026-03-01T11:00:00Z/2026-03-01T12:00:00Z",
    },
    {"result": True, "parameters": {"Messgerät": "A-1"}, "resultQuality": ["gut"]},
    {"result": -1e-7, "validTime": "2026-03-01T00:00:00Z/2026-03-02T00:00:00Z"},
    # Numbers PostgreSQL's jsonb keeps as decimals: the answer shows them as stored.
    {"result": {"x": 1e308, "y": -0.0, "z": 12345678901234567890.0, "w": 0.1}},
    {"result": [1e-300, -0.0, 2.5e20], "parameters": {"p": 1e308}, "resultQuality": [-0.0]},
    {"result": 1e308},
    {"result": -0.0},
]


@pytest.mark.parametrize("body", BODIES)
def test_the_answer_to_a_post_is_what_a_get_shows(sta, station, body):
    ds = Datastream.objects.first().pk
    Datastream.objects.filter(pk=ds).update(observation_type=OM + "OM_Observation")  # any result
    created = sta.post(f"Datastreams({ds})/Observations", body)
    assert created.status_code == 201, created.content
    shown = sta.get(f"Observations({created.json()['@iot.id']})")
    assert created.json() == shown.json()
    assert created["Location"] == created.json()["@iot.selfLink"]


def test_the_token_is_written_at_most_once_a_minute(sta, station, alpha_token):
    ds = Datastream.objects.first().pk
    token = MachineToken.objects.get()
    assert sta.post(f"Datastreams({ds})/Observations", {"result": 1}).status_code == 201
    first = MachineToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert sta.post(f"Datastreams({ds})/Observations", {"result": 2}).status_code == 201
    assert MachineToken.objects.get(pk=token.pk).last_used_at == first
    MachineToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert sta.post(f"Datastreams({ds})/Observations", {"result": 3}).status_code == 201
    assert MachineToken.objects.get(pk=token.pk).last_used_at > first - timedelta(seconds=1)
    assert MachineToken.objects.get(pk=token.pk).last_used_at <= timezone.now()


def test_a_result_beyond_64_bits_is_still_written(sta, station):
    ds = Datastream.objects.first().pk
    Datastream.objects.filter(pk=ds).update(observation_type=OM + "OM_Observation")
    created = sta.post(f"Datastreams({ds})/Observations", {"result": {"zähler": 10**30}})
    assert created.status_code == 201
    page = sta.get(f"Datastreams({ds})/Observations")
    assert page.status_code == 200 and page.json()["value"][0]["result"] == {"zähler": 10**30}


@pytest.mark.django_db(transaction=True)
def test_a_write_is_not_stopped_by_the_read_time_limit(sta, station, settings):
    """The time limit guards reads, whose cost the client chooses; a reading that has to
    wait for a lock held elsewhere longer than that limit is stored once the lock is
    free, not answered 408."""
    settings.STA_QUERY_TIMEOUT_MS = 100
    ds = Datastream.objects.first().pk
    locked, outcome = threading.Event(), {}

    def hold():
        try:
            with transaction.atomic():
                list(Datastream.objects.select_for_update().filter(pk=ds))
                Datastream.objects.filter(pk=ds).update(name=F("name"))  # SQLite's write lock
                locked.set()
                time.sleep(0.6)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    began = time.monotonic()
    outcome["post"] = sta.post(f"Datastreams({ds})/Observations", {"result": 4})
    waited = time.monotonic() - began
    holder.join(10)
    assert outcome["post"].status_code == 201, outcome["post"].content
    assert waited > 0.3  # it did wait for the lock
    assert Datastream.objects.get(pk=ds).latest_result_number == 4


def test_readings_after_a_new_location_go_to_its_feature(sta, station):
    """The feature of a reading that names none is the Thing's newest location's, found
    and held in one statement once it exists, made on the first reading there."""
    ds = Datastream.objects.first().pk
    first = sta.post(f"Datastreams({ds})/Observations", {"result": 1}).json()
    again = sta.post(f"Datastreams({ds})/Observations", {"result": 2}).json()
    feature = sta.get(f"Observations({first['@iot.id']})/FeatureOfInterest").json()["@iot.id"]
    assert sta.get(f"Observations({again['@iot.id']})/FeatureOfInterest").json()["@iot.id"] == (
        feature
    )
    moved = sta.post(
        f"Things({station['thing']})/Locations",
        {"name": "Neuer Ort", "description": "-", "encodingType": "application/geo+json",
         "location": {"type": "Point", "coordinates": [6.7, 51.5]}},
    )  # fmt: skip
    assert moved.status_code == 201, moved.content
    after = [sta.post(f"Datastreams({ds})/Observations", {"result": r}).json() for r in (3, 4)]
    features = {
        sta.get(f"Observations({o['@iot.id']})/FeatureOfInterest").json()["@iot.id"] for o in after
    }
    assert len(features) == 1 and feature not in features
    assert sta.get(f"Observations({after[0]['@iot.id']})/FeatureOfInterest").json()["name"] == (
        "Neuer Ort"
    )
    stream = Datastream.objects.get(pk=ds)
    assert (stream.latest_id, stream.latest_result_number, stream.observation_count) == (
        after[1]["@iot.id"],
        4,
        4,
    )
