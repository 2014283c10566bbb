from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data only; sits on top of every app and nothing imports it."""

    name = "demo"
