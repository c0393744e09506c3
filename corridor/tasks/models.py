"""Tasks, safety check-ins, the alerts a missed check-in raises, and who is on duty.

A task's title and a schedule's agreed channel and notes are sensitive (encrypted, under the
case's compartment). Due dates, due times, flags and links are operational: the worker
(`corridor.tasks.worker`) reads and writes only those, so it runs without any key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import Case
from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import EncryptedTextField
from corridor.vault.models import Compartment, VaultRecord


class Task(VaultRecord):
    """Something to do for a case, by a date, by one member of the case's compartment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)  # set by the worker once due_on has passed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("task", "pk"), ("case", "case_id"))
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "owner": OPERATIONAL,
        "due_on": OPERATIONAL,
        "done_at": OPERATIONAL,
        "overdue": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["owner", "done_at", "due_on"]),
            models.Index(fields=["overdue", "done_at", "due_on"]),
        ]


class CheckInSchedule(VaultRecord):
    """A person in hiding or newly arrived checks in every `every_hours` on an agreed channel.

    `missed` is set by the worker when `next_due_at` plus the grace period has passed with no
    check-in; recording a check-in moves `next_due_at` on and clears it.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checkin_schedules")
    every_hours = models.PositiveSmallIntegerField()
    grace_minutes = models.PositiveSmallIntegerField(default=60)
    next_due_at = models.DateTimeField()
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    missed = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    channel = EncryptedTextField()  # the agreed channel and codeword
    notes = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("checkin_schedule", "pk"),
        ("case", "case_id"),
    )
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "every_hours": OPERATIONAL,
        "grace_minutes": OPERATIONAL,
        "next_due_at": OPERATIONAL,
        "last_checkin_at": OPERATIONAL,
        "missed": OPERATIONAL,
        "active": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["active", "missed", "next_due_at"])]

    @property
    def missed_after(self) -> datetime:
        return self.next_due_at + timedelta(minutes=self.grace_minutes)


class CheckIn(VaultRecord):
    schedule = models.ForeignKey(CheckInSchedule, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField()
    note = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("checkin", "pk"),
        ("checkin_schedule", "schedule_id"),
    )
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "schedule": OPERATIONAL,
        "at": OPERATIONAL,
        "recorded_by": OPERATIONAL,
    }


class AlertKind(models.TextChoices):
    MISSED_CHECKIN = "missed_checkin", _("Missed check-in")


class Alert(models.Model):
    """Something a coordinator must act on now. Operational only: no plaintext, no keys.

    `for_user` is the coordinator on duty for the case's compartment when it was raised, or
    empty when nobody was: then every coordinator who is a member of it is addressed. Who may
    see an alert is always decided by membership of the case's compartment at reading time.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    schedule = models.ForeignKey(
        CheckInSchedule, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    due_at = models.DateTimeField(null=True, blank=True)  # the check-in that was missed
    raised_at = models.DateTimeField(default=timezone.now)
    for_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Someone said "I am on it" (the case's assignee or a coordinator): escalation stops.
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Nobody took it within CORRIDOR_ALERT_ESCALATE_MINUTES: readdressed to the coordinator
    # on duty now (decision 0034).
    escalated_at = models.DateTimeField(null=True, blank=True)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "case": OPERATIONAL,
        "kind": OPERATIONAL,
        "schedule": OPERATIONAL,
        "due_at": OPERATIONAL,
        "raised_at": OPERATIONAL,
        "for_user": OPERATIONAL,
        "resolved_at": OPERATIONAL,
        "resolved_by": OPERATIONAL,
        "taken_at": OPERATIONAL,
        "taken_by": OPERATIONAL,
        "escalated_at": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            # The worker's claim already prevents a second alert; this makes it impossible.
            models.UniqueConstraint(fields=["schedule", "due_at"], name="alert_once_per_miss")
        ]
        indexes: ClassVar = [models.Index(fields=["resolved_at", "-raised_at"])]


class AlertResolution(VaultRecord):
    """What was done about an alert, written when it is resolved (encrypted under the case's
    compartment: "called him, he is safe at his aunt's" says where someone is)."""

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="resolution")
    note = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("alert", "alert_id"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "alert": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


class Duty(models.Model):
    """The coordinator on duty for a compartment: the one a new alert is addressed to."""

    compartment = models.OneToOneField(Compartment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "user": OPERATIONAL,
        "since": OPERATIONAL,
        "set_by": OPERATIONAL,
    }


class WorkerBeat(models.Model):
    """When a worker last finished its pass over tasks and check-ins (`manage.py work`).

    One row per worker name, written at the end of every pass. The alerts page and the
    coordinators' start page read it: a worker that stopped raises no alert for a missed
    check-in, and says nothing about it itself, so its silence is shown instead.
    """

    name = models.CharField(max_length=32, primary_key=True)
    last_run = models.DateTimeField()
    interval_seconds = models.PositiveIntegerField()  # the worker's --interval

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "name": OPERATIONAL,
        "last_run": OPERATIONAL,
        "interval_seconds": OPERATIONAL,
    }

    def __str__(self) -> str:
        return f"{self.name} {self.last_run:%Y-%m-%d %H:%M:%S}"
