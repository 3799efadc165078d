from django.urls import path

from . import contribute, events, quick, records, views

app_name = "recording"

urlpatterns = [
    path("alerts/<int:alert_id>/resolve/", views.resolve_alert, name="resolve-alert"),
    # Structured record pages (recording/records.py).
    path("children/new/", records.register_child, name="register-child"),
    path("children/<int:child_id>/identity/", records.identity, name="identity"),
    path("children/<int:child_id>/people/add/", records.person_add, name="person-add"),
    path("children/<int:child_id>/people/end/", records.relationship_end, name="relationship-end"),
    path(
        "children/<int:child_id>/involvements/add/",
        records.involvement_add,
        name="involvement-add",
    ),
    path(
        "children/<int:child_id>/involvements/end/",
        records.involvement_end,
        name="involvement-end",
    ),
    path(
        "children/<int:child_id>/involvements/request/",
        records.involvement_request,
        name="involvement-request",
    ),
    path(
        "children/<int:child_id>/involvements/requests/",
        records.involvement_request_decide,
        name="involvement-request-decide",
    ),
    path("children/<int:child_id>/episodes/add/", records.episode_add, name="episode-add"),
    path("children/<int:child_id>/episodes/end/", records.episode_end, name="episode-end"),
    path("children/<int:child_id>/placements/add/", records.placement_add, name="placement-add"),
    path("children/<int:child_id>/placements/end/", records.placement_end, name="placement-end"),
    path("children/<int:child_id>/conditions/add/", records.condition_add, name="condition-add"),
    path("children/<int:child_id>/medicines/add/", records.medicine_add, name="medicine-add"),
    path("children/<int:child_id>/medicines/end/", records.medicine_end, name="medicine-end"),
    path(
        "children/<int:child_id>/health-assessments/add/",
        records.health_assessment,
        name="health-assessment",
    ),
    path("children/<int:child_id>/referrals/add/", records.referral_add, name="referral-add"),
    # Chronology entries (recording/events.py).
    path("contribute/", contribute.contribute_find, name="contribute-find"),
    path("contribute/entry/", contribute.contribute_record, name="contribute-record"),
    path("children/<int:child_id>/record/", events.event_types, name="event-types"),
    # Quick recording of the partners' frequent events (recording/quick.py).
    path("record/<slug:slug>/", quick.quick_start, name="quick-start"),
    path("children/<int:child_id>/record/quick/<slug:slug>/", quick.quick_record, name="quick"),
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
