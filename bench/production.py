"""The environment production requires (DEBUG off and every setting the site refuses to start
without), with values that are never used: the benchmarks send no SMS and reach no gateway."""

import secrets


def production_settings() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://bench.experthive.ng",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP: nothing here terminates TLS
        "LOG_LEVEL": "WARNING",
        "SMS_BACKEND": "termii",
        "TERMII_API_KEY": "unused-by-the-benchmark",
        "TERMII_SECRET_KEY": "unused-by-the-benchmark",
        "PAYMENTS_SANDBOX": "0",
        "FLUTTERWAVE_BASE_URL": "https://api.flutterwave.com/v3",
        "FLUTTERWAVE_SECRET_KEY": "FLWSECK-unused-by-the-benchmark-X",
        "FLUTTERWAVE_WEBHOOK_HASH": "unused-by-the-benchmark",
    }
