from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("children/<int:child_id>/meetings/", views.child_meetings, name="child"),
    path("children/<int:child_id>/concerns/new/", views.record_concern, name="record-concern"),
    path("children/<int:child_id>/meetings/new/", views.schedule, name="schedule"),
    path("children/<int:child_id>/s47/new/", views.record_s47, name="record-s47"),
    path("meetings/reviews-due/", views.reviews_due, name="reviews-due"),
    path("meetings/minutes-outstanding/", views.minutes_outstanding, name="minutes-outstanding"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/held/", views.hold, name="hold"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:meeting_id>/actions/new/", views.add_action, name="add-action"),
    path("actions/<int:action_id>/complete/", views.complete_action, name="complete-action"),
]
