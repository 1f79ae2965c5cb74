"""A SensorThings read does not wait for a writer: on SQLite it reads in a deferred
transaction (the write lock stays free for writers, and the server processes read side
by side), on PostgreSQL a read never waits for row locks."""

import threading
import time

import pytest
from django.db import connection, transaction

from stadtkern.sensors.models import Datastream

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_read_answers_while_a_writer_holds_its_lock(sta, station, anonymous):
    ds = Datastream.objects.first().pk
    assert sta.post(f"Datastreams({ds})/Observations", {"result": 1}).status_code == 201
    held, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():  # SQLite: BEGIN IMMEDIATE, the write lock
                Datastream.objects.filter(pk=ds).update(name="Umbenannt")
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(10)
        began = time.monotonic()
        answer = sta.get(f"Datastreams({ds})/Observations")
        took = time.monotonic() - began
        before = sta.get(f"Datastreams({ds})").json()["name"]
    finally:
        release.set()
        thread.join(10)
    assert answer.status_code == 200 and len(answer.json()["value"]) == 1
    assert took < 2, f"the read waited {took:.1f} s for the writer"
    # what the writer had not committed yet was not read; once committed, it is
    assert before != "Umbenannt"
    assert sta.get(f"Datastreams({ds})").json()["name"] == "Umbenannt"
