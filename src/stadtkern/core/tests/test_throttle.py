"""Attempts are counted in the database, each exactly once, also when they race."""

import hashlib
import threading

import pytest
from django.db import connection

from stadtkern.core import throttle
from stadtkern.core.models import Attempt


@pytest.mark.django_db(transaction=True)
def test_racing_attempts_are_each_counted_once():
    counts, lock = [], threading.Lock()
    start = threading.Barrier(12)

    def one():
        start.wait()
        try:
            n = throttle.attempt("login", "erik", "10.0.0.1", window=600)
            with lock:
                counts.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == list(range(1, 13))
    # Exactly `limit` attempts got through; the rest were refused.
    assert sum(n <= 5 for n in counts) == 5
    assert Attempt.objects.get().count == 12


@pytest.mark.django_db
def test_a_window_that_has_passed_starts_the_count_again():
    assert throttle.attempt("code", "10.0.0.2", window=600) == 1
    assert throttle.attempt("code", "10.0.0.2", window=600) == 2
    Attempt.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert throttle.attempt("code", "10.0.0.2", window=600) == 1
    assert throttle.purge_expired() == 0
    # Nothing of the name or address is stored in the clear, nor as a plain hash that
    # trying every address would find again.
    key = Attempt.objects.get().key
    assert "10.0.0.2" not in key
    assert key != hashlib.sha256(b"code\x1f10.0.0.2").hexdigest()
