"""Every error leaves the API as {"error": {"code", "message", "fields"}} with a stable code."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.uploads import STORAGE_UNAVAILABLE_CODE, StorageUnavailable

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "throttled",
}
# Service error codes with an HTTP status of their own (any other refusal is a 400).
STATUS_BY_CODE = {"rate_limited": 429, STORAGE_UNAVAILABLE_CODE: 503}
RETRY_AFTER_SECONDS = {503: 60}
CHECK_FIELDS = "Some fields need attention."
# The parameter names our endpoints give their JSON or query schema; not part of a field's name.
SCHEMA_PARAMS = {"payload", "filters"}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def from_django(exc: DjangoValidationError) -> dict[str, Any]:
    """A service's ValidationError: its code when it has one, per-field messages under fields."""
    codes = {error.code for error in _flat(exc)}
    only = codes.pop() if len(codes) == 1 else None
    code = only or "invalid"
    if hasattr(exc, "error_dict"):
        fields = {name: messages for name, messages in exc.message_dict.items() if name != NON_FIELD_ERRORS}
        return error_body(code, " ".join(exc.messages) or CHECK_FIELDS, fields)
    return error_body(code, " ".join(exc.messages))


def _flat(exc: DjangoValidationError) -> list[DjangoValidationError]:
    if hasattr(exc, "error_dict"):
        return [error for errors in exc.error_dict.values() for error in errors]
    return exc.error_list


FILE_CHECKS = {"empty", "too_big", "file_type"}


def on_field(exc: DjangoValidationError, field: str) -> DjangoValidationError:
    """A file check's error, put on the field that carried the files (state errors stay as they are)."""
    if hasattr(exc, "error_dict") or not {error.code for error in exc.error_list} <= FILE_CHECKS:
        return exc
    return DjangoValidationError({field: exc.error_list})


def field_name(location: list | tuple) -> str:
    """("body", "payload", "title") -> "title"; ("query", "limit") -> "limit"."""
    parts = [str(part) for part in location[1:] if part not in SCHEMA_PARAMS]
    return ".".join(parts) or str(location[0])


def from_ninja(exc: NinjaValidationError) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(field_name(error.get("loc", ["body"])), []).append(str(error.get("msg", "Invalid value.")))
    return error_body("invalid", CHECK_FIELDS, fields)


def install(api: NinjaAPI) -> None:
    def answer(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status in RETRY_AFTER_SECONDS:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS[status])
        return response

    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc):
        body = from_django(exc)
        return answer(request, body, STATUS_BY_CODE.get(body["error"]["code"], 400))

    @api.exception_handler(StorageUnavailable)
    def storage_unavailable(request, exc):
        return answer(request, error_body(STORAGE_UNAVAILABLE_CODE, str(exc)), 503)

    @api.exception_handler(NinjaValidationError)
    def malformed(request, exc):
        return answer(request, from_ninja(exc), 422)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return answer(request, error_body("forbidden", str(exc) or "You may not do that."), 403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return answer(request, error_body("not_found", "Not found, or not yours to see."), 404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        message = "Log in, or send Authorization: Bearer <token> (POST /api/v1/auth/token gives one)."
        return answer(request, error_body("unauthenticated", message), 401)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        code = CODES_BY_STATUS.get(exc.status_code, "error")
        if "CSRF" in exc.message:
            code = "csrf_failed"
        return answer(request, error_body(code, exc.message), exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return answer(request, error_body("too_large", "The request is too large."), 413)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return answer(request, error_body("bad_request", "The request could not be read."), 400)
