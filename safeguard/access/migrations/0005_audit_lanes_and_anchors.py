"""Audit lanes: the trail becomes SAFEGUARD_AUDIT_LANES chains tied together by anchors.

Existing entries stay as they are: lane 1 (the head row they were chained under, id 1, is
lane 1's head), hash version 1 (their hash covers the fields it always covered), so they
verify unchanged and nothing is re-signed. `seq` becomes an entry's number in its lane
(unique with `lane`). New: the anchor chain (AuditAnchor, its head the row with id 0,
created when the first anchor is written), append-only in PostgreSQL like the entries
(migration 0003).
"""

from django.conf import settings
from django.db import migrations, models

CREATE_TRIGGER = """
CREATE TRIGGER access_auditanchor_append_only
    BEFORE UPDATE OR DELETE ON access_auditanchor
    FOR EACH ROW EXECUTE FUNCTION safeguard_audit_append_only();
"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS access_auditanchor_append_only ON access_auditanchor;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_break_glass_reviewer"),
        ("children", "0002_dob_precision_unborn_postcode_version_requests_referrals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True)),
                ("at", models.DateTimeField()),
                ("lane", models.PositiveSmallIntegerField()),
                ("heads", models.JSONField()),
                ("key_id", models.CharField(max_length=32)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
            ],
            options={
                "ordering": ["seq"],
            },
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["id"], "verbose_name_plural": "audit entries"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="lane",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("lane", "seq"), name="access_auditentry_lane_seq"
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
