"""Musterstadt's demo sensors: a year of data, the real Moers counts replayed."""

import time
from datetime import UTC, datetime

import pytest

from stadtkern.sensors import models
from stadtkern.sensors.demo import HOURS, _moers_week_pattern, demo_load_sensors

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_demo_sensors_hold_a_year_of_data(alpha, client):
    started = time.monotonic()
    result = demo_load_sensors(alpha, now=NOW)
    assert time.monotonic() - started < 120
    assert result["things"] == 6
    assert result["observations"] == HOURS * (1 + 9 + 2)
    streams = models.Datastream.objects.filter(municipality=alpha)
    assert streams.count() == 12
    for ds in streams:
        assert ds.latest is not None
        assert (ds.phenomenon_time_end - ds.phenomenon_time_start).days >= 364
    no2 = streams.get(name="NO2 Homberger Straße")
    park = streams.get(name="NO2 Schlosspark")
    busy, calm = (
        sum(models.Observation.objects.filter(datastream=d).values_list("result_number", flat=True))
        for d in (no2, park)
    )
    assert busy > 2 * calm  # the busy road is dirtier than the park
    # The counter replays real counts: every value occurs in May 2022.
    real = set(_moers_week_pattern().values())
    counter = streams.get(name="Passanten Steinstraße")
    replayed = set(
        models.Observation.objects.filter(datastream=counter).values_list(
            "result_number", flat=True
        )
    )
    assert replayed <= {float(v) for v in real} and len(replayed) > 100
    page = client.get(f"/m/{alpha.slug}/sensors/")
    assert page.status_code == 200
    assert "Passantenzählung Steinstraße" in page.content.decode()
    chart = client.get(
        f"/m/{alpha.slug}/sensors/datastreams/{no2.pk}/", {"interval": "1d", "function": "max"}
    )
    assert chart.status_code == 200
    assert "<polyline" in chart.content.decode()


def test_loading_again_replaces(alpha):
    demo_load_sensors(alpha, now=NOW)
    demo_load_sensors(alpha, now=NOW)
    assert models.Thing.objects.filter(municipality=alpha).count() == 6
    assert models.Observation.objects.count() == HOURS * 12
