"""An index the checks need on the chronology's event table.

Checks look up "the latest event of type T for child C on or before D" (visits, offers,
collections) in correlated subqueries; (child_id, event_type, occurred_on) answers each from
the index instead of scanning the child's whole chronology. Created here rather than in the
chronology app because the checks are what need it; plain SQL that SQLite and PostgreSQL
both accept.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("checks", "0002_fill_calendar"), ("chronology", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS checks_event_child_type_on "
            "ON chronology_event (child_id, event_type, occurred_on)",
            "DROP INDEX IF EXISTS checks_event_child_type_on",
        )
    ]
