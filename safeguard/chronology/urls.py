from django.urls import path

from . import views

app_name = "chronology"

urlpatterns = [
    path("children/<int:child_id>/chronology/", views.chronology, name="chronology"),
    path("children/<int:child_id>/chronology.csv", views.export, name="export"),
]
