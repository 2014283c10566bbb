"""Personas: Ada the student who owns things, two tutors (Bola and Chen), and Dayo, a stranger
who must see nothing of theirs. Plus a real Chromium for browser journeys."""

import os
import shutil
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache as django_cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone
from django.utils.text import slugify

from accounts import services
from accounts.models import User
from bidding import services as bid_services
from catalog.defaults import LEVELS, SUBJECTS, install
from catalog.models import Level, Subject
from engagements import services as engagement_services
from notifications import sms
from payments import services as payment_services
from payments.gateways import base as gateway_base
from questions import services as question_services
from tests import tls_redis as tls_redis_server
from tests.live_daphne import SpawnedDaphne, make_application
from tests.object_storage import S3Server, free_port, start_server, stop_server
from tests.sandbox import InProcessTransport, pay_in_sandbox

PASSWORD = "correct-horse-battery-9"


# --- The run: slow tests and parallel workers -------------------------------------

SLOW_REASON = "slow (fuzz, property): run them with bin/test --slow or RUN_SLOW=1; CI always does"


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow (as RUN_SLOW=1 or CI=1 do)")


def _env_on(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Browser journeys are few but long: handed out first (bin/test keeps this order), they
        # run beside the quick tests instead of after them, alone on one worker.
        items.sort(key=lambda item: "browser" not in item.fixturenames)
    if config.getoption("--slow") or _env_on("RUN_SLOW") or _env_on("CI"):
        return
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.skip(reason=SLOW_REASON))


