from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.models import TutorProfile


def home(request):
    featured = TutorProfile.objects.public().order_by("-user__date_joined")[:3]
    return render(request, "home.html", {"featured_tutors": featured})


@never_cache
def healthz(request):
    """For the load balancer: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
