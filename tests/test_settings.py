import os
import re
import subprocess
import sys

from django.tasks import task_backends


def test_tasks_run_inline_in_tests():
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "experthive.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_with_the_development_secret_key():
    result = run_settings({"DEBUG": "0", "ALLOWED_HOSTS": "example.com", "SITE_URL": "https://example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "EMAIL_BACKEND must send real email" in result.stderr


def test_production_starts_with_safe_values():
    result = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "example.com",
            "SITE_URL": "https://example.com",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        }
    )
    assert result.returncode == 0, result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    from pathlib import Path

    from django.conf import settings

    source = (settings.BASE_DIR / "experthive" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|envbool|envint|envlist)\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    documented = set(re.findall(r"^([A-Z_]+)=", Path(settings.BASE_DIR / ".env.example").read_text(), re.M))
    assert len(read) > 20  # the pattern still finds the settings' variables
    assert read - documented == set()
