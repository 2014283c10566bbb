from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Expert Hive Tutors — staff"
admin.site.site_title = "Expert Hive staff"

urlpatterns = [
    path("", include("web.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]
if settings.PAYMENTS_SANDBOX:  # the fake gateways: development, demo and tests only
    urlpatterns.append(path("sandbox/", include("payments.sandbox.urls")))
