"""Count the SQL queries a block of code runs (for tests and benchmarks).

Django's CaptureQueriesContext reads the debug query log, which every request start
resets; counting through an execute wrapper sees every query, whatever happens to
the log.
"""

from contextlib import contextmanager

from django.db import connection


class QueryCount:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def count_queries():
    """Yield a counter whose ``count`` is the number of queries run inside the block."""
    counter = QueryCount()
    with connection.execute_wrapper(counter):
        yield counter
