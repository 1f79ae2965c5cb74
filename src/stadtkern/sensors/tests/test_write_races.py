"""A write of observations and a delete of their datastream or feature at the same
time: whichever comes first, no observation is left without its datastream or
feature. The observation table has no foreign key constraints (see the model), so
the locks of services.hold_references and services.delete_entity must do their work."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from stadtkern.sensors import services
from stadtkern.sensors.entities import TYPES
from stadtkern.sensors.models import Datastream, FeatureOfInterest, Observation
from stadtkern.sensors.odata import ODataError

pytestmark = pytest.mark.django_db(transaction=True)
PAUSE = 0.5  # how long the first transaction stays open after its write


def _rows(ds: Datastream, foi_id: int, n: int = 100) -> list[tuple]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        (ds.pk, foi_id, start + timedelta(minutes=i), None, None, float(i), None, None, None, None, None)
        for i in range(n)
    ]  # fmt: skip


def _in_thread(fn, outcome: dict, key: str) -> threading.Thread:
    def run():
        try:
            outcome[key] = fn()
        except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
            outcome[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _setup(sta, station):
    ds = Datastream.objects.get(pk=station["datastreams"][0])
    ctx = services.Context(municipality_id=ds.municipality_id)
    with transaction.atomic():
        foi = services.feature_for(ctx, ds)
    return ds, foi, ctx


def _orphans() -> int:
    return (
        Observation.objects.exclude(datastream_id__in=Datastream.objects.values("pk")).count()
        + Observation.objects.exclude(
            feature_of_interest_id__in=FeatureOfInterest.objects.values("pk")
        ).count()
    )


@pytest.mark.parametrize("target", ["Datastream", "FeatureOfInterest"])
def test_a_delete_during_a_write_waits_and_takes_the_new_observations(sta, station, target):
    ds, foi, ctx = _setup(sta, station)
    written = threading.Event()
    outcome: dict = {}

    def write():
        with transaction.atomic():
            ids = services.insert_observations(_rows(ds, foi.pk))
            written.set()
            time.sleep(PAUSE)
        return ids

    def delete():
        written.wait(10)
        obj = ds if target == "Datastream" else foi
        services.delete_entity(ctx, TYPES[target], type(obj).objects.get(pk=obj.pk))
        return time.monotonic()

    began = time.monotonic()
    threads = [_in_thread(write, outcome, "write"), _in_thread(delete, outcome, "delete")]
    for t in threads:
        t.join(30)
    assert len(outcome["write"]) == 100, outcome
    assert not isinstance(outcome["delete"], Exception), outcome
    assert outcome["delete"] - began >= PAUSE  # it waited for the write to commit
    assert _orphans() == 0
    assert not Observation.objects.filter(pk__in=outcome["write"]).exists()


@pytest.mark.parametrize("target", ["Datastream", "FeatureOfInterest"])
def test_a_write_during_a_delete_is_refused(sta, station, target):
    ds, foi, ctx = _setup(sta, station)
    deleted = threading.Event()
    outcome: dict = {}

    def delete():
        with transaction.atomic():
            obj = ds if target == "Datastream" else foi
            services.delete_entity(ctx, TYPES[target], type(obj).objects.get(pk=obj.pk))
            deleted.set()
            time.sleep(PAUSE)

    def write():
        deleted.wait(10)
        with transaction.atomic():
            return services.insert_observations(_rows(ds, foi.pk))

    threads = [_in_thread(delete, outcome, "delete"), _in_thread(write, outcome, "write")]
    for t in threads:
        t.join(30)
    assert outcome["delete"] is None, outcome
    refused = outcome["write"]
    assert isinstance(refused, ODataError) and refused.status == 409, outcome
    assert f"{target} " in str(refused) and "does not exist" in str(refused)
    assert _orphans() == 0
