from django.urls import path

from . import (
    care_pages,
    contribute,
    events,
    exploitation_pages,
    frontdoor,
    meeting_pages,
    quick,
    records,
    views,
)

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
    # Exploitation and missing (recording/exploitation_pages.py).
    path(
        "children/<int:child_id>/missing/add/",
        exploitation_pages.missing_episode,
        name="missing-episode",
    ),
    path(
        "children/<int:child_id>/exploitation/assessments/add/",
        exploitation_pages.exploitation_assessment,
        name="exploitation-assessment",
    ),
    path(
        "children/<int:child_id>/exploitation/safety-plan/add/",
        exploitation_pages.safety_plan,
        name="safety-plan",
    ),
    path(
        "children/<int:child_id>/exploitation/measures/add/",
        exploitation_pages.protective_measure,
        name="protective-measure",
    ),
    # Looked-after care (recording/care_pages.py, issue 13).
    path(
        "children/<int:child_id>/placement-plan/",
        care_pages.placement_plan,
        name="placement-plan",
    ),
    path(
        "children/<int:child_id>/placements/host-authority/",
        care_pages.host_notified,
        name="host-notified",
    ),
    path("children/<int:child_id>/appointments/", care_pages.appointments, name="appointments"),
    path(
        "children/<int:child_id>/health-recommendations/",
        care_pages.health_recommendations,
        name="health-recommendations",
    ),
    path(
        "children/<int:child_id>/transition-plan/",
        care_pages.transition_plan,
        name="transition-plan",
    ),
    path("children/<int:child_id>/capacity/", care_pages.capacity, name="capacity"),
    path("children/<int:child_id>/iro-disputes/", care_pages.iro_disputes, name="iro-disputes"),
    path("children/<int:child_id>/education/", care_pages.education, name="education"),
    path("children/<int:child_id>/pathway-plan/", care_pages.pathway, name="pathway"),
    path("children/<int:child_id>/death/", care_pages.death, name="death"),
    path("medicines-messages/", care_pages.fhir_message, name="fhir-message"),
    # The front door and help at home (recording/frontdoor.py).
    path("children/<int:child_id>/contacts/add/", frontdoor.contact_add, name="contact-add"),
    path(
        "children/<int:child_id>/contacts/decide/",
        frontdoor.contact_decision,
        name="contact-decision",
    ),
    path("children/<int:child_id>/assessments/", frontdoor.assessment, name="assessment"),
    path(
        "children/<int:child_id>/assessments/update/",
        frontdoor.assessment_update,
        name="assessment-update",
    ),
    path("children/<int:child_id>/household/add/", frontdoor.household_add, name="household-add"),
    path(
        "children/<int:child_id>/household/left/", frontdoor.household_left, name="household-left"
    ),
    path("children/<int:child_id>/household/checks/", frontdoor.adult_check, name="adult-check"),
    path("children/<int:child_id>/injuries/add/", frontdoor.injury_add, name="injury-add"),
    path(
        "children/<int:child_id>/injuries/medical/", frontdoor.injury_medical, name="injury-medical"
    ),
    path("children/<int:child_id>/close/", frontdoor.case_closure, name="case-closure"),
    path("children/<int:child_id>/worker-absence/", frontdoor.absence, name="worker-absence"),
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

# The meetings pages that read alerts, under the meetings app's URL names (safeguard/urls.py
# adds them to the meetings namespace).
meetings_urlpatterns = [
    path("children/<int:child_id>/meetings/", meeting_pages.child_meetings, name="child"),
    path("children/<int:child_id>/meetings/new/", meeting_pages.schedule, name="schedule"),
]
