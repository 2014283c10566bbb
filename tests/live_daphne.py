"""A real Daphne for browser journeys that need WebSockets, in a fresh interpreter.

Kept free of Django imports at module level: the spawned process unpickles what it runs from
here before Django is set up. A forked server would instead inherit the test process's channel
layer (bound to another event loop) and its open database connections.
"""

import multiprocessing

from daphne.testing import DaphneProcess


def apply_settings(values: dict) -> None:
    """In the server process: the settings the tests changed (test database, fast hashers...)."""
    from django.conf import settings

    for name, value in values.items():
        setattr(settings, name, value)


def make_application(settings_values: dict):
    """In the server process (Daphne builds the application before its own setup hook runs)."""
    import django

    apply_settings(settings_values)
    django.setup()
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


class SpawnedDaphne(DaphneProcess):
    _start_method = "spawn"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spawn = multiprocessing.get_context("spawn")  # the signals must come from the same kind
        self.port, self.ready, self.errors = spawn.Value("i", 0), spawn.Event(), spawn.Queue()

    @staticmethod
    def _Popen(process_obj):
        from multiprocessing.popen_spawn_posix import Popen

        return Popen(process_obj)
