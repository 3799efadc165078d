from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("iro-disputes/", views.iro_dashboard, name="iro-dashboard"),
]
