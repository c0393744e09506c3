"""On SQLite too, triggers that refuse UPDATE and DELETE of audit entries, as 0002 on PostgreSQL.

Defence in depth against a bug or an injected statement, not against the database's owner
(who can drop them); the checkpoints verified against the pinned key detect that owner.
`manage.py flush` (Django's test teardown on SQLite is a DELETE of every table) lifts them
around itself: corridor/audit/management/commands/flush.py. Note that a later migration
that rebuilds the entry table on SQLite (Django copies it to a new table) drops these
triggers: it must create them again. See docs/decisions/0013-pinned-audit-key.md.
"""

from django.db import migrations

TRIGGERS = {
    operation: f"audit_entry_append_only_{operation.lower()}" for operation in ("UPDATE", "DELETE")
}


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation, name in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE {operation} ON audit_auditentry "
            f"BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: {operation} refused'); END",
            params=None,
        )


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS.values():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_and_append_only")]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
