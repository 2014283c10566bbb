#!/usr/bin/env python
"""Chat load test against real Daphne processes, over real WebSockets.

Opens N authenticated sockets in 2-person conversations (one student, one tutor each), sends
chat messages at a fixed rate, and prints: sockets connected, messages/s delivered, p50/p99
delivery latency (sent by one socket → received by the other), lost and duplicated messages
(checked against the database, the record), and the servers' RSS.

It runs everything it needs on this machine and touches nothing shared:
- its own PostgreSQL database (default `experthive_chatbench`, created and migrated if missing),
- its own redis-server on port 6390 (started here, restarted here with --restart-redis-at),
- 1 or 2 Daphne processes on ports 8601, 8602 (the two people of a conversation are put on
  different processes, so every message crosses the channel layer).

    .venv/bin/python bench/chat_load.py --sockets 2000 --rate 200 --duration 60
    .venv/bin/python bench/chat_load.py --layer core --processes 2
    .venv/bin/python bench/chat_load.py --restart-redis-at 20

The machine is shared: the load average is printed at the start and the end.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import websockets
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, bench included

from bench.production import production_settings  # noqa: E402

LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
REDIS_PORT = 6390
DAPHNE_OPTIONS = ["--websocket_connect_timeout", "30"]
FIRST_PORT = 8601


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=2000, help="sockets to open (two per conversation)")
    parser.add_argument("--rate", type=float, default=200, help="messages per second, all conversations together")
    parser.add_argument("--duration", type=float, default=60, help="seconds of sending")
    parser.add_argument("--layer", choices=sorted(LAYERS), default="pubsub")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--restart-redis-at", type=float, default=None, help="seconds into sending")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/experthive_chatbench")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="handshakes in flight at once")
    parser.add_argument("--drain", type=float, default=5, help="seconds to wait for stragglers after sending")
    return parser.parse_args()


# --- The servers ------------------------------------------------------------------------------


def server_env(args) -> dict[str, str]:
    """Production-like settings (DEBUG off), pointing at the bench's own database and Redis."""
    return {
        **os.environ,
        **production_settings(),
        "DJANGO_SETTINGS_MODULE": "experthive.settings",
        "DATABASE_URL": args.database,
        "DATABASE_POOL_MAX": "20",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/7",
        "CHANNEL_LAYER_BACKEND": LAYERS[args.layer],
        "CHANNEL_LAYER_PREFIX": "chatbench",
        "CHAT_RATE_LIMIT": "100000",  # the bench measures delivery, not the per-user cap
    }


def start_redis() -> subprocess.Popen:
    redis = shutil.which("redis-server") or "redis-server"
    command = [redis, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).stdout)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_daphne(port: int, env: dict[str, str]) -> subprocess.Popen:
    daphne = str(Path(sys.executable).with_name("daphne"))
    # The same options as the Procfile's web process.
    command = [daphne, "-b", "127.0.0.1", "-p", str(port), *DAPHNE_OPTIONS, "experthive.asgi:application"]
    log = open(f"/tmp/chat_load-daphne-{port}.log", "w")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200)
    return process


