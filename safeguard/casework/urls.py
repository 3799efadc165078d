from django.urls import path

from . import views

app_name = "children"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("children/search/", views.search, name="search"),
    path("children/<int:child_id>/", views.summary, name="summary"),
]
