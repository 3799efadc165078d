"""Fill the working-day calendar (1990-2040) from the `holidays` package (GB, ENG)."""

from django.db import migrations


def fill(apps, schema_editor):
    from safeguard.checks.calendar import fill_calendar

    fill_calendar(apps.get_model("checks", "CalendarDay"))


def empty(apps, schema_editor):
    apps.get_model("checks", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("checks", "0001_initial")]

    operations = [migrations.RunPython(fill, empty)]
