"""Safeguard's URLs. Every page needs a signed-in professional (login_required on each view)."""

from django.contrib import admin
from django.urls import include, path

from safeguard.casework import urls as casework_urls
from safeguard.core.views import favicon
from safeguard.frontdoor import urls as frontdoor_urls
from safeguard.meetings import urls as meetings_urls
from safeguard.recording import urls as recording_urls


def _namespace(app_urls, *above):
    """A domain app's URL namespace: its own pages and, under its names, the pages of the
    layer above that read the checks (docs/architecture.md, "Layers")."""
    return include(([*app_urls.urlpatterns, *above], app_urls.app_name))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", include("safeguard.accounts.urls")),
    path("", include("safeguard.casework.urls")),
    path("", include("safeguard.chronology.urls")),
    path("", include("safeguard.checks.urls")),
    path("", include("safeguard.recording.urls")),
    path("", include("safeguard.exploitation.urls")),
    path(
        "",
        _namespace(
            meetings_urls,
            *recording_urls.meetings_urlpatterns,
            *casework_urls.meetings_urlpatterns,
        ),
    ),
    path("care/", include("safeguard.care.urls")),
    path("", _namespace(frontdoor_urls, *casework_urls.frontdoor_urlpatterns)),
    path("admin/", admin.site.urls),
    path("", include("safeguard.access.urls")),
]
