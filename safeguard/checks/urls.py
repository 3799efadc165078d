from django.urls import path

from . import views

app_name = "checks"

urlpatterns = [
    path("alerts/", views.mine, name="mine"),
    path("alerts/team/", views.team, name="team"),
    path("alerts/delivery/", views.delivery, name="delivery"),
    path("alerts/<int:alert_id>/", views.detail, name="detail"),
    path("alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("alerts/<int:alert_id>/close/", views.close, name="close"),
    path("notices/<int:child_id>/read/", views.notices_read, name="notices-read"),
]