def wait_for(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110
            pass
        time.sleep(0.2)
    raise RuntimeError("A server did not start in time.")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- The data -------------------------------------------------------------------------------------


def prepare(pairs: int) -> list[tuple[int, int, int, str, str]]:
    """Users, questions, bids and conversations for `pairs` conversations (kept between runs),
    messages wiped, a fresh session per user. Returns (conversation, student, tutor, cookies)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    make_pairs(pairs)
    return sessions_for(reset_conversations(pairs))


def make_pairs(pairs: int) -> None:
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from bidding.models import Bid
    from catalog.models import Level, Subject
    from chat.models import Conversation, Participant
    from questions.models import Question

    have = Conversation.objects.filter(bid__question__title__startswith="bench ").count()
    if have >= pairs:
        return
    subject, level = Subject.objects.first(), Level.objects.first()
    password = make_password(None)
    new = range(have, pairs)
    students = User.objects.bulk_create(
        [
            User(email=f"bench-s{i}@bench.invalid", full_name=f"Student {i}", role="student", password=password)
            for i in new
        ]
    )
    tutors = User.objects.bulk_create(
        [User(email=f"bench-t{i}@bench.invalid", full_name=f"Tutor {i}", role="tutor", password=password) for i in new]
    )
    deadline = timezone.now() + timedelta(days=60)
    questions = Question.objects.bulk_create(
        [
            Question(student=s, title=f"bench {i}", body="b", body_html="<p>b</p>", subject=subject, level=level,
                     deadline=deadline, budget=500_000, currency="NGN")
            for i, s in zip(new, students, strict=True)
        ]
    )  # fmt: skip
    bids = Bid.objects.bulk_create(
        [
            Bid(question=q, tutor=t, amount=400_000, currency="NGN", message="m", delivery_hours=12)
            for q, t in zip(questions, tutors, strict=True)
        ]
    )
    conversations = Conversation.objects.bulk_create(
        [Conversation(bid=b, student_id=b.question.student_id, tutor_id=b.tutor_id) for b in bids]
    )
    Participant.objects.bulk_create(
        [Participant(conversation=c, user_id=u) for c in conversations for u in (c.student_id, c.tutor_id)]
    )


def reset_conversations(pairs: int):
    from chat.models import Conversation, Message, Participant

    conversations = list(
        Conversation.objects.filter(bid__question__title__startswith="bench ")
        .select_related("student", "tutor")
        .order_by("pk")[:pairs]
    )
    ids = [c.pk for c in conversations]
    Message.objects.filter(conversation_id__in=ids).delete()
    Conversation.objects.filter(pk__in=ids).update(last_seq=0, last_message_at=None)
    Participant.objects.filter(conversation_id__in=ids).update(last_read_seq=0)
    return conversations


def sessions_for(conversations) -> list[tuple[int, int, int, str, str]]:
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.all().delete()
    expires = timezone.now() + timedelta(days=1)
    store, rows, out = SessionStore(), [], []

    def session(user) -> str:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        return key

    for c in conversations:
        out.append((c.pk, c.student_id, c.tutor_id, session(c.student), session(c.tutor)))
    Session.objects.bulk_create(rows, batch_size=1000)
    return out


def stored_messages(conversations: list[int]) -> list[tuple[int, int, int]]:
    from chat.models import Message

    rows = Message.objects.filter(conversation_id__in=conversations)
    return list(rows.values_list("conversation_id", "seq", "sender_id"))


# --- The clients ---------------------------------------------------------------------------------


class Run:
    def __init__(self):
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.delivered = 0
        self.duplicates = 0
        self.errors: Counter = Counter()
        self.reconnects = 0
        self.window = (0.0, 0.0)


class Client:
    """One person's socket in one conversation. Reconnects and resumes like the page's script."""

    def __init__(self, run: Run, url: str, conversation: int, user: int, cookie: str):
        self.run, self.url, self.conversation, self.user, self.cookie = run, url, conversation, user, cookie
        self.seen: set[int] = set()
        self.ws: Any = None
        self.connected = asyncio.Event()
        self.closing = False

    def contiguous(self) -> int:
        seq = 0
        while seq + 1 in self.seen:
            seq += 1
        return seq

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            f"{self.url}/ws/chat/{self.conversation}/?after={self.contiguous()}",
            origin=Origin("http://127.0.0.1"),
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            open_timeout=60,
            ping_interval=None,  # the server's heartbeats are what we rely on, as the page does
            max_queue=None,
        )
        self.connected.set()

    async def listen(self) -> None:
        while not self.closing:
            try:
                async for raw in self.ws:
                    self.on_frame(json.loads(raw))
            except websockets.ConnectionClosed:
                pass
            if self.closing:
                return
            self.connected.clear()
            self.run.reconnects += 1
            await self.reconnect()

    async def reconnect(self) -> None:
        for attempt in range(10):
            await asyncio.sleep(min(8, 0.5 * 2**attempt) * random.uniform(0.5, 1))
            try:
                await self.connect()
                return
            except Exception:  # noqa: S112 - try again, like the page
                continue

    def on_frame(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            if message["seq"] in self.seen:
                self.run.duplicates += 1
                return
            self.seen.add(message["seq"])
            if message["sender"] != self.user:
                self.run.delivered += 1
                sent = self.run.sent_at.get(message["client_id"])
                start, end = self.run.window
                if sent is not None and start <= sent <= end:
                    self.run.latencies.append(time.monotonic() - sent)
        elif kind == "error":
            self.run.errors[frame.get("code")] += 1

    async def send(self, client_id: str, text: str) -> bool:
        if not self.connected.is_set():
            return False
        try:
            await self.ws.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
        except websockets.ConnectionClosed:
            return False
        self.run.sent_at[client_id] = time.monotonic()
        return True

    async def resume(self) -> None:
        if self.connected.is_set():
            await self.ws.send(json.dumps({"type": "resume", "after": self.contiguous()}))


async def open_all(clients: list[Client], concurrency: int) -> tuple[int, float]:
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()

    async def one(client: Client) -> bool:
        for attempt in range(5):  # like the page: a refused handshake is tried again, with back-off
            async with gate:
                try:
                    await client.connect()
                    return True
                except Exception as exc:
                    client.run.errors[f"connect try {attempt + 1}: {type(exc).__name__}"] += 1
            await asyncio.sleep(random.uniform(1, 2) * 2**attempt)
        return False

    results = await asyncio.gather(*(one(c) for c in clients))
    return sum(results), time.monotonic() - started


async def send_at_rate(run: Run, pairs: list[tuple[Client, Client]], args, on_tick) -> tuple[int, int]:
    total = int(args.rate * args.duration)
    start = time.monotonic()
    run.window = (start, start + args.duration)
    sent = skipped = 0
    for i in range(total):
        delay = start + i / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await on_tick(time.monotonic() - start)
        sender = random.choice(pairs[i % len(pairs)])
        if await sender.send(f"bench{i:08d}-{secrets.token_hex(3)}", f"bench message {i}"):
            sent += 1
        else:
            skipped += 1
    return sent, skipped


def lost_and_unseen(clients_by_key: dict[tuple[int, int], Client], stored, parties) -> int:
    """Stored messages the other person's socket never received: the number that matters."""
    lost = 0
    for conversation, seq, sender in stored:
        student, tutor = parties[conversation]
        recipient = clients_by_key.get((conversation, tutor if sender == student else student))
        # A recipient that never got a socket would get everything on connecting: not counted.
        if recipient is not None and recipient.ws is not None and seq not in recipient.seen:
            lost += 1
    return lost


async def main_async(args, plan, servers, redis_box) -> dict:
    run = Run()
    urls = [f"ws://127.0.0.1:{FIRST_PORT + n}" for n in range(args.processes)]
    pairs, clients_by_key, parties = [], {}, {}
    for conversation, student, tutor, student_cookie, tutor_cookie in plan:
        # Two processes: the two people sit on different servers, so delivery crosses Redis.
        a = Client(run, urls[0], conversation, student, student_cookie)
        b = Client(run, urls[-1], conversation, tutor, tutor_cookie)
        pairs.append((a, b))
        clients_by_key[(conversation, student)], clients_by_key[(conversation, tutor)] = a, b
        parties[conversation] = (student, tutor)
    clients = [c for pair in pairs for c in pair]

    connected, connect_seconds = await open_all(clients, args.connect_concurrency)
    print(f"connected {connected}/{len(clients)} sockets in {connect_seconds:.1f} s")
    listeners = [asyncio.create_task(c.listen()) for c in clients if c.connected.is_set()]
    await asyncio.sleep(5)  # let the servers settle (presence, backlog)

    peak = {p.pid: rss_mb(p.pid) for p in servers}
    cpu_before = sum(cpu_seconds(p.pid) for p in servers)
    restarted = False

    async def on_tick(elapsed: float) -> None:
        nonlocal restarted
        if args.restart_redis_at is not None and not restarted and elapsed >= args.restart_redis_at:
            restarted = True
            print(f"restarting Redis at {elapsed:.1f} s")
            await asyncio.to_thread(restart_redis, redis_box)
        if int(elapsed * args.rate) % int(args.rate) == 0:
            for p in servers:
                peak[p.pid] = max(peak[p.pid], rss_mb(p.pid))

    sent, skipped = await send_at_rate(run, pairs, args, on_tick)
    send_end = time.monotonic()
    await asyncio.sleep(args.drain)
    delivered_in_window = run.delivered
    # An overloaded server is still working through its queue: wait until it has caught up, so
    # "lost" means never delivered, not delivered late.
    from asgiref.sync import sync_to_async

    stored = await settle(lambda: sync_to_async(stored_messages)(list(parties)), run)
    caught_up = time.monotonic() - send_end
    cpu_used = sum(cpu_seconds(p.pid) for p in servers) - cpu_before
    lost_before = lost_and_unseen(clients_by_key, stored, parties)
    await asyncio.gather(*(c.resume() for c in clients), return_exceptions=True)
    await settle(lambda: sync_to_async(stored_messages)(list(parties)), run)
    lost_after = lost_and_unseen(clients_by_key, stored, parties)
    open_at_end = sum(c.connected.is_set() for c in clients)
    for c in clients:
        c.closing = True
        if c.ws is not None:
            await c.ws.close()
    for task in listeners:
        task.cancel()
    latencies = sorted(run.latencies)
    return {
        "sockets": len(clients),
        "connected": connected,
        "connect_seconds": round(connect_seconds, 1),
        "open_at_end": open_at_end,
        "sent": sent,
        "not_sent_socket_down": skipped,
        "stored": len(stored),
        "delivered": delivered_in_window,
        "messages_per_second": round(delivered_in_window / (send_end - run.window[0]), 1),
        "seconds_to_catch_up_after_sending": round(caught_up, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
        "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
        "lost_before_resync": lost_before,
        "lost_after_resync": lost_after,
        "duplicates": run.duplicates,
        "reconnects": run.reconnects,
        "errors": dict(run.errors),
        "server_cpu_seconds": round(cpu_used, 1),
        "server_cpu_ms_per_message": round(1000 * cpu_used / max(1, len(stored)), 2),
        "server_rss_mb_peak": [round(v, 1) for v in peak.values()],
        "server_rss_mb_end": [round(rss_mb(p.pid), 1) for p in servers],
    }


async def settle(read_stored, run: Run, quiet: float = 4, limit: float = 240):
    """Wait until nothing more is stored or delivered for `quiet` seconds (at most `limit`)."""
    deadline, last, still_since = time.monotonic() + limit, None, time.monotonic()
    while time.monotonic() < deadline:
        stored = await read_stored()
        now_state = (len(stored), run.delivered, run.duplicates)
        if now_state != last:
            last, still_since = now_state, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return stored
        await asyncio.sleep(1)
    return stored


def restart_redis(redis_box: list) -> None:
    stop(redis_box[0])
    time.sleep(1)
    redis_box[0] = start_redis()


def main() -> None:
    args = parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    env = server_env(args)
    os.environ.update({k: v for k, v in env.items() if k not in ("LOG_LEVEL",)})
    print(f"load average at start: {os.getloadavg()}")
    restart = f", Redis restarted at {args.restart_redis_at:g} s" if args.restart_redis_at is not None else ""
    print(f"{args.sockets} sockets, {args.rate:g} msg/s for {args.duration:g} s, {args.layer} layer, ", end="")
    print(f"{args.processes} server process(es){restart}")
    redis_box = [start_redis()]
    servers: list[subprocess.Popen] = []
    try:
        plan = prepare(args.sockets // 2)
        servers = [start_daphne(FIRST_PORT + n, env) for n in range(args.processes)]
        result = asyncio.run(main_async(args, plan, servers, redis_box))
    finally:
        for process in servers:
            stop(process)
        stop(redis_box[0])
    print(f"load average at end: {os.getloadavg()}")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
