"""The database refuses UPDATE and DELETE of audit entries; only its owner lifts that.

Migrations 0002 (PostgreSQL) and 0003 (SQLite) install triggers. They stop a bug or an
injected statement from changing history, not the database's owner, who can drop them (T5);
the checkpoints, verified against the pinned public key, are what detect that owner.

`sqlite_append_only_lifted` is the owner's own door, used only by `manage.py flush`: on
SQLite, Django empties tables with DELETE (between transactional tests, live-server tests),
while on PostgreSQL it uses TRUNCATE, which the row triggers do not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

ENTRY_TABLE = "audit_auditentry"


def sqlite_triggers(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """(name, CREATE statement) of each trigger on the entry table, as SQLite stores them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "ORDER BY name",
            [ENTRY_TABLE],
        )
        return [(name, sql) for name, sql in cursor.fetchall()]


@contextmanager
def sqlite_append_only_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Drop the entry table's SQLite triggers for the block, then re-create them as they were."""
    if connection.vendor != "sqlite":
        yield
        return
    triggers = sqlite_triggers(connection)
    with connection.cursor() as cursor:
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)
