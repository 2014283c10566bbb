"""Counting SQL for query budgets.

Counted as statements execute, not read from the connection's query log: every request clears
that log, and a test that paid through the in-process sandbox has already served requests."""

from django.db import connection


class QueryCount:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(call) -> tuple[int, object]:
    """Run `call()` and return (statements it executed, its result)."""
    counter = QueryCount()
    with connection.execute_wrapper(counter):
        result = call()
    return counter.count, result
