"""Expert Hive settings.

One file. With no environment variables it runs on one machine: SQLite (WAL),
in-memory channel layer, local-memory cache, console email, DEBUG on.
Environment variables switch each part to production services; see
`.env.example` for the full list.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

DEBUG = envbool("DEBUG", "1")
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_NAME = "Expert Hive Tutors"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "axes",
    "phonenumber_field",
    "django_tasks_db",
    "catalog",
    "accounts",
    "notifications",
    "questions",
    "bidding",
    "engagements",
    "payments",
    "payments.sandbox",
    "chat",
    "reviews",
    "recommendations",
    "demo",
    "ninja",  # its templates and static files: the API docs page served locally
    "api",
    "web",  # every HTML page, its forms, templates and socket routes
    "experthive",  # the project's own commands (the clock)
]

MIDDLEWARE = [
    # First, so every log line of the request (and its redirects and errors) carries the id.
    "core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.middleware.StorageUnavailableMiddleware",
    # Axes goes last so it sees the authenticated user and can answer a lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "experthive.urls"
WSGI_APPLICATION = "experthive.wsgi.application"
ASGI_APPLICATION = "experthive.asgi.application"
# Threads per web process that run HTTP requests through the WSGI handler (experthive/asgi.py).
WEB_THREADS = envint("WEB_THREADS", "4")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "web.context_processors.site",
                "web.badge.badges",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default; DATABASE_URL (postgres://...) switches to PostgreSQL.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    # Only PostgreSQL has a pool option: SQLite and MySQL refuse it at the first query.
    if DATABASES["default"]["ENGINE"].endswith((".postgresql", ".postgis")) and envbool("DATABASE_POOL", "1"):
        # psycopg 3's pool replaces persistent connections (CONN_MAX_AGE must be 0).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": envint("DATABASE_POOL_MIN", "1"),
            "max_size": envint("DATABASE_POOL_MAX", "10"),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
                # (up to `timeout` seconds) instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file too: in-memory SQLite locks whole tables and ignores the busy
            # timeout, so concurrent writers would fail instead of queueing as they do here.
            "TEST": {"NAME": str(BASE_DIR / "test-db.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_options(url: str) -> dict[str, object]:
    """redis-py's connection options, the same for the cache (and so the sessions and the chat's rate
    counts) and the channel layer. A connection that gets no answer, TLS handshake included, gives up
    after 5 s: a wrong address fails a request or a socket's handshake fast instead of hanging it.
    A rediss:// certificate is checked against the system's CAs (or REDIS_TLS_CA_FILE) unless
    REDIS_TLS_VERIFY=0, which Heroku Redis needs: its certificate is self-signed. Options written
    in the URL itself (?ssl_cert_reqs=none) take precedence over these."""
    options: dict[str, object] = {"socket_connect_timeout": 5}
    if not url.startswith("rediss://"):
        return options
    if not envbool("REDIS_TLS_VERIFY", "1"):
        return {**options, "ssl_cert_reqs": "none"}
    ca_file = os.environ.get("REDIS_TLS_CA_FILE", "")
    return {**options, "ssl_cert_reqs": "required", **({"ssl_ca_certs": ca_file} if ca_file else {})}


def redis_caches(url: str) -> dict:
    return {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": url, "OPTIONS": redis_options(url)}}


def redis_channel_layers(url: str) -> dict:
    # channels_redis hands a host dict's other keys to redis-py's ConnectionPool.from_url.
    host = {"address": url, **redis_options(url)}
    return {
        "default": {
            "BACKEND": os.environ.get("CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"),
            "CONFIG": {"hosts": [host], "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi")},
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
    # Every page reads the session: from Redis, with the database behind it so a flush logs no one out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Real time ------------------------------------------------------------------
# Under the 55 s idle limit of common routers (Heroku's): each socket hears from us every 25 s.
WEBSOCKET_HEARTBEAT_SECONDS = envint("WEBSOCKET_HEARTBEAT_SECONDS", "25")
# Dotted path to `f(token: str) -> User | None` for API clients that send `Authorization: Bearer`;
# empty = session only. The JSON API's token model plugs in here (see experthive/ws_auth.py).
WEBSOCKET_TOKEN_AUTHENTICATOR = os.environ.get("WEBSOCKET_TOKEN_AUTHENTICATOR", "api.auth.socket_user")
CHAT_RATE_LIMIT = envint("CHAT_RATE_LIMIT", "30")  # messages per user per window
CHAT_RATE_WINDOW_SECONDS = envint("CHAT_RATE_WINDOW_SECONDS", "60")

# --- Background tasks ---------------------------------------------------------
# Tasks are rows in the same database, enqueued in the caller's transaction and
# run by `manage.py db_worker`. TASKS_BACKEND=immediate runs them inline (tests).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}}

# --- Accounts and authentication -----------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Login throttling: lock out a username+IP pair after repeated wrong passwords.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"
AXES_VERBOSE = False
# Number of reverse proxies in front of the app (1 on Heroku); 0 trusts REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")

PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "NG")
PHONENUMBER_DB_FORMAT = "E164"

# --- Marketplace rules ---------------------------------------------------------
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "NGN")
# Everything that differs by currency, in one table; read it with core.money.currency_rules(code).
# Amounts in minor units: min_bid is the smallest bid and budget (₦1,000; $5; ...), commission_min the
# platform's smallest cut, min_payout the smallest payout. bank_country: whose banks a tutor picks from;
# bank_payouts: False where the gateways cannot pay a tutor's bank account in that currency.
# gateway: who takes the payments and sends the payouts (unset: PAYMENT_GATEWAY). offered: a question can
# be posted in it (the CURRENCIES variable lists those, in the order menus show them).
currency_table = {
    "NGN": {"symbol": "₦", "min_bid": 100_000, "commission_min": 50_000, "min_payout": 100_000, "bank_country": "NG"},
    "USD": {"symbol": "$", "min_bid": 500, "commission_min": 100, "min_payout": 1_000, "bank_payouts": False},
    "GBP": {"symbol": "£", "min_bid": 500, "commission_min": 100, "min_payout": 1_000, "bank_payouts": False},
    "GHS": {"symbol": "GH₵", "min_bid": 5_000, "commission_min": 1_000, "min_payout": 5_000, "bank_country": "GH"},
    "KES": {"symbol": "KSh ", "min_bid": 50_000, "commission_min": 10_000, "min_payout": 50_000, "bank_country": "KE"},
    "ZAR": {"symbol": "R", "min_bid": 5_000, "commission_min": 1_000, "min_payout": 5_000, "bank_country": "ZA"},
}
offered = envlist("CURRENCIES", "NGN,USD,GBP,GHS,KES,ZAR")
# "GHS:paystack,KES:flutterwave" and "NGN:50000,USD:100" override a row's gateway and commission minimum.
gateways = dict(item.split(":", 1) for item in envlist("PAYMENT_GATEWAY_BY_CURRENCY") if ":" in item)
commission_minimums = {code: int(amount) for code, amount in (item.split(":", 1) for item in envlist("COMMISSION_MIN"))}
CURRENCIES = {
    code: {**currency_table.get(code, {}), "offered": code in offered}
    for code in dict.fromkeys([*offered, *currency_table, *gateways, *commission_minimums])
}
for code, gateway in gateways.items():
    CURRENCIES[code]["gateway"] = gateway
for code, amount in commission_minimums.items():
    CURRENCIES[code]["commission_min"] = amount
# The clock's jobs (management commands) and how often each runs, in seconds.
CLOCK_JOBS = {
    "process_deadlines": envint("CLOCK_DEADLINES_SECONDS", "300"),
    "reconcile_payments": envint("CLOCK_RECONCILE_SECONDS", "300"),
    "compare_payments": envint("CLOCK_COMPARE_SECONDS", "3600"),
    "deliver_notifications": envint("CLOCK_NOTIFICATIONS_SECONDS", "600"),
    "remind_unread": envint("CLOCK_CHAT_REMINDERS_SECONDS", "60"),
    "refresh_recommendations": envint("CLOCK_RECOMMENDATIONS_SECONDS", "3600"),
}
# How long the tutors' feed list may be served from the cache; any question change refreshes it sooner.
FEED_CACHE_SECONDS = envint("FEED_CACHE_SECONDS", "10")
MAX_LIVE_BIDS_PER_TUTOR = envint("MAX_LIVE_BIDS_PER_TUTOR", "30")
MAX_REVISIONS = envint("MAX_REVISIONS", "2")
AUTO_APPROVE_DAYS = envint("AUTO_APPROVE_DAYS", "3")
PAYMENT_WINDOW_HOURS = envint("PAYMENT_WINDOW_HOURS", "48")
REVIEW_EDIT_HOURS = envint("REVIEW_EDIT_HOURS", "48")
ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_MB", "10") * 1024 * 1024
ATTACHMENTS_PER_UPLOAD = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Payments ---------------------------------------------------------------------
# The gateway that takes payments and sends payouts, unless CURRENCIES names another for the currency.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "flutterwave")
# With no keys the local sandbox (served by this site under /sandbox/) stands in for both gateways.
PAYMENTS_SANDBOX = envbool("PAYMENTS_SANDBOX", "1" if DEBUG else "0")
# The server that serves the sandbox, as this process reaches it: SITE_URL unless told otherwise.
# bin/serve exports the address it listens on, so its worker, clock and any command run with that
# variable reach the running server even when SITE_URL names another port or a public address.
SANDBOX_URL = os.environ.get("SANDBOX_URL", SITE_URL)
SANDBOX_BASE = SANDBOX_URL.rstrip("/") + "/sandbox"
# Where the sandbox sends its webhooks, as a merchant sets it on the gateway's dashboard. Empty: the
# site that asked for the checkout (the sandbox is served by the site itself); a sandbox served on
# its own (bin/rehearse) is told the site's address.
SANDBOX_WEBHOOK_URL = os.environ.get("SANDBOX_WEBHOOK_URL", "")
FLUTTERWAVE = {
    "BASE_URL": os.environ.get("FLUTTERWAVE_BASE_URL", SANDBOX_BASE + "/flutterwave/v3"),
    "SECRET_KEY": os.environ.get("FLUTTERWAVE_SECRET_KEY", "FLWSECK_TEST-sandbox-secret-key-X"),
    # The "secret hash" set on the dashboard: sent back as verif-hash and the HMAC key of flutterwave-signature.
    "WEBHOOK_HASH": os.environ.get("FLUTTERWAVE_WEBHOOK_HASH", "sandbox-webhook-hash"),
}
PAYSTACK = {
    "BASE_URL": os.environ.get("PAYSTACK_BASE_URL", SANDBOX_BASE + "/paystack"),
    "SECRET_KEY": os.environ.get("PAYSTACK_SECRET_KEY", "sk_test_sandbox_secret_key"),
}
PAYMENT_HTTP_TIMEOUT = envint("PAYMENT_HTTP_TIMEOUT", "20")
# A student back from the gateway waits at most this long, in all, for it to confirm the payment; after
# that the page says it is still confirming and refreshes (the webhook and reconciliation keep the above).
PAYMENT_RETURN_WAIT_SECONDS = envint("PAYMENT_RETURN_WAIT_SECONDS", "4")
SANDBOX_TIMEOUT_SECONDS = PAYMENT_HTTP_TIMEOUT + 1  # the sandbox's injected timeout outlasts the client
# Platform commission: a rate in basis points (1500 = 15%), at least the currency's commission_min.
COMMISSION_RATE_BPS = envint("COMMISSION_RATE_BPS", "1500")
# Pending payments, refunds and payouts older than this are re-checked with the gateway.
RECONCILE_AFTER_MINUTES = envint("RECONCILE_AFTER_MINUTES", "15")
# A checkout link is handed out again (one live link per engagement) for this long; Flutterwave's
# hosted page expires with it. A payment made on an older link is still caught by reconciliation.
CHECKOUT_LINK_MINUTES = envint("CHECKOUT_LINK_MINUTES", "30")
# Reconciliation reads the gateways' own records (transactions, refunds, transfers, chargebacks) made
# in the last this-many days.
RECONCILE_WINDOW_DAYS = envint("RECONCILE_WINDOW_DAYS", "7")
# Webhooks: bodies over this size are refused (413) before anything is stored; an event still waiting
# after this many checks is dead-lettered for staff to replay.
WEBHOOK_MAX_BYTES = envint("WEBHOOK_MAX_BYTES", "65536")
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", "10")

# --- Email ---------------------------------------------------------------------
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
SMTP_OPTIONS = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": envint("EMAIL_PORT", "587"),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": envbool("EMAIL_USE_TLS", "1"),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": SMTP_OPTIONS if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Expert Hive Tutors <no-reply@experthive.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where users write for help, e.g. a tutor whose earnings are in a currency we can't pay out to a bank.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@experthive.local")

# --- SMS ------------------------------------------------------------------------
# Like EMAIL_BACKEND: console (development: texts, codes included, go to the log), locmem
# (tests), or a provider. A short name or a dotted path to a backend class.
SMS_BACKENDS = {
    "console": "notifications.sms.console.ConsoleBackend",
    "locmem": "notifications.sms.locmem.LocmemBackend",
    "termii": "notifications.sms.termii.TermiiBackend",
    "africastalking": "notifications.sms.africastalking.AfricasTalkingBackend",
    "twilio": "notifications.sms.twilio.TwilioBackend",
}
SMS_BACKEND_NAME = os.environ.get("SMS_BACKEND", "console")
SMS_BACKEND = SMS_BACKENDS.get(SMS_BACKEND_NAME, SMS_BACKEND_NAME)
SMS_SENDER_ID = os.environ.get("SMS_SENDER_ID", "ExpertHive")
# Phone verification texts only numbers from these regions (ISO 3166 codes).
SMS_ALLOWED_COUNTRIES = envlist("SMS_ALLOWED_COUNTRIES", "NG,GH,KE,ZA,GB,US")
TERMII_API_KEY = os.environ.get("TERMII_API_KEY", "")
TERMII_SECRET_KEY = os.environ.get("TERMII_SECRET_KEY", "")  # signs delivery reports
TERMII_BASE_URL = os.environ.get("TERMII_BASE_URL", "https://api.ng.termii.com")
TERMII_CHANNEL = os.environ.get("TERMII_CHANNEL", "dnd")  # the transactional route reaches DND numbers
AFRICASTALKING_USERNAME = os.environ.get("AFRICASTALKING_USERNAME", "")
AFRICASTALKING_API_KEY = os.environ.get("AFRICASTALKING_API_KEY", "")
AFRICASTALKING_BASE_URL = os.environ.get("AFRICASTALKING_BASE_URL", "https://api.africastalking.com")
AFRICASTALKING_WEBHOOK_TOKEN = os.environ.get("AFRICASTALKING_WEBHOOK_TOKEN", "")  # secret part of callback URLs
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "")
TWILIO_BASE_URL = os.environ.get("TWILIO_BASE_URL", "https://api.twilio.com")
SMS_CREDENTIALS = {
    "termii": {"TERMII_API_KEY": TERMII_API_KEY, "TERMII_SECRET_KEY": TERMII_SECRET_KEY},
    "africastalking": {
        "AFRICASTALKING_USERNAME": AFRICASTALKING_USERNAME,
        "AFRICASTALKING_API_KEY": AFRICASTALKING_API_KEY,
        "AFRICASTALKING_WEBHOOK_TOKEN": AFRICASTALKING_WEBHOOK_TOKEN,
    },
    "twilio": {
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_FROM": TWILIO_FROM,
    },
}

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Lagos")
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def object_storage(
    *, bucket: str, endpoint_url: str = "", region: str = "", access_key: str = "", secret_key: str = "", **more
) -> dict:
    """Uploaded files in an S3-compatible bucket (AWS S3, Cloudflare R2, DigitalOcean Spaces,
    Backblaze B2, MinIO). Objects stay private: no ACL is sent (they inherit the bucket's private
    default; ACL-less stores such as R2 reject ACL headers), any URL the backend could make is
    signed, and the site never hands one out: downloads stream through the views after the access
    check (docs/decisions/0011-uploads-in-object-storage.md)."""
    from botocore.config import Config

    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # Stored names are random, so no existence check (a request) before each save.
        "file_overwrite": True,
        # A download is read into memory up to 2 MB, past that into a temporary file.
        "max_memory_size": 2 * 1024 * 1024,
        # An outage answers in seconds ("try again"), not after a minute of retries.
        "client_config": Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}),
        **more,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# With a bucket named, every upload goes to object storage; otherwise to MEDIA_ROOT on this disk,
# which only suits one machine (a second web process, or a Heroku restart, would not have them).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    uploads_storage = object_storage(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL", ""),
        region=os.environ.get("AWS_S3_REGION_NAME", ""),
        access_key=os.environ.get("AWS_ACCESS_KEY_ID", ""),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        addressing_style=os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        location=os.environ.get("AWS_LOCATION", ""),
    )
else:
    uploads_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": uploads_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers ---------------------------------------------------------------
# No inline scripts or styles anywhere: every script and stylesheet is a static file.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "web.home.csrf_failure"

if envbool("BEHIND_PROXY", "0"):
    # Heroku's router terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "1")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "1")


# A production rehearsal (bin/rehearse) runs DEBUG=0 on one machine with the payment and SMS
# providers faked on loopback: the host:port pairs named here may stand where an https:// address
# is required. Loopback hosts only, and refused while ALLOWED_HOSTS names any public host.
REHEARSAL_PROVIDER_HOSTS = envlist("REHEARSAL_PROVIDER_HOSTS")


def is_loopback(netloc: str) -> bool:
    host = urlsplit("//" + netloc).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def rehearsal_url(url: str) -> bool:
    """Plain http:// to a loopback host the rehearsal named."""
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.netloc in REHEARSAL_PROVIDER_HOSTS and is_loopback(parts.netloc)


