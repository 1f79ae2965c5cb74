"""POST of one Observation: it answers with what a GET of it then shows (no read-back),
and a sensor's token is not written on every reading."""

from datetime import timedelta

import pytest
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
