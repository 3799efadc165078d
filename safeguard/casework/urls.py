from django.urls import path

from . import views

app_name = "children"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("children/search/", views.search, name="search"),
    path("children/<int:child_id>/", views.summary, name="summary"),
]

# Pages of the layer above under the front door's URL names (safeguard/urls.py adds them to
# the frontdoor namespace): they read the checks, which the frontdoor app may not.
frontdoor_urlpatterns = [
    path("visits-due/", views.visits_due, name="visits-due"),
]
