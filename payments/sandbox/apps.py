from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "payments.sandbox"
    label = "sandbox"
    verbose_name = "Payment sandbox (development only)"
