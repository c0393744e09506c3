"""Role-matrix rows of the tasks app: tasks, check-ins, alerts and duty, about the North case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from corridor.tasks.actions import checkin_schedule_create, task_create
from corridor.tasks.models import Alert, CheckIn, CheckInSchedule, Duty, Task
from corridor.tasks.worker import work_once
from corridor.vault.keyring import keyring_activated
from matrix_support import ALL, CASE_NAME, COORDINATOR, Row, World

TASK_EDITORS = frozenset({"coordinator", "caseworker", "lawyer"})
CHECKIN_RECORDERS = frozenset({"coordinator", "caseworker"})
TASK_TITLE = "Matrix task: buy a SIM card"


def build(world: World) -> None:
    """A task, and a check-in schedule whose first check-in was missed (an open alert)."""
    worker = world.staff[("caseworker", True)]
    now = timezone.now()
    with keyring_activated(worker.keyring):
        task = task_create(
            actor_id=worker.user.pk,
            case=world.case,
            title=TASK_TITLE,
            owner_id=worker.user.pk,
            due_on=timezone.localdate() + timedelta(days=3),
        )
        schedule = checkin_schedule_create(
            actor_id=worker.user.pk,
            case=world.case,
            every_hours=12,
            channel="Matrix channel",
            at=now - timedelta(days=2),
        )
    work_once(now)
    world.extras["task"] = task
    world.extras["schedule"] = schedule
    world.extras["alert"] = Alert.objects.get(schedule=schedule)


def _case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _case_page(world: World) -> str:
    return rf"/cases/{world.case.pk}/"


def _schedule(world: World) -> dict[str, Any]:
    return {"schedule_id": world.extras["schedule"].pk}


ALERT_ACTORS = frozenset({"coordinator", "caseworker"})  # take and resolve (decision 0034)

ROWS: list[Row] = [
    Row("tasks:mine", "GET", ALL),
    # Alerts are the coordinators'; a coordinator outside North never sees North's alert
    Row("tasks:alerts", "GET", COORDINATOR, shows=lambda w: CASE_NAME),
    Row(
        "tasks:alert_resolve",
        "POST",
        ALERT_ACTORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"alert_id": w.extras["alert"].pk},
        data=lambda w: {"note": "Matrix: called, safe"},
        location=lambda w: r"/tasks/(alerts/)?",
        effect=lambda w, s: Alert.objects.filter(
            pk=w.extras["alert"].pk, resolved_at__isnull=False
        ).exists(),
    ),
    Row(
        "tasks:alert_take",
        "POST",
        ALERT_ACTORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"alert_id": w.extras["alert"].pk},
        location=lambda w: r"/tasks/(alerts/)?",
        effect=lambda w, s: Alert.objects.filter(pk=w.extras["alert"].pk, taken_by=s.user).exists(),
    ),
    Row(
        "tasks:duty",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"compartment_id": w.north.pk},
        data=lambda w: {"duty-user": w.staff[("coordinator", True)].user.pk},
        location=lambda w: r"/tasks/alerts/",
        effect=lambda w, s: Duty.objects.filter(compartment=w.north).exists(),
    ),
    Row(
        "tasks:task_add",
        "POST",
        TASK_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {
            "task-title": "Matrix second task",
            "task-owner": w.staff[("caseworker", True)].user.pk,
            "task-due_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
        location=_case_page,
        effect=lambda w, s: Task.objects.filter(case=w.case).count() > 1,
    ),
    # An empty task: the case page again, its form open with the errors (decision 0027)
    Row(
        "tasks:task_add",
        "POST",
        TASK_EDITORS,
        outsider_status=404,
        kwargs=_case,
        shows=lambda w: 'href="#id_task-title"',
    ),
    Row(
        "tasks:task_done",
        "POST",
        TASK_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"task_id": w.extras["task"].pk},
        location=_case_page,
        effect=lambda w, s: Task.objects.filter(
            pk=w.extras["task"].pk, done_at__isnull=False
        ).exists(),
    ),
    Row(
        "tasks:schedule_add",
        "POST",
        CHECKIN_RECORDERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {
            "schedule-every_hours": "24",
            "schedule-grace_minutes": "60",
            "schedule-channel": "Matrix second channel",
        },
        location=_case_page,
        effect=lambda w, s: CheckInSchedule.objects.filter(case=w.case).count() > 1,
    ),
    Row(
        "tasks:schedule_add",
        "POST",
        CHECKIN_RECORDERS,
        outsider_status=404,
        kwargs=_case,
        shows=lambda w: 'href="#id_schedule-every_hours"',
    ),
    Row(
        "tasks:checkin",
        "POST",
        CHECKIN_RECORDERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_schedule,
        data=lambda w: {"checkin-note": "all well"},
        location=_case_page,
        effect=lambda w, s: CheckIn.objects.filter(schedule=w.extras["schedule"]).exists(),
    ),
    Row(
        "tasks:schedule_stop",
        "POST",
        CHECKIN_RECORDERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_schedule,
        location=_case_page,
        effect=lambda w, s: CheckInSchedule.objects.filter(
            pk=w.extras["schedule"].pk, active=False
        ).exists(),
    ),
]
