"""The worker outlives what used to stop it: a cut connection, a database restart, one bad item.

It used to die on the first OperationalError (4 times of 4 when its connection dropped),
and from then on no missed check-in raised an alert (issue 10, item 3). These tests cut the
worker's real connection while its loop runs in a thread (PostgreSQL: pg_terminate_backend
from another connection, as a restart or an administrator does; SQLite: its file handle is
closed under it at its next query, in its own thread), and make the database refuse one alert, then check that the next missed
check-in still raises its alert and the others are not held back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from corridor.tasks.beat import worker_status
from corridor.tasks.management.commands.work import Command
from corridor.tasks.models import Alert, CheckInSchedule, WorkerBeat
from corridor.tasks.tests.conftest import CASE_NAME, Team, schedule_missed

WAIT = 20.0  # seconds a test waits for the worker before it fails


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"the worker never {what}"
        time.sleep(0.05)


def _cut(worker_db: BaseDatabaseWrapper) -> None:
    """End the worker's connection from outside, the way the database would lose it."""
    if connection.vendor == "postgresql":
        pid = worker_db.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        # The sqlite3 handle is closed in the worker's own thread, at its next query: closed
        # from this thread while the worker is inside a call, it can crash the whole process
        # (seen in CI). The worker then meets a closed handle, as after a lost connection.
        def close_then_run(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            worker_db.execute_wrappers.remove(close_then_run)
            worker_db.connection.close()
            return execute(sql, params, many, context)

        worker_db.execute_wrappers.append(close_then_run)


@pytest.fixture
def running_worker() -> Iterator[list[BaseDatabaseWrapper]]:
    """`manage.py work --interval 1` in a thread; yields its connection once it has one."""
    stop = threading.Event()
    worker_db: list[BaseDatabaseWrapper] = []
    died: list[BaseException] = []

    def run() -> None:
        try:
            worker_db.append(connections["default"])
            Command(stdout=StringIO()).loop(1.0, stop)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            died.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="worker")
    thread.start()
    try:
        _wait_for(lambda: WorkerBeat.objects.exists(), "finished its first pass")
        yield worker_db
        assert not died, f"the worker died: {died}"
    finally:
        stop.set()
        thread.join(timeout=30)


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database server: a SQLite connection cannot be cut in the middle of a "
    "query (the test below closes it between passes instead)",
)
@pytest.mark.django_db(transaction=True)
def test_it_raises_the_alert_whose_pass_lost_its_connection_midway(
    team: Team, running_worker: list[BaseDatabaseWrapper], caplog: pytest.LogCaptureFixture
) -> None:
    # Given a missed check-in whose schedule row this test holds locked, so that the
    # worker's pass stops in the middle of its claim, waiting
    caplog.set_level(logging.WARNING, logger="corridor.worker")
    schedule = schedule_missed(team)
    pid = running_worker[0].connection.info.backend_pid
    with transaction.atomic():
        CheckInSchedule.objects.select_for_update().get(pk=schedule.pk)
        _wait_for(lambda: _waiting_on_a_lock(pid), "reached the locked schedule")
        # When the database ends the worker's connection right there (as a restart would)
        _cut(running_worker[0])
    # Then the worker, still running, logs the failed claim and raises the alert on a new
    # connection once it retries
    _wait_for(lambda: Alert.objects.filter(schedule=schedule).exists(), "raised the alert")
    assert "failed (OperationalError)" in caplog.text
    assert CASE_NAME not in caplog.text and "tulip" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_it_raises_the_next_missed_checkin_after_its_connection_was_cut(
    team: Team, running_worker: list[BaseDatabaseWrapper]
) -> None:
    # Given a worker that has run a pass, and whose database connection is then cut
    _cut(running_worker[0])
    # When a check-in is missed after that
    schedule = schedule_missed(team)
    # Then the worker, still running, raises its alert on a new connection
    _wait_for(lambda: Alert.objects.filter(schedule=schedule).exists(), "raised the alert")


@pytest.mark.django_db(transaction=True)
def test_it_raises_alerts_again_after_every_connection_was_cut_twice(
    team: Team, running_worker: list[BaseDatabaseWrapper]
) -> None:
    # Given a running worker whose connection is cut, and cut again once it reconnected
    first = schedule_missed(team)
    _cut(running_worker[0])
    _wait_for(lambda: Alert.objects.filter(schedule=first).exists(), "raised the first alert")
    _cut(running_worker[0])
    # When another check-in is missed
    second = schedule_missed(team)
    # Then it too raises its alert, and the heartbeat says the worker is running
    _wait_for(lambda: Alert.objects.filter(schedule=second).exists(), "raised the second alert")
    # (waited for, not read once: on a loaded machine a pass can run late by a few seconds)
    _wait_for(lambda: not worker_status(timezone.now()).stale, "beat as a running worker")


def _refuse_alerts_for(schedule: CheckInSchedule) -> None:
    """Make the database refuse the alert of this one schedule (a row it rejects: a
    constraint added by hand, a corrupted row), as real an error as the worker can meet."""
    table = Alert._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION corridor_test_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.schedule_id = '{schedule.pk}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER corridor_test_refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION corridor_test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER corridor_test_refuse BEFORE INSERT ON {table} "
                f"WHEN NEW.schedule_id = '{schedule.pk.hex}' "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


@pytest.mark.django_db
def test_it_logs_a_failing_checkin_and_still_raises_the_others(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    # Given three missed check-ins, the first due of which the database refuses to alert
    caplog.set_level(logging.ERROR, logger="corridor.worker")
    refused = schedule_missed(team, hours_ago=40)
    others = [schedule_missed(team, hours_ago=30), schedule_missed(team, hours_ago=28)]
    _refuse_alerts_for(refused)
    out = StringIO()
    # When the worker runs a pass
    call_command("work", "--once", stdout=out)
    # Then the two others raised their alerts, the refused one is left for the next pass
    assert "alerts raised: 2" in out.getvalue() and "items failed: 1" in out.getvalue()
    assert Alert.objects.filter(schedule__in=others).count() == 2
    assert not Alert.objects.filter(schedule=refused).exists()
    assert not CheckInSchedule.objects.get(pk=refused.pk).missed
    # And the log names the schedule and the error's class, no value and no message
    assert f"checkin_schedule {refused.pk} failed (" in caplog.text
    assert "refused" not in caplog.text.replace(f"{refused.pk}", "")
    assert CASE_NAME not in caplog.text and "tulip" not in caplog.text
    # And a pass still records the heartbeat
    assert WorkerBeat.objects.filter(name="work").exists()
