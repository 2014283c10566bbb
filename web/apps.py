from django.apps import AppConfig


class WebConfig(AppConfig):
    """The interface tier: every HTML page, grouped by feature, beside the JSON API in `api`."""

    name = "web"
