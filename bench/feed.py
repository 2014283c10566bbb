"""Benchmark of the tutors' question feed on PostgreSQL, over HTTP, the way production serves it.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/experthive_bench
    .venv/bin/python bench/feed.py generate --reset   # 10k users, 100k questions, 1M bids
    .venv/bin/python bench/feed.py explain            # queries per page and the feed query's plan
    .venv/bin/python bench/feed.py run --processes 1 2

`run` needs wrk (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`). It is run by
hand, never by the test suite. See docs/performance.md for the figures.
"""

import argparse
import asyncio
import http.client
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, bench included

from bench.production import production_settings  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SERVERS = {
    # The Procfile's command, on a listening socket shared by every process. Another ASGI server
    # can be added here for a comparison; the product runs on Daphne.
    "daphne": ["daphne", "--fd", "{fd}", "--proxy-headers", "-v", "0", "experthive.asgi:application"],
}
PAGE_500_ROW = 499 * 20 - 1  # the last row of page 499: page 500 continues after it
CARD = 'class="card question-card"'


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    feed: bool = True  # a feed page, expected to list questions


@dataclass(frozen=True)
class Result:
    server: str
    case: Case
    rows: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float  # server CPU time per request
    load: float  # the machine's 1-minute load average after the case: other work skews the figures


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "experthive.settings")
    import django

    django.setup()
    from bench.dataset import refuse_unsafe_database

    refuse_unsafe_database()


# --- Commands ---------------------------------------------------------------------------------------


def command_generate(args: argparse.Namespace) -> None:
    setup_django()
    from bench import dataset

    sizes = dataset.Sizes(users=args.users, questions=args.questions, bids=args.bids)
    dataset.generate(sizes, reset=args.reset, seed=args.seed)


