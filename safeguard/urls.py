from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("safeguard.checks.urls")),
    path("admin/", admin.site.urls),
]
