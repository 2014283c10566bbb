"""The JSON API, mounted at /api/v1/: schema at openapi.json, browsable docs at docs."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from ninja import NinjaAPI
from ninja.operation import Operation

from api import errors
from api.auth import EVERYONE_SIGNED_IN
from api.endpoints import accounts, bids, chat, engagements, notifications, questions, tutors


class Api(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (feed, place_bid, ...): short, stable, and what client generators use.
        return operation.view_func.__name__


api = Api(
    title="Expert Hive Tutors API",
    version="1",
    description=(
        "Students post questions, tutors bid, the engagement runs from the accepted bid to approval, "
        "students review tutors, and the two sides chat. Authenticate with `Authorization: Bearer <token>` "
        "(from `POST /api/v1/auth/token`) or, from the site's own pages, the login session plus "
        "the `X-CSRFToken` header. Money is integer minor units plus an ISO 4217 currency. "
        'Errors are `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=EVERYONE_SIGNED_IN,
    urls_namespace="api-1",
)
errors.install(api)
for module in (accounts, questions, bids, engagements, tutors, chat, notifications):
    api.add_router("", module.router)


def unknown(request: HttpRequest, rest: str) -> JsonResponse:
    """A JSON 404 for any other path under the API, instead of the site's HTML page."""
    return JsonResponse(errors.error_body("not_found", "There is no such API endpoint."), status=404)


urlpatterns = [path("", api.urls), path("<path:rest>", unknown)]
