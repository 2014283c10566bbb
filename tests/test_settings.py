import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.tasks import task_backends


def test_tasks_run_inline_in_tests():
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PAYMENTS_SANDBOX")
    }
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
    assert "SMS_BACKEND must send real SMS" in result.stderr


def test_production_starts_with_safe_values():
    result = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "example.com",
            "SITE_URL": "https://example.com",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "SMS_BACKEND": "termii",
            "TERMII_API_KEY": "test-key",
            "TERMII_SECRET_KEY": "test-secret",
            **REAL_GATEWAY,
        }
    )
    assert result.returncode == 0, result.stderr


def test_production_refuses_an_sms_provider_without_its_keys():
    result = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "example.com",
            "SITE_URL": "https://example.com",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "SMS_BACKEND": "twilio",
        }
    )
    assert result.returncode != 0
    assert "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM" in result.stderr


REAL_GATEWAY = {
    "PAYMENTS_SANDBOX": "0",
    "FLUTTERWAVE_BASE_URL": "https://api.flutterwave.com/v3",
    "FLUTTERWAVE_SECRET_KEY": "FLWSECK-live-key-from-the-dashboard",
    "FLUTTERWAVE_WEBHOOK_HASH": "a-long-random-secret-hash",
}


def test_production_refuses_the_payment_sandbox():
    safe = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.com",
        "SITE_URL": "https://example.com",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    result = run_settings({**safe, "PAYMENTS_SANDBOX": "1"})

    assert result.returncode != 0
    assert "PAYMENTS_SANDBOX must be 0" in result.stderr
    assert "FLUTTERWAVE_BASE_URL must be the gateway's https:// API, not the sandbox." in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    from pathlib import Path

    from django.conf import settings

    source = (settings.BASE_DIR / "experthive" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|envbool|envint|envlist)\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    documented = set(re.findall(r"^([A-Z_]+)=", Path(settings.BASE_DIR / ".env.example").read_text(), re.M))
    assert len(read) > 20  # the pattern still finds the settings' variables
    assert read - documented == set()


@pytest.mark.django_db
def test_database_url_switches_the_database():
    from django.db import connection

    assert connection.vendor == ("postgresql" if os.environ.get("DATABASE_URL") else "sqlite")


def test_redis_url_switches_the_cache_and_it_round_trips():
    from django.core.cache import caches

    expected = "RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache"
    cache = caches["default"]
    assert type(cache).__name__ == expected
    cache.set("settings-test", {"n": 1}, 10)
    assert cache.get("settings-test") == {"n": 1}


async def test_redis_url_switches_the_channel_layer_and_it_delivers():
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    expected = "RedisPubSubChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "test.message", "text": "hello"})
    assert (await layer.receive(channel))["text"] == "hello"


# A production rehearsal: DEBUG=0 on one machine, the providers faked on loopback ports it names.
REHEARSAL = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "http://127.0.0.1:5000",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "SMS_BACKEND": "termii",
    "TERMII_API_KEY": "test-key",
    "TERMII_SECRET_KEY": "test-secret",
    "TERMII_BASE_URL": "http://127.0.0.1:7001",
    "PAYMENTS_SANDBOX": "0",
    "FLUTTERWAVE_BASE_URL": "http://127.0.0.1:7000/sandbox/flutterwave/v3",
    "FLUTTERWAVE_SECRET_KEY": "FLWSECK-rehearsal-key-X",
    "FLUTTERWAVE_WEBHOOK_HASH": "rehearsal-hash",
    "REHEARSAL_PROVIDER_HOSTS": "127.0.0.1:5000,127.0.0.1:7000,127.0.0.1:7001",
}


def test_a_rehearsal_starts_with_its_providers_on_the_loopback_ports_it_names():
    result = run_settings(REHEARSAL)
    assert result.returncode == 0, result.stderr


def test_loopback_providers_are_refused_without_the_rehearsal_variable():
    result = run_settings({**REHEARSAL, "REHEARSAL_PROVIDER_HOSTS": ""})
    assert result.returncode != 0
    assert "SITE_URL must be the public https:// address." in result.stderr
    assert "TERMII_BASE_URL must be the provider's https:// API." in result.stderr
    assert "FLUTTERWAVE_BASE_URL must be the gateway's https:// API, not the sandbox." in result.stderr


def test_a_rehearsal_is_refused_while_allowed_hosts_names_a_real_domain():
    result = run_settings({**REHEARSAL, "ALLOWED_HOSTS": "127.0.0.1,experthive.example.com"})
    assert result.returncode != 0
    assert "REHEARSAL_PROVIDER_HOSTS is refused while ALLOWED_HOSTS names experthive.example.com." in result.stderr


