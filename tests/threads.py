"""Real threads released together, each with its own database connection (closed when it ends)."""

import threading

from django.db import connection


def at_once(actions, expected=()) -> list:
    """Run the callables at once and return their results in order.

    An exception of a class in `expected` is returned in place of the result; any other is raised
    in its thread, leaving None."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except expected as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
