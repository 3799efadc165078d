"""Safeguard's URLs. Every page needs a signed-in professional (login_required on each view)."""

from django.contrib import admin
from django.urls import include, path

from safeguard.core.views import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", include("safeguard.accounts.urls")),
    path("", include("safeguard.casework.urls")),
    path("", include("safeguard.chronology.urls")),
    path("", include("safeguard.checks.urls")),
    path("", include("safeguard.recording.urls")),
    path("", include("safeguard.exploitation.urls")),
    path("", include("safeguard.meetings.urls")),
    path("care/", include("safeguard.care.urls")),
    path("", include("safeguard.frontdoor.urls")),
    path("admin/", admin.site.urls),
    path("", include("safeguard.access.urls")),
]
