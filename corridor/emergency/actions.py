"""Emergency controls: lockdown destroys every key wrap held for users (T2, T6).

Decision 0022 (docs/decisions/0022-duress-lockdown-recovery.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from corridor.accounts.models import StaffSession, User
from corridor.accounts.roles import Role
from corridor.audit.log import audit_record
from corridor.emergency.models import DuressAlert
from corridor.vault.actions import user_key_wraps_destroy
from corridor.vault.models import KeyWrap, Membership, Organisation


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


def user_sessions_destroy(*, user_id: int, keep_session_key: str = "") -> int:
    """Delete every session of one user (the server half of its key with it), but one."""
    keys = list(
        StaffSession.objects.filter(user_id=user_id)
        .exclude(session_key=keep_session_key)
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    StaffSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _duress_recipients(user: User, compartment_ids: list[int]) -> set[int]:
    """Every active administrator, and the coordinator on duty of each compartment the
    colleague held (all its coordinators where nobody is): never the colleague."""
    from corridor.tasks.duty import duty_candidates, duty_coordinator_id

    recipients = set(
        User.objects.filter(is_active=True, role=Role.ADMIN).values_list("pk", flat=True)
    )
    for compartment_id in compartment_ids:
        on_duty = duty_coordinator_id(compartment_id)
        if on_duty is not None:
            recipients.add(on_duty)
        else:
            recipients |= set(duty_candidates(compartment_id).values_list("pk", flat=True))
    recipients.discard(user.pk)
    return recipients


def duress_respond(*, user: User, session_key: str) -> DuressAlert:
    """The silent answer to a duress login, at its valid second factor (decision 0026).

    One user's share of a lockdown: every compartment key wrap sealed to them and every
    other session of theirs is destroyed, so neither this session (which holds a throwaway
    key) nor a later login with the real passphrase opens anything, and neither does a
    database copy taken now with their private key. Their memberships go too, so every
    page shows an empty account instead of records it cannot open; the alert keeps the
    list, for an administrator who is a member to grant them again. The alert goes to the
    administrators and the coordinators on duty; the audit chain records `emergency.duress`.
    Runs inside the login's transaction; the caller's session survives, it holds nothing.
    """
    _secure_delete_on()
    with transaction.atomic():
        memberships = Membership.objects.filter(user_id=user.pk)
        compartment_ids = sorted(memberships.values_list("compartment_id", flat=True))
        recipients = _duress_recipients(user, compartment_ids)
        user_key_wraps_destroy(user_id=user.pk)
        memberships.delete()
        user_sessions_destroy(user_id=user.pk, keep_session_key=session_key)
        alert = DuressAlert.objects.create(user=user)
        alert.addressed_to.set(recipients)
        alert.compartments.set(compartment_ids)
        audit_record(
            actor_id=user.pk,
            action="emergency.duress",
            object_type="user",
            object_id=str(user.pk),
        )
        if connection.vendor == "sqlite":
            # Secure delete zeroed the cells in the new pages; move them into the file.
            transaction.on_commit(storage_scrub)
    return alert


def duress_alerts_visible(viewer: User) -> QuerySet[DuressAlert]:
    """The duress alerts this staff member may see: those addressed to them, about someone
    else, and none at all in a duress session (the person at the keyboard never sees one)."""
    if viewer.under_duress:
        return DuressAlert.objects.none()
    return DuressAlert.objects.filter(addressed_to=viewer).exclude(user_id=viewer.pk)


def duress_alert_resolve(*, actor: User, alert: DuressAlert) -> None:
    with transaction.atomic():
        DuressAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=actor
        )
        audit_record(
            actor_id=actor.pk,
            action="emergency.duress_resolve",
            object_type="duress_alert",
            object_id=str(alert.pk),
        )


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
