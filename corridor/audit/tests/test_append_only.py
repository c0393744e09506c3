"""The database itself refuses UPDATE and DELETE of audit entries, on SQLite as on PostgreSQL;
only emptying the whole database (`manage.py flush`, the owner's act) passes (T3, T5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from corridor.audit.append_only import sqlite_triggers
from corridor.audit.checkpoints import chain_verify
from corridor.audit.models import AuditEntry

Build = Callable[[int], list[AuditEntry]]


def _raw(sql: str) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return run


def _save_changed() -> None:
    entry = AuditEntry.objects.get(seq=1)
    entry.object_id = "8"
    entry.save()


CHANGES = {
    "orm update": lambda: AuditEntry.objects.filter(seq=1).update(action="case.export"),
    "orm save": _save_changed,
    "orm delete": lambda: AuditEntry.objects.filter(seq=1).delete(),
    "orm delete all": lambda: AuditEntry.objects.all().delete(),
    "sql update": _raw("UPDATE audit_auditentry SET object_id = '8' WHERE seq = 1"),
    "sql delete": _raw("DELETE FROM audit_auditentry WHERE seq = 1"),
}


def _refused_everywhere() -> None:
    for name, change in CHANGES.items():
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
            pytest.fail(f"{name} was not refused")


@pytest.mark.django_db
def test_it_refuses_update_and_delete_of_entries(chain_build: Build) -> None:
    # Given a chain, When the application (a bug, an injected statement) tries to change or
    # delete an entry through the ORM or in SQL
    chain_build(2)
    # Then the database refuses every one of them, and the chain is untouched
    _refused_everywhere()
    assert AuditEntry.objects.count() == 2
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_it_empties_the_database_on_flush_and_refuses_changes_again(chain_build: Build) -> None:
    # Given a committed chain (and, on SQLite, its triggers)
    chain_build(2)
    triggers = sqlite_triggers(connection) if connection.vendor == "sqlite" else []
    # When the owner empties the database, as Django does between transactional tests
    call_command("flush", interactive=False, verbosity=0)
    # Then the entries are gone, and the triggers are back as they were
    assert not AuditEntry.objects.exists()
    if connection.vendor == "sqlite":
        assert [name for name, _sql in triggers] == [
            "audit_entry_append_only_delete",
            "audit_entry_append_only_update",
        ]
        assert sqlite_triggers(connection) == triggers
    chain_build(1)
    _refused_everywhere()
