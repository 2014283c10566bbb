"""HTTP over ASGI answered by Django's WSGI handler on a small thread pool.

Django's ASGI handler costs several times its WSGI handler per request (docs/decisions/0012): it
runs each request's sync middleware and view through asgiref's thread hand-offs and per-request
context. Here the server's event loop only reads the request body and writes the response; the
request runs start to finish on one pool thread, as under a threaded WSGI server. A response
that is not streamed crosses back to the loop once, whole; a streamed one (a file download) chunk
by chunk, so it is never held in memory.
"""

import asyncio
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings

WSGIApplication = Callable[[dict, Callable], Iterable[bytes]]
# What the pool thread hands back: status, headers, then the whole body or the streamed response.
Reply = tuple[int, list[tuple[bytes, bytes]], bytes, "Streamed | None"]


@dataclass(frozen=True)
class Streamed:
    response: Iterable[bytes]
    chunks: Iterator[bytes]


class WSGIBridge:
    def __init__(self, application: WSGIApplication, *, threads: int) -> None:
        self.application = application
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WSGIBridge serves HTTP only, not {scope['type']!r}")
        body = await read_body(receive)
        if body is None:
            return  # the client went away before sending its request body
        loop = asyncio.get_running_loop()
        try:
            status, headers, content, streamed = await loop.run_in_executor(self.pool, self.respond, scope, body)
        finally:
            body.close()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if streamed is None:
            await send({"type": "http.response.body", "body": content})
            return
        try:
            while (chunk := await loop.run_in_executor(self.pool, next, streamed.chunks, None)) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await loop.run_in_executor(self.pool, close, streamed.response)

    def respond(self, scope: dict, body: Any) -> Reply:
        """On a pool thread: the whole request through the WSGI handler."""
        started: list[tuple[str, list[tuple[str, str]]]] = []
        response = self.application(
            environ(scope, body), lambda status, headers, exc_info=None: started.append((status, headers))
        )
        status, headers = started[-1]
        encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        if getattr(response, "streaming", True):
            return int(status[:3]), encoded, b"", Streamed(response, iter(response))
        try:
            return int(status[:3]), encoded, b"".join(response), None
        finally:
            close(response)


async def read_body(receive: Callable) -> Any:
    """The request body, spooled to disk past Django's in-memory upload limit (as its ASGI handler does)."""
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b")  # noqa: SIM115
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        body.write(message.get("body", b""))
        if not message.get("more_body", False):
            body.seek(0)
            return body


def environ(scope: dict, body: Any) -> dict:
    """PEP 3333's environ for an ASGI HTTP scope."""
    root_path = scope.get("root_path", "")
    path = scope["path"]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    values = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode().decode("latin-1"),
        "PATH_INFO": path.removeprefix(root_path).encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server_name),
        "SERVER_PORT": str(server_port or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    # What was read, whatever the client declared: a chunked request body (which the server has
    # decoded) has no Content-Length, and the WSGI handler reads only as far as it says.
    values["CONTENT_LENGTH"] = str(body.seek(0, 2))
    body.seek(0)
    if client := scope.get("client"):
        values["REMOTE_ADDR"], values["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name == "CONTENT_LENGTH":
            continue
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        values[key] = f"{values[key]},{value}" if key in values else value
    return values


def close(response: object) -> None:
    if hasattr(response, "close"):
        response.close()
