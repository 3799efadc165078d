from django.urls import path

from . import views

app_name = "meetings"

# The child's meetings page and scheduling read alerts (recording/meeting_pages.py), and the
# reviews due read the LAC-REVIEW check (casework/views.py): safeguard/urls.py adds them to
# this namespace under their names meetings:child, meetings:schedule, meetings:reviews-due.

urlpatterns = [
    path("children/<int:child_id>/concerns/new/", views.record_concern, name="record-concern"),
    path("children/<int:child_id>/s47/new/", views.record_s47, name="record-s47"),
    path("meetings/minutes-outstanding/", views.minutes_outstanding, name="minutes-outstanding"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/held/", views.hold, name="hold"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:meeting_id>/actions/new/", views.add_action, name="add-action"),
    path("meetings/<int:meeting_id>/move/", views.move, name="move"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel, name="cancel"),
    path("actions/<int:action_id>/complete/", views.complete_action, name="complete-action"),
    path("concerns/<int:concern_id>/close/", views.close_concern, name="close-concern"),
    path("s47/<int:enquiry_id>/conclude/", views.conclude_s47, name="conclude-s47"),
    path(
        "children/<int:child_id>/milestones/new/", views.record_milestone, name="record-milestone"
    ),
    path("milestones/<int:milestone_id>/review/", views.review_milestone, name="review-milestone"),
]
