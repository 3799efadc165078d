"""A URLconf with one page that has not declared its access rule (for test_access_urls)."""

from django.http import HttpResponse
from django.urls import include, path

from safeguard.urls import urlpatterns as project_patterns

shiny = ([path("new/", lambda request: HttpResponse("hi"), name="new-page")], "shiny")

urlpatterns = [*project_patterns, path("shiny/", include(shiny))]
