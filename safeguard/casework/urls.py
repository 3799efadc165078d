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

# The looked-after reviews due, from the LAC-REVIEW check's rules, under the meetings
# app's URL name (safeguard/urls.py adds it to the meetings namespace).
meetings_urlpatterns = [
    path("meetings/reviews-due/", views.reviews_due, name="reviews-due"),
]
