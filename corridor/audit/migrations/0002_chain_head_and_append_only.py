"""The chain head row, and on PostgreSQL a trigger that refuses UPDATE and DELETE of entries.

The trigger is defence in depth against a bug or an injected statement, not against the
table's owner (who can disable it); the hash chain and exported checkpoints are what detect
tampering. No trigger on SQLite: Django's test flush there is a DELETE, which it would block.
See docs/decisions/0003-audit-chain.md.
"""

from django.db import migrations

TRIGGER = "audit_entry_append_only"

CREATE_SQL = f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION {TRIGGER}();
"""

DROP_SQL = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditentry;
DROP FUNCTION IF EXISTS {TRIGGER}();
"""


def head_create(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL, params=None)


def trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(head_create, migrations.RunPython.noop),
        migrations.RunPython(trigger_create, trigger_drop),
    ]
