"""A database busy past the wait bound answers 503 with Retry-After, never 500, and
nothing of the request is stored; on SQLite and PostgreSQL."""

import json
import sqlite3

import psycopg
import pytest
from django.db import connection

from stadtkern.participation import services
from stadtkern.participation.models import Ballot, Budget, Participation
from stadtkern.participation.tests.conftest import make_budget, make_process

pytestmark = pytest.mark.django_db(transaction=True)


class HeldLock:
    """Another client holding what the request needs: SQLite's write lock, or the
    budget's row on PostgreSQL."""

    def __init__(self, budget: Budget):
        self.budget = budget

    def __enter__(self):
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            self.other = sqlite3.connect(settings["NAME"], isolation_level=None)
            self.other.execute("BEGIN IMMEDIATE")
            wait = "PRAGMA busy_timeout = 300"
        else:
            self.other = psycopg.connect(
                host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
            )  # fmt: skip
            self.other.execute(
                "SELECT id FROM participation_budget WHERE id = %s FOR UPDATE", [self.budget.pk]
            )
            wait = "SET lock_timeout = '300ms'"
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute(wait)
        return self

    def __exit__(self, *exc):
        self.other.rollback() if connection.vendor != "sqlite" else self.other.execute("ROLLBACK")
        self.other.close()
        connection.close()  # the next request starts with the configured wait again


@pytest.fixture
def open_vote(alpha):
    budget = make_budget(make_process(alpha), max_projects=3)
    return budget, services.voting_codes_create(process=budget.process, count=2)


def test_api_write_on_a_busy_database_answers_503_with_retry_after(client, open_vote):
    budget, (code, _other) = open_vote
    with HeldLock(budget):
        response = client.post(
            f"/api/v1/participation/budgets/{budget.pk}/ballot-by-code",
            json.dumps({"code": code, "projects": ["1"]}),
            content_type="application/json",
        )
    assert response.status_code == 503, response.content
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"] == "application/problem+json"
    assert not Ballot.objects.exists() and not Participation.objects.exists()
    # Once the lock is gone, the same ballot goes through.
    again = client.post(
        f"/api/v1/participation/budgets/{budget.pk}/ballot-by-code",
        json.dumps({"code": code, "projects": ["1"]}),
        content_type="application/json",
    )
    assert again.status_code == 200


def test_page_write_on_a_busy_database_answers_503_with_retry_after(client, open_vote):
    budget, (code, _other) = open_vote
    process = budget.process
    url = f"/m/{process.municipality.slug}/participation/{process.slug}/budgets/{budget.pk}/vote/"
    assert client.get(url).status_code == 200
    with HeldLock(budget):
        response = client.post(url, {"code": code, "projects": ["1"]})
    assert response.status_code == 503, response.content[:500]
    assert response["Retry-After"].isdigit()
    assert "try again" in response.content.decode()
    assert not Ballot.objects.exists()


def test_reads_are_not_held_up_by_a_writer(client, open_vote):
    budget, _codes = open_vote
    with HeldLock(budget):
        response = client.get(f"/api/v1/participation/budgets/{budget.pk}")
    assert response.status_code == 200


def test_a_busy_database_outside_any_view_answers_503_too(alpha, open_vote, rf):
    """Django hands an exception raised outside a view (in a middleware on the way out)
    to the 500 handler; when it is the database staying busy, the answer is a 503."""
    from django.db import OperationalError

    from stadtkern.core.views import server_error

    budget, _codes = open_vote
    with HeldLock(budget):
        try:
            with connection.cursor() as cur:  # the real error, from the held lock
                cur.execute(
                    "UPDATE participation_budget SET name = name WHERE id = %s", [budget.pk]
                )
        except OperationalError:
            page = server_error(rf.get(f"/m/{alpha.slug}/"))
            api = server_error(rf.get("/api/v1/municipalities"))
        else:
            raise AssertionError("the lock was not held")
    assert page.status_code == 503 and page["Retry-After"].isdigit()
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"
    assert server_error(rf.get("/")).status_code == 500  # outside an exception: as before
