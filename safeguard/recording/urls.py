from django.urls import path

from . import views

app_name = "recording"

urlpatterns = [
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve-alert"),
]
