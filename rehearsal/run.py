"""The production rehearsal: the site as deployed on Heroku, on one machine, end to end.

Services as production has them: a fresh PostgreSQL database, Redis over TLS (self-signed, with a
password, like Heroku's), S3-compatible object storage (moto's server), and the payment and SMS
providers as servers of their own (the payment sandbox in its own process, a Termii stand-in).
Then the Procfile through honcho, as Heroku runs it: the release phase first, then two web
processes, the worker and two clocks with DEBUG=0. A browser journey crosses the two web processes
(post, bid, pay, chat, deliver, download, approve), and the clocks' records must show each job
once per interval. Run it with bin/rehearse.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path

from rehearsal import clock
from rehearsal.processes import Processes, free_port, free_port_pair, http_status, signal_group, wait_until
from rehearsal.report import Report, fail_loudly

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SANDBOX_HOST = "127.0.0.2"
CLOCK_SECONDS = {"DEADLINES": 10, "RECONCILE": 10, "COMPARE": 15, "NOTIFICATIONS": 10, "RECOMMENDATIONS": 15}
# The settings a developer's shell may carry that must not leak into production processes.
DEVELOPMENT_VARIABLES = (
    "DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "PAYMENTS_SANDBOX",
    "TASKS_BACKEND",
    "SQLITE_PATH",
    "PORT",
)


class Stop(Exception):
    """A step the rest cannot go on without has failed."""


class Rehearsal:
    def __init__(self, workdir: Path, database: str, report: Report):
        self.workdir, self.database, self.report = workdir, database, report
        self.processes = Processes(workdir)
        self.pg = os.environ.get("REHEARSAL_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        self.secret = {
            name: secrets.token_urlsafe(24) for name in ("redis", "flw", "hash", "termii", "termii_sig", "s3")
        }
        self.web_port = free_port_pair()
        self.ports = {name: free_port() for name in ("redis_tls", "redis_plain", "s3", "sms")}
        # The payment provider on an address of its own: a browser keeps cookies by host, not port,
        # and the provider's pages must not overwrite the site's (a real provider is another domain).
        self.ports["sandbox"] = free_port(SANDBOX_HOST)
        self.env: dict[str, str] = {}
        self.database_made = False
        self.password = secrets.token_urlsafe(16)
        self.tls_redis = self.object_storage_on = False
        self.clocks_started = 0.0

    # --- services -------------------------------------------------------------------------------

    def services(self) -> None:
        self.report.section("Services, as production has them")
        self.postgres()
        self.redis()
        self.object_storage()
        self.sms_provider()

    def postgres(self) -> None:
        run(["createdb", "-h", "127.0.0.1", "-U", "postgres", self.database])
        self.database_made = True
        self.report.ok(f"PostgreSQL: a fresh database {self.database}")

    def redis(self) -> None:
        tls = self.workdir / "tls"
        tls.mkdir()
        run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")],
        )  # fmt: skip
        self.processes.start(
            "redis",
            ["redis-server", "--port", str(self.ports["redis_plain"]), "--bind", "127.0.0.1",
             "--tls-port", str(self.ports["redis_tls"]), "--tls-cert-file", str(tls / "cert.pem"),
             "--tls-key-file", str(tls / "key.pem"), "--tls-ca-cert-file", str(tls / "cert.pem"),
             "--tls-auth-clients", "no", "--requirepass", self.secret["redis"],
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            env=dict(os.environ),
        )  # fmt: skip
        if not wait_until(self.redis_answers, seconds=10):
            raise Stop("redis-server did not start:\n" + self.processes.log("redis")[-2000:])
        self.report.ok(
            f"Redis over TLS on 127.0.0.1:{self.ports['redis_tls']} (self-signed certificate, password; "
            f"plain port only for the fallback)"
        )

    def redis_answers(self) -> bool:
        import redis

        client = redis.Redis(
            port=self.ports["redis_tls"], password=self.secret["redis"], ssl=True,
            ssl_ca_certs=str(self.workdir / "tls" / "cert.pem"), socket_timeout=2,
        )  # fmt: skip
        return bool(client.ping())

    def object_storage(self) -> None:
        port = self.ports["s3"]
        self.processes.start("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], dict(os.environ))
        if not wait_until(lambda: http_status(f"http://127.0.0.1:{port}/moto-api/") < 500, seconds=20):
            raise Stop("moto's S3 server did not start:\n" + self.processes.log("s3")[-2000:])
        self.s3_client().create_bucket(Bucket="experthive-rehearsal")
        self.report.ok(f"S3-compatible storage (moto) on http://127.0.0.1:{port}, bucket experthive-rehearsal")

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{self.ports['s3']}", region_name="us-east-1",
            aws_access_key_id="rehearsal", aws_secret_access_key=self.secret["s3"],
        )  # fmt: skip

    def stored_objects(self) -> list[str]:
        listing = self.s3_client().list_objects_v2(Bucket="experthive-rehearsal")
        return [item["Key"] for item in listing.get("Contents", [])]

    def sms_provider(self) -> None:
        port = self.ports["sms"]
        self.processes.start(
            "sms", [PYTHON, "-m", "rehearsal.sms_provider", str(port), self.secret["termii"]], clean_env(), cwd=ROOT
        )
        if not wait_until(lambda: http_status(f"http://127.0.0.1:{port}/sent") == 200, seconds=10):
            raise Stop("the SMS provider did not start:\n" + self.processes.log("sms")[-2000:])
        self.report.ok(f"SMS provider (Termii's API) on http://127.0.0.1:{port}")

    def texts_sent(self) -> list[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports['sms']}/sent", timeout=5) as response:
            return json.load(response)["sent"]

    def start_payment_sandbox(self) -> subprocess.Popen:
        """The payment provider: the sandbox app in its own server, its own database, its own port."""
        port = self.ports["sandbox"]
        env = {
            **clean_env(),
            "DEBUG": "1",  # a stand-in for the provider, not the site: development settings
            "PAYMENTS_SANDBOX": "1",
            "SQLITE_PATH": str(self.workdir / "sandbox.sqlite3"),
            "MEDIA_ROOT": str(self.workdir / "sandbox-media"),
            "TASKS_BACKEND": "immediate",  # it sends its webhooks itself, as the provider would
            "SITE_URL": f"http://{SANDBOX_HOST}:{port}",
            "ALLOWED_HOSTS": SANDBOX_HOST,
            "FLUTTERWAVE_SECRET_KEY": self.flutterwave_key,
            "FLUTTERWAVE_WEBHOOK_HASH": self.secret["hash"],
            "SANDBOX_WEBHOOK_URL": f"http://127.0.0.1:{self.web_port}/payments/webhooks/{{gateway}}/",
        }
        argv = [PYTHON, "manage.py", "migrate", "--no-input", "-v0"]
        serve = [PYTHON, "manage.py", "runserver", f"{SANDBOX_HOST}:{port}", "--noreload"]
        script = f"{' '.join(argv)} && exec {' '.join(serve)}"
        return self.processes.start("sandbox", ["sh", "-c", script], env, cwd=ROOT)

    @property
    def flutterwave_key(self) -> str:
        return f"FLWSECK-{self.secret['flw']}-X"

    # --- the production environment --------------------------------------------------------------

    def production_env(self) -> None:
        site = f"127.0.0.1:{self.web_port}"
        sandbox, sms = f"{SANDBOX_HOST}:{self.ports['sandbox']}", f"127.0.0.1:{self.ports['sms']}"
        self.env = {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://{site}",
            # Nothing terminates TLS in front of the web processes here (Heroku's router does).
            "SECURE_SSL_REDIRECT": "0",
            "REHEARSAL_PROVIDER_HOSTS": f"{site},{sandbox},{sms}",
            "DATABASE_URL": f"{self.pg}/{self.database}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(free_port()),  # no mail server: email fails and is retried, like an outage
            "SMS_BACKEND": "termii",
            "TERMII_BASE_URL": f"http://{sms}",
            "TERMII_API_KEY": self.secret["termii"],
            "TERMII_SECRET_KEY": self.secret["termii_sig"],
            "PAYMENTS_SANDBOX": "0",
            "FLUTTERWAVE_BASE_URL": f"http://{sandbox}/sandbox/flutterwave/v3",
            "FLUTTERWAVE_SECRET_KEY": self.flutterwave_key,
            "FLUTTERWAVE_WEBHOOK_HASH": self.secret["hash"],
            "AWS_STORAGE_BUCKET_NAME": "experthive-rehearsal",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": self.secret["s3"],
            "MEDIA_ROOT": str(self.workdir / "media"),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **{f"CLOCK_{job}_SECONDS": str(seconds) for job, seconds in CLOCK_SECONDS.items()},
        }
        self.env.update(self.redis_env())
        self.write_env()

    def write_env(self) -> None:
        """The config vars, in the file honcho reads (as Heroku sets them on every dyno)."""
        (self.workdir / "production.env").write_text("".join(f"{k}={v}\n" for k, v in self.env.items()))

    def redis_env(self) -> dict[str, str]:
        """Heroku's REDIS_URL: rediss:// with a password and a self-signed certificate."""
        url = f"rediss://:{self.secret['redis']}@127.0.0.1:{self.ports['redis_tls']}/0"
        return {"REDIS_URL": url, "REDIS_TLS_VERIFY": "0"}

    def probe(self, code: str) -> subprocess.CompletedProcess:
        """Run Python under the production settings, as a one-off process would."""
        script = "import django; django.setup()\n" + code
        return subprocess.run(
            [PYTHON, "-c", script], env={**clean_env(), **self.env, "DJANGO_SETTINGS_MODULE": "experthive.settings"},
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    def settings_accept_production(self) -> None:
        """One one-off process under the production settings: the guard lets it start, and it
        reaches Redis (over TLS) and names its file storage."""
        self.report.section("Production settings (DEBUG=0)")
        result = self.probe(SETTINGS_PROBE)
        if result.returncode:
            raise Stop("the production settings refused to start:\n" + result.stderr[-3000:])
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        self.report.ok("the production guard accepts the rehearsal (providers on the loopback hosts it names)")
        self.check_tls_redis(seen["redis"])
        self.check_object_storage(seen["storage"])

    def check_tls_redis(self, problem: str) -> None:
        if not problem:
            self.report.ok("cache and channel layer round-trip over rediss:// (TLS, REDIS_TLS_VERIFY=0 as on Heroku)")
            self.tls_redis = True
            return
        self.report.todo(
            f"TLS Redis: the settings cannot use rediss:// with a self-signed certificate yet ({problem[:160]})"
        )
        self.env["REDIS_URL"] = f"redis://:{self.secret['redis']}@127.0.0.1:{self.ports['redis_plain']}/0"
        self.write_env()
        if json.loads(self.probe(SETTINGS_PROBE).stdout.strip().splitlines()[-1])["redis"]:
            raise Stop("Redis does not answer even without TLS")
        self.report.note("carrying on over plain redis:// so the rest can be rehearsed")

    def check_object_storage(self, backend: str) -> None:
        self.object_storage_on = backend != "FileSystemStorage"
        if self.object_storage_on:
            self.report.ok(f"uploaded files go to object storage ({backend})")
        else:
            self.report.todo(f"files in object storage: the settings keep uploads on local disk ({backend})")

    # --- the Procfile ----------------------------------------------------------------------------

    def honcho(self, *args: str) -> list[str]:
        return [str(Path(PYTHON).parent / "honcho"), "-f", str(ROOT / "Procfile"), "-d", str(ROOT),
                "-e", str(self.workdir / "production.env"), "--no-colour", *args]  # fmt: skip

    def release(self, sandbox: subprocess.Popen) -> None:
        self.report.section("Build and release phase")
        started = time.monotonic()
        build = subprocess.Popen(  # the build does not touch the database: it runs beside the release
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env={**clean_env(), **self.env},
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        result = subprocess.run(
            self.honcho("start", "release"), env=clean_env(), cwd=ROOT, capture_output=True, text=True, check=False
        )
        built = build.communicate()[0]
        if build.returncode:
            raise Stop("collectstatic failed:\n" + built[-2000:])
        if result.returncode:
            raise Stop("the release phase failed:\n" + result.stdout[-3000:] + result.stderr[-2000:])
        command = procfile()["release"]
        self.report.ok(
            f"release: `{command}` through honcho on the fresh database ({time.monotonic() - started:.0f} s)"
        )
        self.report.ok("build: collectstatic (WhiteNoise's compressed manifest)")
        seeded = subprocess.run(
            [PYTHON, "-m", "rehearsal.accounts", self.password], env={**clean_env(), **self.env},
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if seeded.returncode:
            raise Stop("making the accounts failed:\n" + seeded.stderr[-2000:])
        self.report.ok("one-off process: a student and a tutor with verified phones")
        if not wait_until(lambda: http_status(self.sandbox_url + "/sandbox/") == 200, seconds=90):
            raise Stop("the payment sandbox did not start:\n" + self.processes.log("sandbox")[-3000:])
        self.report.ok(
            f"payment provider: the sandbox in its own server on {self.sandbox_url}/sandbox/ (pid {sandbox.pid})"
        )

    @property
    def sandbox_url(self) -> str:
        return f"http://{SANDBOX_HOST}:{self.ports['sandbox']}"

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.web_port}", f"http://127.0.0.1:{self.web_port + 1}"]

    def start_procfile(self) -> None:
        self.report.section("The Procfile under honcho: two web, one worker, two clocks")
        lines = procfile()
        self.report.note(f"web: {lines['web']}")
        self.processes.start(
            "honcho", self.honcho("start", "web", "worker", "clock", "-c", "web=2,clock=2", "-p", str(self.web_port)),
            clean_env(), cwd=ROOT,
        )  # fmt: skip
        self.clocks_started = time.monotonic()
        for n, url in enumerate(self.web_urls, 1):
            if not wait_until(partial(answers, url + "/healthz"), seconds=60):
                raise Stop(f"web.{n} did not answer /healthz:\n" + self.processes.log("honcho")[-4000:])
            self.report.ok(f"web.{n} on {url}: /healthz 200 (pid {self.pid_of(f'web.{n}')})")
            self.readiness(n, url)
        for name, sign in (("worker.1", ""), ("clock.1", "Clock:"), ("clock.2", "Clock:")):
            if not wait_until(partial(self.said, name, sign), seconds=30):
                raise Stop(f"{name} did not start:\n" + self.processes.log("honcho")[-4000:])
            self.report.ok(f"{name} up (pid {self.pid_of(name)})")

    def readiness(self, n: int, url: str) -> None:
        """/readyz: the database, Redis, storage and the task queue answer this process."""
        ready = http_status(url + "/readyz")
        if ready == 404:
            self.report.todo(f"web.{n}: no /readyz readiness check yet")
        elif ready == 200:
            self.report.ok(f"web.{n}: /readyz 200 (database, Redis, storage and task queue answer)")
        else:
            self.report.fail(f"web.{n}: /readyz {ready}: {fetch(url + '/readyz')[:300]}")

    def said(self, process: str, text: str) -> bool:
        prefix = re.compile(rf"^\S+ {re.escape(process)}\s+\| .*{re.escape(text)}", re.M)
        return bool(prefix.search(self.processes.log("honcho"))) and self.processes.alive("honcho")

    def pid_of(self, process: str) -> str:
        found = re.search(rf"{re.escape(process)} started \(pid=(\d+)\)", self.processes.log("honcho"))
        return found.group(1) if found else "?"

    # --- after the journey -------------------------------------------------------------------------

    def providers_heard(self) -> None:
        self.report.section("What the providers saw")
        texts = self.texts_sent()
        if texts:
            self.report.ok(f"SMS provider received {len(texts)} text(s), e.g. {texts[0]['sms'][:70]!r}")
        else:
            self.report.fail("SMS provider received no text")
        webhooks = self.probe_sandbox("select count(*), sum(response_status = 200) from sandbox_sandboxwebhook")
        sent, answered = webhooks or (0, 0)
        if sent and sent == answered:
            self.report.ok(f"payment provider's webhooks: {sent} sent to web.1, all answered 200")
        else:
            self.report.fail(f"payment provider's webhooks: {sent} sent, {answered or 0} answered 200")

    def probe_sandbox(self, sql: str) -> tuple | None:
        import sqlite3

        with sqlite3.connect(self.workdir / "sandbox.sqlite3") as db:
            return db.execute(sql).fetchone()

    def check_clocks(self) -> None:
        self.report.section("The clocks: each job once per interval, with two clocks running")
        clock.check(self, CLOCK_SECONDS)

    # --- cleaning up --------------------------------------------------------------------------------

    def close(self) -> None:
        self.processes.stop_all()
        # honcho starts each process in a session of its own: end any it could not (it was killed).
        for pid in re.findall(r"started \(pid=(\d+)\)", self.processes.log("honcho")):
            signal_group(int(pid), signal.SIGKILL)
        if self.database_made:
            run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", self.database], check=False)


SETTINGS_PROBE = """
import asyncio, json
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.files.storage import storages

async def round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "probe", "n": 1})
    return await asyncio.wait_for(layer.receive(channel), 10)

def redis_problem():
    try:
        cache.set("rehearsal-probe", 42, 30)
        if cache.get("rehearsal-probe") != 42:
            return "the cache kept nothing: Redis unreachable"
        asyncio.run(round_trip())
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""

print(json.dumps({"redis": redis_problem(), "storage": type(storages["default"]).__name__}))
"""


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, command in (line.split(":", 1) for line in lines if ":" in line)}


def clean_env() -> dict[str, str]:
    """This shell's environment less the site's settings, with the project's Python first on PATH
    (as on Heroku, where `python` in the Procfile is the app's)."""
    env = {
        k: v for k, v in os.environ.items() if k not in DEVELOPMENT_VARIABLES and not k.startswith(("CLOCK_", "AWS_"))
    }
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def answers(url: str) -> bool:
    return http_status(url) == 200


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.read().decode(errors="replace")


def run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and result.returncode:
        raise Stop(f"{' '.join(argv[:3])} failed: {result.stderr.strip()[-500:]}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="count parts not yet possible as failures")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, screenshots)")
    args = parser.parse_args()
    workdir = Path(os.environ.get("REHEARSAL_DIR") or tempfile.mkdtemp(prefix="rehearse-"))
    database = os.environ.get("REHEARSAL_DATABASE") or f"rehearse_{os.getpid()}_{secrets.token_hex(3)}"
    report = Report()
    rehearsal = Rehearsal(workdir, database, report)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below
    try:
        rehearse(rehearsal)
    except Stop as stop:
        report.fail(str(stop).splitlines()[0])
        fail_loudly(str(stop))
    except (SystemExit, KeyboardInterrupt):
        report.fail("stopped by a signal before the end")
    except Exception as error:  # a fault of the rehearsal itself: still a failure, still cleaned up
        report.fail(f"the rehearsal broke: {type(error).__name__}: {error}")
        traceback.print_exc()
    finally:
        if report.failed() and rehearsal.processes.running:
            print("\n--- the processes' log, last lines ---", file=sys.stderr)
            print(rehearsal.processes.log("honcho")[-6000:], file=sys.stderr)
        rehearsal.close()
        if not args.keep and "REHEARSAL_DIR" not in os.environ:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nRehearsal: {report.summary()}")
    failed = report.failed() or (args.strict and report.count("todo") > 0)
    return 1 if failed else 0


def rehearse(rehearsal: Rehearsal) -> None:
    from rehearsal import journey

    rehearsal.services()
    rehearsal.production_env()
    sandbox = rehearsal.start_payment_sandbox()
    rehearsal.settings_accept_production()
    rehearsal.release(sandbox)
    rehearsal.start_procfile()
    journey.run(rehearsal)
    rehearsal.providers_heard()
    rehearsal.check_clocks()


if __name__ == "__main__":
    sys.exit(main())
