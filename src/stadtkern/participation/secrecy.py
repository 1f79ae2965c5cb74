"""Sealing: once a vote or an anonymous survey has closed, nothing in storage links a
ballot or a response to the person who cast it.

While a vote runs, a ballot is written in the same transaction as the record that its
voter took part, so the database's own bookkeeping ties them together: SQLite's
``rowid`` order, PostgreSQL's ``xmin`` and ``ctid``. Sealing rewrites every ballot of a
closed budget (and every response of a closed anonymous survey) in one transaction, in
a random order, with new ids: afterwards all of them carry the same transaction and
their order is a fresh permutation. The old rows are then erased from the files too
(PostgreSQL: ``VACUUM FULL`` rewrites the table; SQLite: ``secure_delete`` zeroes the
freed content and a checkpoint empties the write-ahead log).

A budget is sealed when its vote is over, at the latest when its results are first
shown; ``stadtkern participation seal`` seals everything that is due (run it from cron
shortly after votes close).
"""

import logging
import random
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from .models import Ballot, Budget, PhaseKind, Process, Survey, SurveyResponse
from .selectors import voting_over

_system_random = random.SystemRandom()
log = logging.getLogger("stadtkern.participation")


def budget_seal(*, budget: Budget, shuffle=None, only_when_over: bool = True) -> bool:
    """Rewrite the budget's ballots in random order with new ids; False if already sealed
    or (``only_when_over``) if its vote is not over.

    The vote's phases are read again after the budget is locked: a phase change that
    reopened the vote a moment ago holds the same lock (services._refuse_reopening).
    """
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        if budget.sealed_at is not None:
            return False
        if only_when_over and not voting_over(Process.objects.get(pk=budget.process_id)):
            return False
        _rewrite_shuffled(
            Ballot.objects.filter(budget=budget),
            ["budget_id", "key", "projects", "points", "extra"],
            shuffle,
        )
        budget.sealed_at = timezone.now()
        budget.save(update_fields=["sealed_at"])
    return True


def held_open(model, pk) -> bool:
    """Hold a budget or survey against sealing until this transaction ends; True when it
    is sealed already (a ballot or answer must then not be stored).

    On PostgreSQL a share lock on its row, which sealing's FOR UPDATE waits for (and
    which waits for a seal under way). The rows a ballot inserts lock nothing there
    before the commit: Django's foreign keys are checked at the commit. On SQLite one
    transaction writes at a time, and the check at the end of the ballot's suffices."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT sealed_at FROM {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608
            " WHERE id = %s FOR SHARE",
            [pk],
        )
        row = cur.fetchone()
    return row is not None and row[0] is not None


def survey_seal(*, survey: Survey, shuffle=None) -> bool:
    """Rewrite an anonymous survey's responses in random order with new ids."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.sealed_at is not None or not survey.anonymous:
            return False
        _rewrite_shuffled(
            SurveyResponse.objects.filter(survey=survey, user__isnull=True),
            ["survey_id", "answers"],
            shuffle,
        )
        survey.sealed_at = timezone.now()
        survey.save(update_fields=["sealed_at"])
    return True


def _rewrite_shuffled(rows, fields: list[str], shuffle) -> None:
    """Delete the rows and write them again, in a fresh random order with new ids."""
    model = rows.model
    values = list(rows.values(*fields))
    (shuffle or _system_random.shuffle)(values)
    with _secure_delete():
        rows.delete()
    model.objects.bulk_create([model(id=uuid.uuid4(), **row) for row in values], batch_size=2000)
    transaction.on_commit(erase_old_rows)


def seal_due(now: datetime | None = None) -> dict:
    """Seal every budget whose vote is over and every anonymous survey that has closed."""
    now = now or timezone.now()
    budgets = 0
    processes = Process.objects.filter(
        phases__kind=PhaseKind.VOTING, budgets__sealed_at__isnull=True
    ).distinct()
    for process in processes.prefetch_related("phases"):
        if not voting_over(process, now):
            continue
        for budget in process.budgets.filter(sealed_at__isnull=True):
            budgets += budget_seal(budget=budget)
    surveys = 0
    for survey in Survey.objects.filter(anonymous=True, sealed_at__isnull=True, closes_at__lte=now):
        surveys += survey_seal(survey=survey)
    # A seal whose old rows could not be erased then (a reader or a ballot was busy)
    # is finished here.
    return {"budgets": budgets, "surveys": surveys, "old_rows_erased": erase_old_rows()}


@contextmanager
def _secure_delete():
    """On SQLite, zero what a delete frees instead of leaving it in the file."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA secure_delete")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            cur.execute(f"PRAGMA secure_delete = {int(before)}")


def erase_old_rows() -> bool:
    """Remove the superseded row versions from the database files; True when none is
    left. Runs after a seal's commit, and again from ``seal_due`` if it could not then.

    PostgreSQL: dead row versions keep their xmin and place until ``VACUUM FULL``
    rewrites the table. It needs the table to itself, so it waits at most two seconds
    for ballots being written (a longer wait would hold up every vote) and is tried
    again later. SQLite: the write-ahead log is emptied (``empty_sqlite_log``).
    """
    if connection.vendor != "postgresql":
        return empty_sqlite_log()
    done = True
    with connection.cursor() as cur:
        for model in (Ballot, SurveyResponse):
            table = model._meta.db_table
            cur.execute(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = %s::regclass", [table]
            )
            row = cur.fetchone()
            if row is not None and not row[0] and not _sealed_lately(model):
                continue
            cur.execute("SHOW lock_timeout")
            before = cur.fetchone()[0]
            cur.execute("SET lock_timeout = '2s'")
            try:
                cur.execute(f"VACUUM FULL {connection.ops.quote_name(table)}")
            except OperationalError as exc:  # the lock was not had in time
                log.warning("old rows of %s stay until the next seal run: %s", table, exc)
                done = False
            finally:
                cur.execute("SELECT set_config('lock_timeout', %s, false)", [before])
    return done


def _sealed_lately(model) -> bool:
    """Whether a seal of this kind happened in the last minute (the statistics that
    count dead rows may not show its rows yet)."""
    since = timezone.now() - timedelta(minutes=1)
    owner = Budget if model is Ballot else Survey
    return owner.objects.filter(sealed_at__gte=since).exists()


def empty_sqlite_log() -> bool:
    """Empty SQLite's write-ahead log, which holds old pages until a checkpoint.

    Waits at most a second for readers (a longer wait would hold up every writer);
    when one is still reading, the log stays and ``seal_due`` tries again. Return True
    when the log is empty (or there is none).
    """
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA busy_timeout = 1000")
        try:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cur.fetchone()
        finally:
            cur.execute(f"PRAGMA busy_timeout = {int(before)}")
    return busy == 0