def command_explain(args: argparse.Namespace) -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User
    from bench.dataset import BENCH_TUTOR_EMAIL

    client = Client()
    client.force_login(User.objects.get(email=BENCH_TUTOR_EMAIL))
    for case in (case for case in feed_cases(args) if case.feed):
        with override_settings(ALLOWED_HOSTS=["testserver"]), CaptureQueriesContext(connection) as queries:
            response = client.get(case.path)
        feed_sql = next(query["sql"] for query in queries if 'FROM "questions_question"' in query["sql"])
        print(f"\n== {case.name}: HTTP {response.status_code}, {len(queries)} queries, {case.path}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + feed_sql)
            print("\n".join(line for (line,) in cursor.fetchall()))


def command_run(args: argparse.Namespace) -> None:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed. Debian/Ubuntu: `sudo apt-get install wrk`; macOS: `brew install wrk`.")
    setup_django()
    cases = feed_cases(args)
    env = production_env()
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    print(
        f"{os.cpu_count()} cores, {memory_gib()} GiB memory; {args.connections} connections, {args.duration}s per case"
    )
    results = []
    log = Path(tempfile.gettempdir()) / "feed-bench-server.log"
    for processes in args.processes:
        for cache_seconds in args.feed_cache_seconds:
            label = f"{args.server} x{processes}, feed cache {f'{cache_seconds} s' if cache_seconds else 'off'}"
            env["FEED_CACHE_SECONDS"] = str(cache_seconds)
            with serve(args.server, processes, args.port, env, log) as pids:
                cookie = log_in(args.port)
                for case in cases:
                    rows = check_page(args.port, case, cookie)
                    load(wrk, args, case, cookie, seconds=args.warmup)
                    results.append(measure(wrk, args, case, cookie, Sample(label, rows, pids)))
                    print(format_row(results[-1]), flush=True)
    print_table(results)
    print(f"\nServer output: {log} (a few 'CurrentThreadExecutor already quit' errors are wrk hanging up mid-request)")


def command_overhead(args: argparse.Namespace) -> None:
    """What the server stack costs before and around the view: the same requests, in this process,
    with no network and no server, through Django's ASGI handler (what Daphne calls) and through its
    WSGI handler. CPU time per request, so other work on the machine barely moves it."""
    os.environ.update({**production_env(), "ALLOWED_HOSTS": "127.0.0.1"})
    setup_django()
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    from accounts.models import User
    from bench.dataset import BENCH_TUTOR_EMAIL

    client = Client()
    client.force_login(User.objects.get(email=BENCH_TUTOR_EMAIL))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    asgi, wsgi = get_asgi_application(), get_wsgi_application()
    print(f"{args.requests} requests per case and handler, after 30 unmeasured; CPU ms per request")
    print("\n| case | ASGI handler | WSGI handler | difference |\n|---|--:|--:|--:|")
    args.baseline = True  # /healthz shows the handlers' own cost
    for case in feed_cases(args):
        by_asgi = asyncio.run(asgi_cpu_ms_per_request(asgi, case.path, cookie, args.requests))
        by_wsgi = cpu_ms_per_request(lambda path=case.path: wsgi_get(wsgi, path, cookie), args.requests)
        print(f"| {case.name} | {by_asgi:.2f} | {by_wsgi:.2f} | {by_asgi - by_wsgi:.2f} |", flush=True)


def cpu_ms_per_request(get, requests: int) -> float:
    for _ in range(30):
        get()
    started = time.process_time()
    for _ in range(requests):
        get()
    return 1000 * (time.process_time() - started) / requests


async def asgi_cpu_ms_per_request(application, path: str, cookie: str, requests: int) -> float:
    """As cpu_ms_per_request, on one event loop as in a server."""
    for _ in range(30):
        await asgi_get(application, path, cookie)
    started = time.process_time()
    for _ in range(requests):
        await asgi_get(application, path, cookie)
    return 1000 * (time.process_time() - started) / requests


async def asgi_get(application, path: str, cookie: str) -> None:
    """One GET through an ASGI application, as a server would make it."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    statuses = []
    body_sent = False

    async def receive():
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await application(scope, receive, send)
    if statuses != [200]:
        raise SystemExit(f"{path}: HTTP {statuses} through the ASGI handler")


def wsgi_get(application, path: str, cookie: str) -> None:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookie, "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }  # fmt: skip
    statuses = []
    b"".join(application(environ, lambda status, headers: statuses.append(status)))
    if not statuses or not statuses[0].startswith("200"):
        raise SystemExit(f"{path}: HTTP {statuses} through the WSGI handler")


# --- The cases -------------------------------------------------------------------------------------


def feed_cases(args: argparse.Namespace) -> list[Case]:
    from catalog.models import Level, Subject
    from questions.feed import FeedFilters, encode_cursor, open_questions

    subject = Subject.objects.get(slug=args.subject)
    level = Level.objects.get(slug=args.level)
    rows = open_questions(FeedFilters())
    if rows.count() <= PAGE_500_ROW + 1:
        raise SystemExit("Fewer than 10,000 open questions (deadlines pass with time): run `generate --reset`.")
    filtered = {"subject": subject.pk, "level": level.pk, "budget_min": args.budget_min, "budget_max": args.budget_max}
    baseline = [Case("healthz (no feed)", "/healthz", feed=False)] if args.baseline else []
    return [
        *baseline,
        Case("first page", "/questions/"),
        Case("filtered", "/questions/?" + urlencode(filtered)),
        Case("page 500", "/questions/?" + urlencode({"after": encode_cursor(rows[PAGE_500_ROW])})),
        Case("search", "/questions/?" + urlencode({"q": args.search})),
    ]


# --- The server --------------------------------------------------------------------------------------


def production_env() -> dict[str, str]:
    """DEBUG off with the variables production requires, and Redis as production has it (cache,
    sessions, channel layer) on its own database number; values already in the environment win."""
    return {**production_settings(), "REDIS_URL": "redis://127.0.0.1:6379/3", **os.environ, "DEBUG": "0"}


def manage(*arguments: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


@contextmanager
def serve(server: str, processes: int, port: int, env: dict[str, str], log: Path) -> Iterator[list[int]]:
    """N server processes accepting from one listening socket, as a process manager would run them."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    fd = listener.fileno()
    program, *options = SERVERS[server]
    command = [str(VENV_BIN / program), *(option.format(fd=fd) for option in options)]
    with log.open("a") as output:
        children = [
            subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[fd], stdout=output, stderr=subprocess.STDOUT)
            for _ in range(processes)
        ]
        try:
            wait_until_up(port, children, log)
            yield [child.pid for child in children]
        finally:
            for child in children:
                child.terminate()
            for child in children:
                stop(child)
            listener.close()


def stop(child: subprocess.Popen) -> None:
    try:
        child.wait(timeout=15)  # Daphne gives open requests time to finish
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def wait_until_up(port: int, children: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise SystemExit(f"The server exited on start; see {log}.")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                time.sleep(1)  # every process, not just the first, has loaded the project
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("The server did not answer /healthz within 30 seconds.")


# --- HTTP ------------------------------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def cookies(headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port: int) -> str:
    """Log the benchmark tutor in through the login form; the session cookie header for wrk."""
    from bench.dataset import BENCH_PASSWORD, BENCH_TUTOR_EMAIL

    _, headers, html = request(port, "GET", "/login/")
    csrf = cookies(headers)["csrftoken"]
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise SystemExit("The login page has no CSRF token.")
    form = urlencode({"csrfmiddlewaretoken": match[1], "username": BENCH_TUTOR_EMAIL, "password": BENCH_PASSWORD})
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"}
    status, headers, _ = request(port, "POST", "/login/", form, form_headers)
    session = cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"Logging in {BENCH_TUTOR_EMAIL} failed (HTTP {status}). Was `generate` run?")
    return f"sessionid={session}"


