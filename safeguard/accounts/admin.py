from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Agency, Team, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "code")
    list_filter = ("agency",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "agency", "team", "role")
    list_filter = ("role", "agency")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Safeguard", {"fields": ("agency", "team", "job_title", "role", "phone")}),
    )
