from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("access/two-factor/", views.otp_verify, name="otp-verify"),
    path("access/two-factor/set-up/", views.otp_set_up, name="otp-set-up"),
    path("access/break-glass/", views.break_glass_review, name="break-glass-review"),
    path(
        "access/break-glass/review/<int:child_id>/",
        views.break_glass_review_child,
        name="break-glass-review-child",
    ),
    path("access/break-glass/find/", views.break_glass_find, name="break-glass-find"),
    path(
        "access/break-glass/<int:grant_id>/reviewed/",
        views.break_glass_reviewed,
        name="break-glass-reviewed",
    ),
    path("access/users/<int:user_id>/activity/", views.user_activity, name="user-activity"),
    path("children/<int:child_id>/break-glass/", views.break_glass, name="break-glass"),
    path("children/<int:child_id>/audit/", views.child_audit, name="child-audit"),
]
