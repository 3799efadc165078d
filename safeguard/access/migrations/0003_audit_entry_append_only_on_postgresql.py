"""On PostgreSQL, refuse UPDATE and DELETE of audit rows in the database itself.

The model already refuses them through the ORM; this trigger also refuses raw SQL on the
application's connection (or anyone else's, short of a superuser disabling the trigger).
TRUNCATE is a statement, not a row DELETE, so it does not fire the trigger: the test suite's
flush still works. Production roles should also have UPDATE, DELETE and TRUNCATE revoked
(docs/security.md, "The database role"). SQLite has no roles; there the model's refusal and
the keyed chain are the protection.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION safeguard_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS access_auditentry_append_only ON access_auditentry;
CREATE TRIGGER access_auditentry_append_only
    BEFORE UPDATE OR DELETE ON access_auditentry
    FOR EACH ROW EXECUTE FUNCTION safeguard_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS access_auditentry_append_only ON access_auditentry;
DROP FUNCTION IF EXISTS safeguard_audit_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("access", "0002_audit_entry_key_id")]

    operations = [migrations.RunPython(create, drop)]
