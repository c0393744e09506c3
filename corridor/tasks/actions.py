"""Writes of tasks, check-ins, alerts and duty: each one transaction with its audit entry.

Every action takes an optional `at` (default: now) so that a demo or an imported history can
be built with real past dates; bad input raises ValidationError and writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.tasks.duty import duty_candidates, duty_coordinator_id
from corridor.tasks.models import Alert, AlertResolution, CheckIn, CheckInSchedule, Duty, Task
from corridor.vault.models import Compartment, Membership

MAX_EVERY_HOURS = 24 * 14
MAX_GRACE_MINUTES = 24 * 60
NOTE_MAX = 5_000  # what was done about an alert
# A check-in is recorded when it happened; a clock a few minutes ahead is not an error.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def task_create(
    *,
    actor_id: int,
    case: Case,
    title: str,
    owner_id: int,
    due_on: date,
    at: datetime | None = None,
) -> Task:
    """A task for `case`, owned by a member of the case's compartment."""
    at = _now(at)
    title = title.strip()
    if not title:
        raise ValidationError(_("A task needs a title."))
    if due_on < timezone.localdate(at):
        raise ValidationError(_("The due date cannot be before the task is created."))
    owner_is_member = Membership.objects.filter(
        user_id=owner_id, user__is_active=True, compartment_id=case.compartment_id
    ).exists()
    if not owner_is_member:
        raise ValidationError(_("The owner must be a member of the case's compartment."))
    with transaction.atomic():
        task = Task(
            case=case,
            compartment_id=case.compartment_id,
            owner_id=owner_id,
            due_on=due_on,
            created_by_id=actor_id,
            created_at=at,
        )
        task.title = title
        task.save()
        audit_record(
            actor_id=actor_id, action="task.create", object_type="task", object_id=str(task.pk)
        )
    return task


def task_done(*, actor_id: int, task: Task, at: datetime | None = None) -> Task:
    at = _now(at)
    if at < task.created_at:
        raise ValidationError(_("A task cannot be done before it was created."))
    with transaction.atomic():
        # Conditional update: two clicks on "done" record one completion.
        if not Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=at):
            raise ValidationError(_("This task is already done."))
        audit_record(
            actor_id=actor_id, action="task.done", object_type="task", object_id=str(task.pk)
        )
    task.done_at = at
    return task


