"""Faults the pages answer in words instead of a 500."""

from django.shortcuts import render

from core.uploads import StorageUnavailable

RETRY_AFTER_SECONDS = 60


class StorageUnavailableMiddleware:
    """A download whose storage did not answer: a page that says try again, with a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, StorageUnavailable):
            return None
        response = render(request, "storage_unavailable.html", {"message": str(exception)}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