def secure_url(url: str) -> bool:
    return url.startswith("https://") or rehearsal_url(url)


def production_problems() -> list[str]:
    """What makes these settings unsafe to serve real users with DEBUG off."""
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of 50+ characters.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the site's host names.")
    if EMAIL_BACKEND_PATH.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append("EMAIL_BACKEND must send real email (password resets go by email).")
    if not secure_url(SITE_URL):
        problems.append("SITE_URL must be the public https:// address.")
    return problems + rehearsal_problems() + sms_problems() + payment_problems()


def rehearsal_problems() -> list[str]:
    """Loopback providers are for a rehearsal on one machine, never for a site with a public name."""
    if not REHEARSAL_PROVIDER_HOSTS:
        return []
    problems = []
    if elsewhere := [host for host in REHEARSAL_PROVIDER_HOSTS if not is_loopback(host)]:
        problems.append(f"REHEARSAL_PROVIDER_HOSTS may name loopback hosts only, not {', '.join(elsewhere)}.")
    if public := [host for host in ALLOWED_HOSTS if not is_loopback(host)]:
        problems.append(f"REHEARSAL_PROVIDER_HOSTS is refused while ALLOWED_HOSTS names {', '.join(public)}.")
    return problems


def sms_problems() -> list[str]:
    if SMS_BACKEND.endswith(("ConsoleBackend", "LocmemBackend")):
        return ["SMS_BACKEND must send real SMS (phone verification codes go by SMS)."]
    problems = []
    missing = [name for name, value in SMS_CREDENTIALS.get(SMS_BACKEND_NAME, {}).items() if not value]
    if missing:
        problems.append(f"SMS_BACKEND={SMS_BACKEND_NAME} needs {', '.join(missing)}.")
    urls = {"termii": TERMII_BASE_URL, "africastalking": AFRICASTALKING_BASE_URL, "twilio": TWILIO_BASE_URL}
    if SMS_BACKEND_NAME in urls and not secure_url(urls[SMS_BACKEND_NAME]):
        problems.append(f"{SMS_BACKEND_NAME.upper()}_BASE_URL must be the provider's https:// API.")
    return problems