def checkin_schedule_create(
    *,
    actor_id: int,
    case: Case,
    every_hours: int,
    first_due_at: datetime | None = None,
    grace_minutes: int = 60,
    channel: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> CheckInSchedule:
    """The person agrees to check in every `every_hours`, the first time at `first_due_at`
    (default: `every_hours` after `at`)."""
    at = _now(at)
    if not 1 <= every_hours <= MAX_EVERY_HOURS:
        raise ValidationError(_("Check in every 1 to %(max)d hours.") % {"max": MAX_EVERY_HOURS})
    if not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
        raise ValidationError(
            _("The grace period is 0 to %(max)d minutes.") % {"max": MAX_GRACE_MINUTES}
        )
    first_due_at = first_due_at if first_due_at is not None else at + timedelta(hours=every_hours)
    if first_due_at < at:
        raise ValidationError(_("The first check-in cannot be due before the schedule starts."))
    with transaction.atomic():
        schedule = CheckInSchedule(
            case=case,
            compartment_id=case.compartment_id,
            every_hours=every_hours,
            grace_minutes=grace_minutes,
            next_due_at=first_due_at,
            created_by_id=actor_id,
            created_at=at,
        )
        schedule.channel = channel.strip()
        schedule.notes = notes.strip()
        schedule.save()
        audit_record(
            actor_id=actor_id,
            action="checkin_schedule.create",
            object_type="checkin_schedule",
            object_id=str(schedule.pk),
        )
    return schedule


def checkin_record(
    *, actor_id: int, schedule: CheckInSchedule, at: datetime | None = None, note: str = ""
) -> CheckIn:
    """The person checked in at `at`: the next check-in is due `every_hours` later."""
    at = _now(at)
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(_("A check-in cannot be recorded in the future."))
    with transaction.atomic():
        # Lock the schedule so a concurrent check-in or the worker sees one order of events.
        current = (
            CheckInSchedule.objects.select_for_update(no_key=True)
            .only("id", "active", "created_at", "last_checkin_at", "every_hours")
            .get(pk=schedule.pk)
        )
        if not current.active:
            raise ValidationError(_("This check-in schedule is stopped."))
        if at < current.created_at:
            raise ValidationError(_("A check-in cannot be before its schedule started."))
        if current.last_checkin_at is not None and at < current.last_checkin_at:
            raise ValidationError(_("A check-in cannot be before the last one recorded."))
        next_due_at = at + timedelta(hours=current.every_hours)
        CheckInSchedule.objects.filter(pk=schedule.pk).update(
            next_due_at=next_due_at, last_checkin_at=at, missed=False
        )
        checkin = CheckIn(
            schedule_id=schedule.pk,
            compartment_id=schedule.compartment_id,
            at=at,
            recorded_by_id=actor_id,
        )
        checkin.note = note.strip()
        checkin.save()
        audit_record(
            actor_id=actor_id,
            action="checkin.record",
            object_type="checkin",
            object_id=str(checkin.pk),
        )
    schedule.next_due_at, schedule.last_checkin_at, schedule.missed = next_due_at, at, False
    return checkin


def checkin_schedule_stop(*, actor_id: int, schedule: CheckInSchedule) -> None:
    """No more check-ins are expected (the person is safe, or the case closed)."""
    with transaction.atomic():
        if not CheckInSchedule.objects.filter(pk=schedule.pk, active=True).update(active=False):
            raise ValidationError(_("This check-in schedule is already stopped."))
        audit_record(
            actor_id=actor_id,
            action="checkin_schedule.stop",
            object_type="checkin_schedule",
            object_id=str(schedule.pk),
        )
    schedule.active = False


def alert_take(*, actor_id: int, alert: Alert, at: datetime | None = None) -> Alert:
    """Say "I am on it": the alert is no longer escalated, and the others see who has it."""
    at = _now(at)
    with transaction.atomic():
        taken = Alert.objects.filter(
            pk=alert.pk, resolved_at__isnull=True, taken_at__isnull=True
        ).update(taken_at=at, taken_by_id=actor_id)
        if not taken:
            raise ValidationError(_("This alert is already taken or resolved."))
        audit_record(
            actor_id=actor_id, action="alert.take", object_type="alert", object_id=str(alert.pk)
        )
    alert.taken_at, alert.taken_by_id = at, actor_id
    return alert


def alert_resolve(*, actor_id: int, alert: Alert, note: str, at: datetime | None = None) -> Alert:
    """Resolve an alert, saying what was done (encrypted under the case's compartment)."""
    at = _now(at)
    note = note.strip()
    if not note:
        raise ValidationError(_("Say what was done: the next person needs to know."))
    if len(note) > NOTE_MAX:
        raise ValidationError(_("The note is too long."))
    if at < alert.raised_at:
        raise ValidationError(_("An alert cannot be resolved before it was raised."))
    with transaction.atomic():
        resolved = Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=at, resolved_by_id=actor_id
        )
        if not resolved:
            raise ValidationError(_("This alert is already resolved."))
        resolution = AlertResolution(
            alert_id=alert.pk, compartment_id=alert.case.compartment_id, created_at=at
        )
        resolution.note = note
        resolution.save()
        audit_record(
            actor_id=actor_id, action="alert.resolve", object_type="alert", object_id=str(alert.pk)
        )
    alert.resolved_at, alert.resolved_by_id = at, actor_id
    return alert


def alerts_escalate(*, now: datetime) -> int:
    """Readdress every open alert nobody took within CORRIDOR_ALERT_ESCALATE_MINUTES to the
    coordinator on duty now (or, with nobody on duty, to all the compartment's coordinators),
    once. The worker's pass: operational columns only. Returns how many were escalated."""
    due = Alert.objects.filter(
        resolved_at__isnull=True,
        taken_at__isnull=True,
        escalated_at__isnull=True,
        raised_at__lt=now - timedelta(minutes=settings.CORRIDOR_ALERT_ESCALATE_MINUTES),
    )
    escalated = 0
    for alert_id, compartment_id in list(due.values_list("pk", "case__compartment_id")[:500]):
        with transaction.atomic():
            if not Alert.objects.filter(
                pk=alert_id,
                resolved_at__isnull=True,
                taken_at__isnull=True,
                escalated_at__isnull=True,
            ).update(escalated_at=now, for_user_id=duty_coordinator_id(compartment_id)):
                continue  # taken or resolved meanwhile
            audit_record(
                actor_id=None, action="alert.escalate", object_type="alert", object_id=str(alert_id)
            )
            escalated += 1
    return escalated


def duty_set(
    *, actor_id: int, compartment: Compartment, user_id: int | None, at: datetime | None = None
) -> Duty | None:
    """Put `user_id` on duty for `compartment` (None: nobody; alerts go to all coordinators)."""
    at = _now(at)
    if user_id is not None and not duty_candidates(compartment.pk).filter(pk=user_id).exists():
        raise ValidationError(
            _("Only an active coordinator who is a member of this compartment can be on duty.")
        )
    with transaction.atomic():
        duty = None
        if user_id is None:
            Duty.objects.filter(compartment=compartment).delete()
        else:
            duty, _created = Duty.objects.update_or_create(
                compartment=compartment,
                defaults={"user_id": user_id, "since": at, "set_by_id": actor_id},
            )
        audit_record(
            actor_id=actor_id,
            action="duty.set" if user_id is not None else "duty.clear",
            object_type="compartment",
            object_id=str(compartment.pk),
        )
    return duty
