"""Large SQLite loads through a staging file, written in C and copied in one statement.

Python's sqlite3 binds every value of every row one at a time, holding the GIL, which
makes it the slowest part of a large import. From STAGE_ROWS rows on, the importer's
chunks go instead, as Arrow columns, into a private SQLite file written by the ADBC
SQLite driver (in C, without the GIL, while the next chunk is converted). When the last
chunk is in, the import's own connection attaches the file and copies the rows with one
``INSERT ... SELECT``, inside the import's transaction.

The ADBC driver brings its own copy of SQLite. Two copies of SQLite must never have the
same file open at once (POSIX locks belong to the process, and one copy would release
the other's): the staging file is closed by ADBC before it is attached, and it is
never the application's database.

SQLite refuses to detach a database inside the transaction that read it. The file is
deleted at once (the attachment keeps it open until then) and detached by release(),
which the importer calls when its transaction has ended.
"""

import os
import uuid

from django.db import connection

from stadtkern.core.scratch import scratch_file

STAGE_ROWS = 50_000
PREFIX = "sk_stage_"
# SQLite attaches at most 10 databases to a connection; leave room for the callers'.
MAX_PENDING = 6


def available() -> bool:
    """Whether this connection can take one more staging file."""
    return len(_attached()) < MAX_PENDING


def release() -> None:
    """Detach the staging files of finished transactions (none while one is open)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    with connection.cursor() as cur:
        for name in _attached():
            cur.execute(f'DETACH DATABASE "{name}"')


def _attached() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("PRAGMA database_list")
        return [row[1] for row in cur.fetchall() if row[1].startswith(PREFIX)]


class Stage:
    """One staging file: write() Arrow-compatible frames, then copy_into() the table."""

    def __init__(self):
        self.path = scratch_file("stage", ".sqlite3")
        from adbc_driver_sqlite import dbapi

        self._conn = dbapi.connect(self.path, autocommit=True)
        self._cursor = self._conn.cursor()
        # A throwaway file: no journal and no syncing to disk.
        self._cursor.execute("PRAGMA journal_mode=OFF")
        self._cursor.execute("PRAGMA synchronous=OFF")
        self.rows = 0

    def write(self, frame) -> None:
        self._cursor.adbc_ingest("rows", frame, mode="append" if self.rows else "create")
        self.rows += frame.height

    def copy_into(self, cursor, table: str, names: list[str], conflict: str = "") -> None:
        """Copy every staged row into ``table`` through the import's ``cursor``."""
        from .datastore import qn

        self._close()
        try:
            if not self.rows:
                return
            alias = f"{PREFIX}{uuid.uuid4().hex}"
            cursor.execute(f'ATTACH DATABASE %s AS "{alias}"', [self.path])
            cols = ", ".join(qn(n) for n in names)
            # WHERE true: without it SQLite would read ON CONFLICT as a join's ON.
            cursor.execute(
                f'INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM "{alias}".rows '  # noqa: S608
                f"WHERE true ORDER BY rowid {conflict}"
            )
        finally:
            os.unlink(self.path)

    def discard(self) -> None:
        self._close()
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _close(self) -> None:
        if self._conn is not None:
            self._cursor.close()
            self._conn.close()
            self._conn = None