def payment_problems() -> list[str]:
    """Real money needs the real gateways: no sandbox routes, URLs or test keys."""
    problems = []
    if PAYMENTS_SANDBOX:
        problems.append("PAYMENTS_SANDBOX must be 0: the payment sandbox is for development only.")
    in_use = {PAYMENT_GATEWAY, *(rules["gateway"] for rules in CURRENCIES.values() if "gateway" in rules)}
    for name, conf in (("FLUTTERWAVE", FLUTTERWAVE), ("PAYSTACK", PAYSTACK)):
        if name.lower() not in in_use:
            continue
        url = conf["BASE_URL"]
        if not (rehearsal_url(url) or (url.startswith("https://") and "/sandbox/" not in url)):
            problems.append(f"{name}_BASE_URL must be the gateway's https:// API, not the sandbox.")
        if "sandbox" in conf["SECRET_KEY"] or not conf["SECRET_KEY"]:
            problems.append(f"{name}_SECRET_KEY must be set to the gateway's secret key.")
    if "flutterwave" in in_use and "sandbox" in FLUTTERWAVE["WEBHOOK_HASH"]:
        problems.append("FLUTTERWAVE_WEBHOOK_HASH must be set to the secret hash from the dashboard.")
    return problems


if not DEBUG and (found := production_problems()):
    raise ImproperlyConfigured("Refusing to start with DEBUG off: " + " ".join(found))

# --- Operations -----------------------------------------------------------------------
# /healthz: the process is up (liveness). /readyz: the database, Redis (cache and channel layer),
# file storage and the task queue all answer, each within READY_TIMEOUT_SECONDS (readiness).
READY_TIMEOUT_SECONDS = float(os.environ.get("READY_TIMEOUT_SECONDS", "2"))
# Not ready when the oldest task waiting for a worker has waited longer than this.
READY_TASK_LAG_SECONDS = envint("READY_TASK_LAG_SECONDS", "300")

# Errors go to Sentry when SENTRY_DSN is set; without it the SDK is not even imported.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        # The release: SENTRY_RELEASE, else the SDK finds it (Heroku's SOURCE_VERSION, git).
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,  # no emails, IPs, cookies or bodies leave the site
    )

# Every line names its request (core/request_id.py): `request_id=-` outside one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
