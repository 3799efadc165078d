"""Which teams are the front door (administrators designate them, as they manage teams):
members of such a team whose role has the `front_door` capability see every contact
awaiting a decision (docs/access.md, "The front door")."""

from django.contrib import admin

from .models import FrontDoorTeam


@admin.register(FrontDoorTeam)
class FrontDoorTeamAdmin(admin.ModelAdmin):
    list_display = ("team", "since")
    fields = ("team",)
