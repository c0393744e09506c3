"""The background pass: mark overdue tasks, raise alerts for missed check-ins.

The database is the queue (as in healthchecks' `sendalerts`): a pass reads candidates, then
claims each with a conditional UPDATE whose WHERE clause repeats the condition it was found
by. Only one of two workers running at once can change the row from "not yet" to "done", so
only that one raises the alert and writes the audit entry, in the same transaction as its
claim. On PostgreSQL the loser's UPDATE waits for the winner's row lock, re-reads the row and
matches nothing; on SQLite the write lock serialises the two transactions.

The worker touches operational columns only (dates, flags, ids): it runs with no keyring and
never needs plaintext (T1, T2: no key lives in a background process).

One item that fails (a row the database refuses, a bug) must not cost the others their
alert: each claim runs on its own, a failure is logged with the item's id and the error's
class only (never its message, which may quote a value), and the pass goes on. A failure
that leaves the connection unusable (the database restarted, the connection was cut) is
raised instead, so the command's loop closes the connection and tries again (decision 0018).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db import connection, transaction
from django.utils import timezone

from corridor.audit.log import audit_record
from corridor.tasks.actions import alerts_escalate
from corridor.tasks.duty import duty_coordinator_id
from corridor.tasks.models import Alert, AlertKind, CheckInSchedule, Task

BATCH = 500
log = logging.getLogger("corridor.worker")
Item = TypeVar("Item")


@dataclass(frozen=True)
class WorkCounts:
    tasks_overdue: int = 0
    alerts_raised: int = 0
    failed: int = 0  # items whose claim raised: logged, retried at the next pass
    referrals_overdue: int = 0  # corridor.documentation.deadlines
    purged: int = 0  # corridor.lifecycle.retention
    approvals_lapsed: int = 0  # corridor.shelters.actions
    alerts_escalated: int = 0
    notices_sent: int = 0  # corridor.notices


@dataclass(frozen=True)
class MissedCheckIn:
    """A schedule found past its due time plus grace: what a claim must still find true."""

    schedule_id: uuid.UUID
    case_id: uuid.UUID
    compartment_id: int
    due_at: datetime


def overdue_task_candidates(
    today: date, limit: int = BATCH, skip: Collection[uuid.UUID] = ()
) -> list[uuid.UUID]:
    found = Task.objects.filter(done_at__isnull=True, overdue=False, due_on__lt=today)
    if skip:
        found = found.exclude(pk__in=list(skip))
    return list(found.order_by("due_on").values_list("pk", flat=True)[:limit])


def overdue_task_claim(task_id: uuid.UUID, today: date) -> bool:
    """Mark one task overdue; False if another worker did, or it was done meanwhile."""
    with transaction.atomic():
        won = Task.objects.filter(
            pk=task_id, done_at__isnull=True, overdue=False, due_on__lt=today
        ).update(overdue=True)
        if won:
            audit_record(action="task.overdue", object_type="task", object_id=str(task_id))
    return bool(won)


def missed_checkin_candidates(
    now: datetime, limit: int = BATCH, skip: Collection[uuid.UUID] = ()
) -> list[MissedCheckIn]:
    # One query per grace period in use (a handful): "due before now minus grace" stays a
    # plain comparison, portable to SQLite and PostgreSQL, with no interval arithmetic in SQL.
    waiting = CheckInSchedule.objects.filter(active=True, missed=False, next_due_at__lt=now)
    if skip:
        waiting = waiting.exclude(pk__in=list(skip))
    graces = waiting.order_by().values_list("grace_minutes", flat=True).distinct()
    found: list[MissedCheckIn] = []
    for grace in sorted(graces):
        rows = (
            waiting.filter(grace_minutes=grace, next_due_at__lt=now - timedelta(minutes=grace))
            .order_by("next_due_at")
            .values_list("pk", "case_id", "compartment_id", "next_due_at")[: limit - len(found)]
        )
        found += [MissedCheckIn(*row) for row in rows]
        if len(found) >= limit:
            break
    return found


def missed_checkin_claim(missed: MissedCheckIn, now: datetime) -> Alert | None:
    """Raise the alert for one missed check-in, unless another worker already did or a
    check-in was recorded meanwhile (then `next_due_at` moved and the claim matches nothing)."""
    with transaction.atomic():
        won = CheckInSchedule.objects.filter(
            pk=missed.schedule_id, active=True, missed=False, next_due_at=missed.due_at
        ).update(missed=True)
        if not won:
            return None
        if Alert.objects.filter(schedule_id=missed.schedule_id, due_at=missed.due_at).exists():
            return None  # a back-dated check-in brought back a due time already alerted
        alert = Alert.objects.create(
            case_id=missed.case_id,
            kind=AlertKind.MISSED_CHECKIN,
            schedule_id=missed.schedule_id,
            due_at=missed.due_at,
            raised_at=now,
            for_user_id=duty_coordinator_id(missed.compartment_id),
        )
        audit_record(action="alert.raise", object_type="alert", object_id=str(alert.pk))
    return alert


def connection_usable() -> bool:
    """True if the default connection still answers (after an item's error)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure here means: reconnect
        return False
    return True


def claims_run(
    kind: str, items: Iterable[Item], claim: Callable[[Item], bool], key: Callable[[Item], object]
) -> tuple[int, list[Item]]:
    """Claim each item on its own; (claims won, items whose claim raised).

    An error is logged as `kind`, the item's id and the error's class, and the others are
    still claimed; if the connection itself is gone, the error is raised to the caller.
    """
    won, failed = 0, []
    for item in items:
        try:
            won += claim(item)
        except Exception as exc:
            if not connection_usable():
                raise
            log.error("worker: %s %s failed (%s)", kind, key(item), type(exc).__name__)
            failed.append(item)
    return won, failed


def work_once(now: datetime | None = None) -> WorkCounts:
    """One pass over everything due at `now` (default: the current time)."""
    now = now if now is not None else timezone.now()
    today = timezone.localdate(now)
    overdue = alerts = 0
    failed_tasks: set[uuid.UUID] = set()
    while batch := overdue_task_candidates(today, skip=failed_tasks):
        won, failed = claims_run(
            "task", batch, lambda task_id: overdue_task_claim(task_id, today), lambda t: t
        )
        overdue += won
        failed_tasks.update(failed)
        if len(batch) < BATCH:
            break
    failed_schedules: set[uuid.UUID] = set()
    while missed := missed_checkin_candidates(now, skip=failed_schedules):
        won, failed_checkins = claims_run(
            "checkin_schedule",
            missed,
            lambda one: missed_checkin_claim(one, now) is not None,
            lambda one: one.schedule_id,
        )
        alerts += won
        failed_schedules.update(one.schedule_id for one in failed_checkins)
        if len(missed) < BATCH:
            break
    # Referral deadlines (an app above this one: imported here, where it is used)
    from corridor.documentation.deadlines import referral_deadlines_pass
    from corridor.lifecycle.retention import retention_run
    from corridor.notices.sending import notices_send
    from corridor.shelters.actions import placement_approvals_lapse

    return WorkCounts(
        alerts_escalated=alerts_escalate(now=now),
        approvals_lapsed=placement_approvals_lapse(now=now),
        tasks_overdue=overdue,
        alerts_raised=alerts,
        referrals_overdue=referral_deadlines_pass(now),
        purged=retention_run(now),
        failed=len(failed_tasks) + len(failed_schedules),
        # Last, so a notice covers what this pass raised and escalated
        notices_sent=notices_send(now),
    )