def pytest_configure(config):
    """Parallel workers (pytest-xdist: gw0, gw1...) each get a test database of their own from
    pytest-django; give each its own Redis too (CI's second pass): a cache of its own in its own
    database, as `cache.clear()` empties a whole database, and channel names of their own, as
    Redis's pub/sub channels are shared by all databases."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        cache = django_settings.CACHES["default"]
        cache["LOCATION"] = redis_database(cache["LOCATION"], offset=int(worker.removeprefix("gw")))
    if worker and "prefix" in django_settings.CHANNEL_LAYERS["default"].get("CONFIG", {}):
        django_settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] += f"-{worker}"


def redis_database(url: str, *, offset: int) -> str:
    """The Redis URL `offset` databases past the one it names (Redis has 16 unless configured otherwise)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + offset
    if number > 15:
        raise pytest.UsageError(f"Worker {offset} would need Redis database {number}: run fewer workers (-n).")
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture(autouse=True)
def _fast_and_offline(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Background tasks run inline, inside the test.
    settings.TASKS = {"default": {"BACKEND": settings.TASK_BACKENDS["immediate"]}}
    # Texts land in notifications.sms.outbox instead of a phone.
    settings.SMS_BACKEND = settings.SMS_BACKENDS["locmem"]
    sms.outbox.clear()
    settings.SANDBOX_TIMEOUT_SECONDS = 0
    # The chat's per-user cap counts in the cache, which outlives a test; tests of the cap lower it.
    settings.CHAT_RATE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache (locmem, or Redis in CI's second pass) outlives a test; the feed's shared pages
    and the chat's rate counts must not leak from one test into the next."""
    django_cache.clear()


@pytest.fixture(autouse=True)
def _sandbox_in_process(request, monkeypatch):
    """The real gateway adapters talk HTTP to the sandbox served by this same Django, in-process
    (browser journeys use the live server instead, which the browser can reach too)."""
    if "live_server" not in request.fixturenames:
        monkeypatch.setattr(gateway_base, "TRANSPORT", InProcessTransport())


@pytest.fixture(autouse=True)
def _catalog(request):
    """The default subjects and levels, also after a transactional test flushed them (a worker
    runs tests in the order it is handed them, not transactional ones last)."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if (uses_db or request.node.get_closest_marker("django_db")) and not _catalog_installed():
        install(Subject, Level)


DEFAULT_SUBJECTS = [slugify(name) for name in SUBJECTS]
DEFAULT_LEVELS = [slugify(name) for names in LEVELS.values() for name in names]


def _catalog_installed() -> bool:
    """Two counts instead of a query per subject and level: a test starts with the catalog
    whole (as migrated, or as the last test left it) or flushed away."""
    subjects = Subject.objects.filter(slug__in=DEFAULT_SUBJECTS).count()
    levels = Level.objects.filter(slug__in=DEFAULT_LEVELS).count()
    return subjects == len(DEFAULT_SUBJECTS) and levels == len(DEFAULT_LEVELS)


@pytest.fixture
def maths(db):
    return Subject.objects.get(slug="mathematics")


@pytest.fixture
def physics(db):
    return Subject.objects.get(slug="physics")


@pytest.fixture
def sss3(db):
    return Level.objects.get(slug="sss-3")


def make_user(role: str, email: str, full_name: str, phone: str) -> User:
    return services.register_user(email=email, full_name=full_name, password=PASSWORD, role=role, phone=phone)


@pytest.fixture
def ada(db, sss3):
    """A student who owns questions, payments and chats."""
    user = make_user(User.Role.STUDENT, "ada@example.com", "Ada Okonkwo", "+2348031234567")
    services.update_student_profile(user=user, full_name=user.full_name, phone=user.phone, level=sss3)
    return user


@pytest.fixture
def bola(db, maths, physics, sss3):
    """A tutor in maths and physics."""
    user = make_user(User.Role.TUTOR, "bola@example.com", "Bola Adeyemi", "+2348051234567")
    services.update_tutor_profile(
        user=user,
        full_name=user.full_name,
        phone=user.phone,
        headline="Maths and physics teacher, 8 years",
        bio="I teach WAEC and JAMB maths.",
        qualifications="B.Sc. Mathematics, University of Ibadan",
        subjects=[maths, physics],
        levels=[sss3],
    )
    return user


@pytest.fixture
def chen(db, maths):
    """A second tutor, competing with Bola."""
    user = make_user(User.Role.TUTOR, "chen@example.com", "Chen Wei", "+447700900123")
    services.update_tutor_profile(
        user=user,
        full_name=user.full_name,
        phone=user.phone,
        headline="A-level maths tutor",
        bio="",
        qualifications="",
        subjects=[maths],
        levels=[],
    )
    return user


@pytest.fixture
def dayo(db):
    """A stranger: a student with no relation to anyone else's things."""
    return make_user(User.Role.STUDENT, "dayo@example.com", "Dayo Bello", "+2348091234567")


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("staff@example.com", PASSWORD, full_name="Sade Staff")


# --- Marketplace ---------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


def pdf(name: str = "worksheet.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def question(ada, maths, sss3):
    """Ada's open maths question, due in two days, budget ₦5,000."""
    return question_services.post_question(
        student=ada,
        title="Solve a quadratic equation",
        body="How do I solve **x^2 - 5x + 6 = 0** by factorising?",
        subject=maths,
        level=sss3,
        deadline=in_hours(48),
        budget=500_000,
        currency="NGN",
        files=[pdf()],
    )


@pytest.fixture
def bola_bid(question, bola):
    return bid_services.place_bid(
        question=question, tutor=bola, amount=400_000, message="Bola's plan: factorise step by step.", delivery_hours=12
    )


@pytest.fixture
def chen_bid(question, chen):
    return bid_services.place_bid(
        question=question, tutor=chen, amount=300_000, message="Chen's plan: use the formula.", delivery_hours=24
    )


@pytest.fixture
def engagement(bola_bid, ada):
    """Ada accepted Bola's bid; payment not made yet."""
    return engagement_services.accept_bid(bid=bola_bid, by=ada)


@pytest.fixture
def funded(engagement):
    """Ada paid through the sandbox's hosted checkout; the money is held in escrow."""
    pay_in_sandbox(engagement)
    engagement.refresh_from_db()
    return engagement


@pytest.fixture
def delivered(funded, bola):
    engagement_services.deliver_work(engagement=funded, by=bola, message="x = 2 or x = 3.", files=[pdf("answer.pdf")])
    funded.refresh_from_db()
    return funded


@pytest.fixture
def completed(delivered, ada):
    return payment_services.approve_and_release(engagement=delivered, by=ada)


# --- Redis over TLS ------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_redis(tmp_path_factory):
    """A Redis that speaks only TLS with a self-signed certificate, as Heroku Redis does; one per test
    process (each xdist worker has its own port and folder)."""
    if missing := tls_redis_server.missing_tools():
        message = f"{' and '.join(missing)} not found: install redis-server (built with TLS) and openssl."
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must never pass by skipping the TLS tests
        pytest.skip(message)
    process, server = tls_redis_server.start(tmp_path_factory.mktemp("tls-redis"))
    yield server
    process.terminate()
    process.wait(10)


# --- Object storage ------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible HTTP server (moto's), started once per test process."""
    server = start_server()
    yield server
    stop_server(server)


@pytest.fixture
def object_storage(settings, s3_server) -> S3Server:
    """Uploads go to an empty bucket of this test's own, as in production with a bucket set.
    Ask for it before the fixtures that upload (question, delivered, ...)."""
    server = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": server.storage()}
    return server


@pytest.fixture
def storage_outage(settings, object_storage):
    """Call it to make the bucket unreachable (its endpoint a port nothing listens on); call the
    result to bring it back. Files stored before stay where they are."""

    def start():
        settings.STORAGES = {**settings.STORAGES, "default": object_storage.storage(endpoint_url=dead)}
        return lambda: setattr(settings, "STORAGES", {**settings.STORAGES, "default": object_storage.storage()})

    dead = f"http://127.0.0.1:{free_port()}"
    return start


# --- Browser -----------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# Module scope: Playwright's sync API keeps an event loop running in this thread while the
# browser is open, which async tests elsewhere cannot share.
@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH."
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must never pass by skipping the browser journeys
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made
    # by the test itself (set-up, assertions) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# What the test process changed in its settings, for the server process to use too.
# The cache and channel layer too: under parallel workers each has its own (see pytest_configure).
SHARED_SETTINGS = [
    "PASSWORD_HASHERS",
    "MEDIA_ROOT",
    "CHAT_RATE_LIMIT",
    "TASKS",
    "ALLOWED_HOSTS",
    "CACHES",
    "CHANNEL_LAYERS",
]


@pytest.fixture
def daphne_url(transactional_db, settings):
    """A real Daphne in a child process, on the test database (committed data is shared), for
    journeys over WebSockets. What it broadcasts stays in its own process: the change a socket
    should hear about has to be made through that server (a page, a form), not by the test."""
    shared = {name: getattr(settings, name) for name in SHARED_SETTINGS}
    # The connection knows the test database's real name (settings may still say the main one).
    shared["DATABASES"] = {alias: dict(connections[alias].settings_dict) for alias in settings.DATABASES}
    process = SpawnedDaphne("127.0.0.1", partial(make_application, shared))
    process.start()
    assert process.ready.wait(60), "Daphne did not start"
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join(10)


@pytest.fixture
def live_sandbox(settings, live_server):
    """The adapters call the sandbox on the live server, the same one the browser pays on."""
    settings.FLUTTERWAVE = {**settings.FLUTTERWAVE, "BASE_URL": f"{live_server.url}/sandbox/flutterwave/v3"}
    settings.PAYSTACK = {**settings.PAYSTACK, "BASE_URL": f"{live_server.url}/sandbox/paystack"}
    return live_server


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()