def test_a_rehearsal_may_name_loopback_hosts_only():
    hosts = "127.0.0.1:5000,127.0.0.1:7001,10.0.0.5:7000"
    result = run_settings(
        {**REHEARSAL, "REHEARSAL_PROVIDER_HOSTS": hosts, "FLUTTERWAVE_BASE_URL": "http://10.0.0.5:7000/v3"}
    )
    assert result.returncode != 0
    assert "REHEARSAL_PROVIDER_HOSTS may name loopback hosts only, not 10.0.0.5:7000." in result.stderr
    assert "FLUTTERWAVE_BASE_URL must be the gateway's https:// API" in result.stderr


def test_a_rehearsal_accepts_plain_http_only_on_the_ports_it_named():
    result = run_settings({**REHEARSAL, "TERMII_BASE_URL": "http://127.0.0.1:7999"})
    assert result.returncode != 0
    assert "TERMII_BASE_URL must be the provider's https:// API." in result.stderr


def test_a_rehearsal_still_refuses_the_console_sms_backend_and_the_sandbox_routes():
    result = run_settings({**REHEARSAL, "SMS_BACKEND": "console", "PAYMENTS_SANDBOX": "1"})
    assert result.returncode != 0
    assert "SMS_BACKEND must send real SMS" in result.stderr
    assert "PAYMENTS_SANDBOX must be 0" in result.stderr


def test_production_refuses_an_sms_provider_over_plain_http():
    result = run_settings(
        {
            **REHEARSAL,
            "REHEARSAL_PROVIDER_HOSTS": "",
            "ALLOWED_HOSTS": "example.com",
            "SITE_URL": "https://example.com",
            "TERMII_BASE_URL": "http://api.ng.termii.com",
            **REAL_GATEWAY,
        }
    )
    assert result.returncode != 0
    assert "TERMII_BASE_URL must be the provider's https:// API." in result.stderr
    assert "SITE_URL" not in result.stderr


def database_settings(url: str, probe: str) -> subprocess.CompletedProcess:
    """Start Django with DATABASE_URL=url and run `probe` (Python) against it."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup()\nfrom django.db import connection\n{probe}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "experthive.settings", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_sqlite_database_url_answers_queries(tmp_path):
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"

    result = database_settings(url, "print(connection.cursor().execute('select 41 + 1').fetchone()[0])")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"


def test_a_postgresql_database_url_gets_the_connection_pool():
    result = database_settings(
        "postgres://someone@db.example.com:5432/site", "print(connection.settings_dict['OPTIONS']['pool'])"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'min_size': 1, 'max_size': 10}"


# --- app.json: what Heroku asks for when the app is created --------------------------------

# What an operator types for app.json's required variables that have no value of their own.
OPERATOR_ANSWERS = {
    "ALLOWED_HOSTS": "my-experthive.herokuapp.com",
    "SITE_URL": "https://my-experthive.herokuapp.com",
    "EMAIL_HOST": "smtp.example.com",
    "TERMII_API_KEY": "termii-live-api-key",
    "TERMII_SECRET_KEY": "termii-live-secret-key",
    "FLUTTERWAVE_SECRET_KEY": "FLWSECK-live-key-from-the-dashboard-X",
    "FLUTTERWAVE_WEBHOOK_HASH": "a-long-random-secret-hash",
}
# What Heroku's add-ons set (Heroku Redis: TLS with a self-signed certificate).
ADDON_VARIABLES = {
    "DATABASE_URL": "postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1",
    "REDIS_URL": "rediss://:p@ec2-5-6-7-8.compute-1.amazonaws.com:6380",
}


def app_json_env() -> dict:
    from django.conf import settings

    return json.loads((settings.BASE_DIR / "app.json").read_text())["env"]


def heroku_environment(variables: dict) -> dict:
    """The config vars of a new Heroku app: fixed values, generated secrets and the operator's
    answers to the required variables; the optional ones left empty."""
    env = dict(ADDON_VARIABLES)
    for name, spec in variables.items():
        if "value" in spec:
            env[name] = spec["value"]
        elif spec.get("generator") == "secret":
            env[name] = secrets.token_hex(32)  # what Heroku generates: 64 hex characters
        elif spec.get("required", True):
            env[name] = OPERATOR_ANSWERS[name]
    return env


def test_app_json_asks_for_every_variable_the_production_guard_needs():
    variables = app_json_env()
    env = heroku_environment(variables)
    optional = {name for name, spec in variables.items() if spec.get("required", True) is False}

    # Only these variables, as Heroku would start the release phase with them.
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "experthive.settings", **env},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )

    assert variables["DEBUG"]["value"] == "0"  # so the guard ran
    assert optional.isdisjoint(env)  # and did without every variable app.json calls optional
    assert result.returncode == 0, result.stderr


def test_every_required_app_json_variable_has_an_answer_in_this_test():
    """If app.json gains a required variable, this test file must say what an operator types."""
    variables = app_json_env()
    asked = {
        name
        for name, spec in variables.items()
        if spec.get("required", True) and "value" not in spec and "generator" not in spec
    }

    assert asked == set(OPERATOR_ANSWERS)
