"""One id per request, in every log line the request writes and on its response.

The router names each request (Heroku sends `X-Request-ID`, and shows it in its own router log
lines); we keep that id, or make one when there is none or it looks wrong, answer with it in
`X-Request-ID`, and `RequestIdFilter` writes it into each log record (the LOGGING format shows it
as `request_id=...`), so one request can be followed from the router through the site's log, and
in Sentry, where it is a tag. Lines written outside a request (the clock, the task worker) show `-`.
"""

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

HEADER = "X-Request-ID"
NONE = "-"
# What Heroku sends (a UUID) and other routers' ids; anything else (too long, spaces, newlines that
# would forge log lines) is replaced by an id of our own.
ACCEPTED = re.compile(r"[A-Za-z0-9._:+=@/-]{8,200}")

current: ContextVar[str] = ContextVar("request_id", default=NONE)


def request_id_for(incoming: str | None) -> str:
    return incoming if incoming and ACCEPTED.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Goes first in MIDDLEWARE, so everything below it (and its log lines) runs under the id."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        token = self.begin(request)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request.request_id
        return response

    async def __acall__(self, request):
        token = self.begin(request)
        try:
            response = await self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request.request_id
        return response

    @staticmethod
    def begin(request):
        request.request_id = request_id_for(request.headers.get(HEADER))
        if "sentry_sdk" in sys.modules:  # only when settings started it (SENTRY_DSN)
            sys.modules["sentry_sdk"].set_tag("request_id", request.request_id)
        return current.set(request.request_id)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (on the handler, so third-party loggers get it too).
    Django logs a 4xx/5xx answer after the middleware has finished, with the request attached."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = current.get()
        if found == NONE and (request := getattr(record, "request", None)) is not None:
            found = getattr(request, "request_id", NONE)
        record.request_id = found
        return True
