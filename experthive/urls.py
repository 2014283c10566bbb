from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from experthive import views

admin.site.site_header = "Expert Hive Tutors — staff"
admin.site.site_title = "Expert Hive staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("questions.urls")),
    path("", include("bidding.urls")),
    path("", include("engagements.urls")),
    path("", include("chat.urls")),
    path("", include("reviews.urls")),
    path("", include("notifications.urls")),
    path("", include("payments.urls")),
    path("", include("recommendations.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]
if settings.PAYMENTS_SANDBOX:  # the fake gateways: development, demo and tests only
    urlpatterns.append(path("sandbox/", include("payments.sandbox.urls")))
