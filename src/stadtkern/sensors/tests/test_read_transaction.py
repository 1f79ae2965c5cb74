"""The transaction a SensorThings read runs in, outside a test's own: on PostgreSQL one
the database keeps from writing, with the time limit in force, and over afterwards
whatever the request ended in; on SQLite one deferred snapshot."""

import pytest
from django.db import DatabaseError, connection

from stadtkern.sensors import views
from stadtkern.sensors.models import Datastream

pytestmark = pytest.mark.django_db(transaction=True)


def state() -> dict:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            return {"in_transaction": connection.connection.in_transaction}
        cur.execute("SELECT current_setting('transaction_read_only'),"
                    " current_setting('statement_timeout'), now() = statement_timestamp()")  # fmt: skip
        read_only, timeout, alone = cur.fetchone()
        return {"read_only": read_only, "timeout": timeout, "in_transaction": not alone}


@pytest.fixture
def seen(monkeypatch):
    """What the read's transaction was while the request ran; ``then`` runs in it."""
    found: dict = {"then": None}
    execute = views.execute

    def spying(*args, **kwargs):
        found.update(state())
        if found["then"]:
            found["then"]()
        return execute(*args, **kwargs)

    monkeypatch.setattr(views, "execute", spying)
    return found


def test_a_read_runs_in_a_transaction_that_cannot_write(sta, station, anonymous, seen, settings):
    settings.STA_QUERY_TIMEOUT_MS = 1234
    assert sta.post(f"Datastreams({station['datastreams'][0]})/Observations",
                    {"result": 1}).status_code == 201  # fmt: skip
    assert anonymous.get("Observations").status_code == 200
    if connection.vendor == "sqlite":
        assert seen["in_transaction"] is True
    else:
        assert seen == {**seen, "read_only": "on", "timeout": "1234ms", "in_transaction": True}

        def write():
            with connection.cursor() as cur:
                cur.execute("UPDATE sensors_datastream SET name = 'x'")

        seen["then"] = write  # a read that would write is refused by the database
        with pytest.raises(DatabaseError, match="read-only transaction"):
            anonymous.get("Observations")
        assert not Datastream.objects.filter(name="x").exists()
    seen["then"] = None
    after = state()
    assert after["in_transaction"] is False  # over, and the connection as before
    if connection.vendor == "postgresql":
        assert after["read_only"] == "off" and after["timeout"] != "1234ms"


def test_a_read_stopped_by_the_limit_or_an_error_leaves_the_next_one_served(
    sta, anonymous, station, seen, settings
):
    assert sta.post(f"Datastreams({station['datastreams'][0]})/Observations",
                    {"result": 1}).status_code == 201  # fmt: skip
    settings.STA_QUERY_TIMEOUT_MS = 300
    if connection.vendor == "postgresql":

        def sleep():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_sleep(2)")

        seen["then"] = sleep
        response = anonymous.get("Things")
        assert response.status_code == 408, response.content
        seen["then"] = None
    response = anonymous.get("Observations", **{"$filter": "result div 0 eq 1"})
    # PostgreSQL refuses the division (the transaction is aborted); SQLite makes it NULL
    assert response.status_code == (400 if connection.vendor == "postgresql" else 200)
    assert anonymous.get("Things").status_code == 200
    assert state()["in_transaction"] is False


def test_a_read_on_a_connection_the_server_dropped_is_answered(station):
    """After a database restart or an idle timeout the next read opens a new connection
    (on SQLite: after the connection was closed)."""

    def get(path: str) -> str:
        # Through Django's own handler: the test client leaves out the request signals
        # that check a kept connection.
        from django.core.handlers.wsgi import WSGIHandler
        from django.test import RequestFactory

        answer = []
        environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
        body = WSGIHandler()(environ, lambda status, headers: answer.append(status))
        body.close()  # the end of the request, as a server ends it
        return answer[0]

    assert get("/sta/v1.1/Things") == "200 OK"
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        other = connection.copy()
        with other.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.close()
    else:
        connection.close()
    assert get("/sta/v1.1/Things") == "200 OK"
    assert state()["in_transaction"] is False


def test_a_limit_the_database_refuses_leaves_no_transaction_open(anonymous, station, settings):
    """The time limit is set in the statement that begins the transaction; should that
    fail, the transaction is still rolled back and the next read served."""
    settings.STA_QUERY_TIMEOUT_MS = 3_000_000_000 if connection.vendor == "postgresql" else 100
    first = anonymous.get("Things")
    assert first.status_code == (400 if connection.vendor == "postgresql" else 200)
    assert state()["in_transaction"] is False
    settings.STA_QUERY_TIMEOUT_MS = 10_000
    assert anonymous.get("Things").status_code == 200
