"""HTTP servers for the web process, side by side: requests/s and latency on /healthz and a tutor's
feed page, each as a ratio to the best plain WSGI server measured in the same round.

    apt-get install wrk                 # Debian/Ubuntu (macOS: brew install wrk)
    pip install gunicorn granian uvicorn httptools uvloop a2wsgi   # the contenders, not requirements
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/experthive_bench REDIS_URL=redis://127.0.0.1:6379/3
    .venv/bin/python bench/feed.py generate --reset --users 3000 --questions 20000 --bids 100000
    .venv/bin/python bench/servers.py --rounds 3

One server process each, 16 connections, DEBUG off, Redis for cache and sessions as production has
them. Rounds are interleaved (every server once per round) and each ratio is taken within its
round: the machine's speed moves a lot within an hour when its cores are shared, the ratios much
less. Every ASGI contender must also accept a WebSocket on the same port before it is measured.
Run by hand, never by the test suite; the figures are in docs/performance.md.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, bench included

from bench.feed import (  # noqa: E402
    Case,
    Result,
    Sample,
    check_page,
    load,
    log_in,
    manage,
    measure,
    production_env,
    request,
    setup_django,
)

VENV_BIN = Path(sys.executable).parent
DAPHNE = "daphne -b 127.0.0.1 -p {port} --proxy-headers -v 0"
UVICORN = (
    "uvicorn --host 127.0.0.1 --port {port} --http httptools --ws websockets --loop uvloop --proxy-headers"
    " --no-access-log --log-level warning --lifespan off"
)
GRANIAN = "granian --host 127.0.0.1 --port {port} --workers 1 --log-level warning"
# name: (command, serves WebSockets too)
SERVERS = {
    "daphne, Django ASGI handler": (f"{DAPHNE} bench.asgi_today:application", True),
    "daphne, a2wsgi": (f"{DAPHNE} bench.asgi_a2wsgi:application", True),
    "daphne, WSGI bridge": (f"{DAPHNE} experthive.asgi:application", True),
    "uvicorn, WSGI bridge": (f"{UVICORN} experthive.asgi:application", True),
    "granian ASGI, WSGI bridge": (f"{GRANIAN} --interface asginl experthive.asgi:application", True),
    "gunicorn gthread x4": (
        "gunicorn -k gthread --threads 4 -w 1 -b 127.0.0.1:{port} --log-level warning experthive.wsgi:application",
        False,
    ),
    "granian WSGI": (f"{GRANIAN} --interface wsgi --blocking-threads 4 experthive.wsgi:application", False),
}
CASES = [Case("/healthz", "/healthz", feed=False), Case("feed", "/questions/")]


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed. Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`.")
    setup_django()
    env = {**production_env(), "DJANGO_SETTINGS_MODULE": "experthive.settings", "WEB_THREADS": str(args.web_threads)}
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    names = args.servers or list(SERVERS)
    log = Path(tempfile.gettempdir()) / "servers-bench.log"
    print(f"{os.cpu_count()} cores; {args.connections} connections, {args.duration}s per case; server output: {log}")
    rounds: list[list[Result]] = []
    for number in range(1, args.rounds + 1):
        print(f"\nRound {number}", flush=True)
        rounds.append([result for name in names for result in measure_server(wrk, args, name, env, log)])
    print_summary(rounds, names)


def measure_server(wrk: str, args: argparse.Namespace, name: str, env: dict, log: Path) -> list[Result]:
    command, websockets = SERVERS[name]
    results = []
    with serve(command, args.port, env, log) as pids:
        if websockets:
            check_websocket(args.port)
        cookie = log_in(args.port)
        for case in CASES:
            rows = check_page(args.port, case, cookie)
            load(wrk, args, case, cookie, seconds=args.warmup)
            results.append(measure(wrk, args, case, cookie, Sample(name, rows, pids)))
            result = results[-1]
            print(
                f"  {name:28} {case.name:9} {result.requests_per_second:6.0f} req/s  p50 {result.p50_ms:6.1f} ms"
                f"  p99 {result.p99_ms:6.1f} ms  {result.cpu_ms:5.1f} CPU ms/req  errors {result.errors}"
                f"  load {result.load:.1f}",
                flush=True,
            )
    return results


# --- The server ------------------------------------------------------------------------------------------


@contextmanager
def serve(command: str, port: int, env: dict, log: Path) -> Iterator[list[int]]:
    refuse_busy_port(port)
    program, *options = command.split()
    argv = [str(VENV_BIN / program), *(option.format(port=port) for option in options)]
    with log.open("a") as output:
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_up(port, child, log)
            yield [child.pid, *descendants(child.pid)]  # granian serves from a child process
        finally:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    wait_until_free(port)


def refuse_busy_port(port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"Something already listens on port {port}: stop it or pass --port.")


def wait_until_free(port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"Port {port} is still answering 20 s after its server was stopped.")


def wait_until_up(port: int, child: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"The server exited on start; see {log}.")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("The server did not answer /healthz within 60 seconds.")


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def check_websocket(port: int) -> None:
    """The same port accepts a WebSocket (the ping socket answers), as the web process must."""
    from websockets.sync.client import connect
    from websockets.typing import Origin

    with connect(f"ws://127.0.0.1:{port}/ws/ping/", origin=Origin("http://127.0.0.1"), open_timeout=10) as websocket:
        websocket.send('{"type": "ping"}')
        websocket.recv(timeout=10)


# --- Output ------------------------------------------------------------------------------------------------


def print_summary(rounds: list[list[Result]], names: list[str]) -> None:
    """Medians over the rounds. Ratios are taken within each round against the best plain WSGI
    server: requests/s over its requests/s, and its CPU per request over ours (what one core of
    its own would give, which other work on the machine moves much less)."""
    wsgi = [name for name in names if not SERVERS[name][1]] or names
    print("\n| server | case | req/s | p50 ms | p99 ms | CPU ms/req | req/s ratio | CPU ratio | load |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for name in names:
        for case in CASES:
            mine = [pick(results, name, case) for results in rounds]
            floors = [[pick(results, other, case) for other in wsgi] for results in rounds]
            pairs = list(zip(mine, floors, strict=True))
            rates = [ours.requests_per_second / max(f.requests_per_second for f in floor) for ours, floor in pairs]
            cpus = [min(f.cpu_ms for f in floor) / ours.cpu_ms for ours, floor in pairs]
            loads = f"{min(r.load for r in mine):.1f} to {max(r.load for r in mine):.1f}"
            print(
                f"| {name} | {case.name} | {median(mine, 'requests_per_second'):.0f} | {median(mine, 'p50_ms'):.1f} "
                f"| {median(mine, 'p99_ms'):.1f} | {median(mine, 'cpu_ms'):.1f} | {statistics.median(rates):.2f} "
                f"| {statistics.median(cpus):.2f} | {loads} |"
            )


def pick(results: list[Result], name: str, case: Case) -> Result:
    return next(result for result in results if result.server == name and result.case == case)


def median(results: list[Result], field: str) -> float:
    return statistics.median(getattr(result, field) for result in results)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), help="default: all")
    parser.add_argument("--rounds", type=int, default=3, help="every server once per round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (it shares the machine with the server)")
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per case")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each case")
    parser.add_argument("--web-threads", type=int, default=4, help="WEB_THREADS: the WSGI bridge's threads")
    parser.add_argument("--port", type=int, default=8972)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
