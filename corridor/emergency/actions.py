"""Emergency controls: lockdown destroys every key wrap held for users (T2, T6).

Decision 0022 (docs/decisions/0022-duress-lockdown-recovery.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import connection, transaction

from corridor.accounts.models import StaffSession
from corridor.audit.log import audit_record
from corridor.vault.models import KeyWrap, Organisation


@dataclass(frozen=True)
class LockdownResult:
    wraps: int
    sessions: int


def _secure_delete_on() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def storage_scrub() -> None:
    """Leave no copy of deleted rows where a seizure finds them.

    SQLite: secure delete already zeroed the freed cells; a truncating checkpoint moves the
    zeroed pages into the database file and empties the write-ahead log. PostgreSQL: VACUUM
    FULL rewrites the key-wrap and session tables into new files (dead tuples are not copied).
    Must run outside a transaction.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            for model in (KeyWrap, Session, StaffSession):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM FULL {table}")
            cursor.execute("CHECKPOINT")


def organisation_lockdown(*, actor_id: int | None) -> LockdownResult:
    """Destroy, in one transaction, every key wrap held for a user and every session.

    What is sealed only to the organisation recovery key stays: trustees bring k shares to
    open it again (`manage.py recover_access`). Memberships stay too, as the record of who
    should get their compartments back. Users' key pairs stay: without a compartment wrap a
    private key opens nothing.
    """
    _secure_delete_on()
    with transaction.atomic():
        org_id = Organisation.objects.values_list("pk", flat=True).first()
        wraps, _ = KeyWrap.objects.filter(user__isnull=False).delete()
        sessions, _ = Session.objects.all().delete()
        StaffSession.objects.all().delete()
        audit_record(
            actor_id=actor_id,
            action="emergency.lockdown",
            object_type="organisation",
            object_id=str(org_id),
        )
    if not connection.in_atomic_block:
        storage_scrub()
    return LockdownResult(wraps=wraps, sessions=sessions)
