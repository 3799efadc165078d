from django.urls import path

from . import views

app_name = "frontdoor"

urlpatterns = [
    path("front-door/", views.queue, name="queue"),
]
