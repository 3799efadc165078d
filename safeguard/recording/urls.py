from django.urls import path

from . import contribute, views

app_name = "recording"

urlpatterns = [
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve-alert"),
    path("contribute/", contribute.contribute_find, name="contribute-find"),
    path("contribute/entry/", contribute.contribute_record, name="contribute-record"),
]