def check_page(port: int, case: Case, cookie: str) -> int:
    """The page answers 200 with questions on it, so wrk measures the feed and not a redirect."""
    status, _, html = request(port, "GET", case.path, headers={"Cookie": cookie})
    rows = html.count(CARD)
    if status != 200 or (case.feed and not rows):
        raise SystemExit(f"{case.name}: HTTP {status} with {rows} questions at {case.path}")
    return rows


# --- wrk -----------------------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def load(wrk: str, args: argparse.Namespace, case: Case, cookie: str, *, seconds: int) -> str:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency",
               "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{args.port}{case.path}"]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@dataclass(frozen=True)
class Sample:
    label: str
    rows: int
    pids: list[int]


def measure(wrk: str, args: argparse.Namespace, case: Case, cookie: str, sample: Sample) -> Result:
    cpu_before = cpu_seconds(sample.pids)
    output = load(wrk, args, case, cookie, seconds=args.duration)
    cpu = cpu_seconds(sample.pids) - cpu_before
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    if not rate or not count:
        raise SystemExit(f"Could not read wrk's output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        print(f"  {case.name}: socket errors {socket_errors[1]}")
    return Result(
        server=sample.label,
        case=case,
        rows=sample.rows,
        requests_per_second=float(rate[1]),
        p50_ms=percentile(output, 50),
        p99_ms=percentile(output, 99),
        errors=int(errors[1]) if errors else 0,
        cpu_ms=1000 * cpu / max(1, int(count[1])),
        load=os.getloadavg()[0],
    )


def cpu_seconds(pids: list[int]) -> float:
    """CPU time the server processes have used: unlike latency, barely moved by other work on the machine."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(output: str, which: int) -> float:
    match = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no {which}th percentile:\n{output}")
    return float(match[1]) * UNITS_MS[match[2]]


# --- Output --------------------------------------------------------------------------------------------------

HEADER = "| server | case | rows | req/s | p50 ms | p99 ms | errors | server CPU ms/req | load |"


def format_row(result: Result) -> str:
    return (
        f"| {result.server} | {result.case.name} | {result.rows} | {result.requests_per_second:.0f} "
        f"| {result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.errors} | {result.cpu_ms:.1f} | {result.load:.1f} |"
    )


def print_table(results: list[Result]) -> None:
    print()
    print(HEADER)
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for result in results:
        print(format_row(result))


def memory_gib() -> int:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return round(pages / 2**30)


# --- Command line --------------------------------------------------------------------------------------------


def add_case_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subject", default="mathematics", help="filtered case: subject slug")
    parser.add_argument("--level", default="sss-3", help="filtered case: level slug")
    parser.add_argument("--budget-min", default="2000", help="filtered case: budget from, in naira")
    parser.add_argument("--budget-max", default="20000", help="filtered case: budget to, in naira")
    parser.add_argument("--search", default="quadratic equations", help="search case: the words searched")
    parser.add_argument("--baseline", action="store_true", help="also /healthz (one SELECT 1): the server's own cost")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="fill the DATABASE_URL database with benchmark data")
    generate.add_argument("--reset", action="store_true", help="delete every user (and all they own) first")
    generate.add_argument("--users", type=int, default=10_000)
    generate.add_argument("--questions", type=int, default=100_000)
    generate.add_argument("--bids", type=int, default=1_000_000)
    generate.add_argument("--seed", type=int, default=2026, help="random seed: the same seed, the same data")
    generate.set_defaults(handler=command_generate)

    explain = commands.add_parser("explain", help="queries per feed page and EXPLAIN ANALYZE of the feed query")
    add_case_options(explain)
    explain.set_defaults(handler=command_explain)

    run = commands.add_parser("run", help="serve the site with DEBUG off and measure each case with wrk")
    add_case_options(run)
    run.add_argument("--server", choices=sorted(SERVERS), default="daphne")
    run.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="server processes; one run per value")
    run.add_argument("--connections", type=int, default=16)
    run.add_argument("--threads", type=int, default=1, help="wrk threads (it shares the machine with the server)")
    run.add_argument("--duration", type=int, default=20, help="seconds measured per case")
    run.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each case")
    run.add_argument("--port", type=int, default=8971)
    run.add_argument(
        "--feed-cache-seconds", type=int, nargs="+", default=[10, 0],
        help="FEED_CACHE_SECONDS; one run per value (0: every request builds the list)",
    )  # fmt: skip
    run.set_defaults(handler=command_run)

    overhead = commands.add_parser(
        "overhead", help="server CPU per request through Django's ASGI handler and its WSGI handler, in-process"
    )
    add_case_options(overhead)
    overhead.add_argument("--requests", type=int, default=300, help="requests timed per case and handler")
    overhead.set_defaults(handler=command_overhead)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main(sys.argv[1:])
