"""`manage.py work`: one pass from the command line, the loop, and two workers at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from corridor.tasks.actions import task_create
from corridor.tasks.management.commands import work as work_command
from corridor.tasks.models import Alert, CheckInSchedule, Task
from corridor.tasks.tests.conftest import Team, audit_actions, schedule_missed
from corridor.tasks.worker import missed_checkin_candidates, missed_checkin_claim
from corridor.vault.keyring import keyring_activated


def _overdue_task(team: Team) -> Task:
    with keyring_activated(team.worker.keyring):
        return task_create(
            actor_id=team.worker.user.pk,
            case=team.case,
            title="Renew the visa appointment",
            owner_id=team.worker.user.pk,
            due_on=team.now.date() - timedelta(days=2),
            at=team.now - timedelta(days=5),
        )


@pytest.mark.django_db
def test_it_marks_and_raises_in_one_pass_from_the_command_line(team: Team) -> None:
    # Given an overdue task and a missed check-in
    task = _overdue_task(team)
    schedule_missed(team)
    out = StringIO()
    # When the worker runs once
    call_command("work", "--once", stdout=out)
    # Then both are handled, and said so; a second pass finds nothing new
    assert "tasks marked overdue: 1; alerts raised: 1" in out.getvalue()
    assert Task.objects.get(pk=task.pk).overdue
    assert Alert.objects.filter(case=team.case).count() == 1
    out = StringIO()
    call_command("work", "--once", stdout=out)
    assert "tasks marked overdue: 0; alerts raised: 0" in out.getvalue()


@pytest.mark.django_db
def test_it_loops_until_stopped(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a worker whose sleep is interrupted after its first pass
    schedule_missed(team)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(work_command.time, "sleep", sleep)
    # (closing "old" connections would close the test's own transaction)
    monkeypatch.setattr(work_command, "close_old_connections", lambda: None)
    out = StringIO()
    call_command("work", "--interval", "30", stdout=out)
    # Then it did one pass, reported it, slept the interval, and stopped cleanly
    assert sleeps == [30.0]
    assert "alerts raised: 1" in out.getvalue() and "worker stopped" in out.getvalue()
    assert Alert.objects.count() == 1


def _claim_all(found: list[Any], now: Any, barrier: threading.Barrier, won: list[int]) -> None:
    try:
        barrier.wait(timeout=30)
        won.append(sum(missed_checkin_claim(one, now) is not None for one in found))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_it_raises_each_alert_once_with_two_workers_on_two_connections(team: Team) -> None:
    # Given several missed check-ins, found by two workers before either claims
    for _ in range(6):
        schedule_missed(team)
    found = missed_checkin_candidates(team.now)
    assert len(found) == 6
    barrier = threading.Barrier(2)
    won: list[int] = []
    threads = [
        threading.Thread(target=_claim_all, args=(found, team.now, barrier, won)) for _ in range(2)
    ]
    # When both claim them at the same time, each on its own database connection
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then every check-in got exactly one alert and one audit entry, whoever won it
    assert len(won) == 2, "a worker failed instead of losing its claims quietly"
    assert sum(won) == 6
    assert Alert.objects.count() == 6
    assert audit_actions("alert.raise") == 6
    assert CheckInSchedule.objects.filter(missed=True).count() == 6
