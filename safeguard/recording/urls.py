from django.urls import path

from . import events, views

app_name = "recording"

urlpatterns = [
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve-alert"),
    path("children/<int:child_id>/record/", events.event_types, name="event-types"),
    path("children/<int:child_id>/record/<slug:event_type>/", events.record, name="event"),
    path(
        "children/<int:child_id>/chronology/<int:event_id>/correct/",
        events.correct,
        name="correct-event",
    ),
    path(
        "children/<int:child_id>/chronology/<int:event_id>/withdraw/",
        events.withdraw,
        name="withdraw-event",
    ),
]
