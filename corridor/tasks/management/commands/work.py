"""`manage.py work [--once] [--interval SECONDS]`: the background worker.

Marks overdue tasks and raises alerts for missed check-ins (corridor.tasks.worker) every
--interval seconds, and ends idle and expired sessions on the server at least every
`SWEEP_SECONDS` (30 s) whatever the interval, so no session row outlives its idle timeout by
more than a minute (corridor.accounts.session_expiry, T2). Several may run at once: each
claim is a conditional UPDATE or DELETE, so no alert is raised twice. It needs no key and no
logged-in user.

The loop never ends on an error: a missed check-in that nobody is told about is the failure
this worker exists to prevent. A pass that fails (the database restarted, the connection was
cut, a bug) is logged with the error's class only, every connection is closed, and the pass
is tried again after a pause that doubles from 1 s up to the interval (at most 60 s). Each
finished pass over tasks and check-ins writes the worker's heartbeat (corridor.tasks.beat),
which the alerts page shows. Something outside must still restart the process if it dies:
`make run` runs it under a restart loop, production under systemd (deploy/, decision 0018).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connections
from django.utils import timezone

from corridor.accounts.session_expiry import SWEEP_SECONDS, sessions_expire
from corridor.tasks.beat import worker_beat_record
from corridor.tasks.worker import WorkCounts, work_once

log = logging.getLogger("corridor.worker")
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0


def backoff(failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failed passes in a row: 1, 2, 4... up to the cap."""
    cap = min(max(interval, BACKOFF_FIRST), BACKOFF_MAX)
    return min(BACKOFF_FIRST * 2 ** (failures - 1), cap)


def connections_drop() -> None:
    """Close every connection, broken or not: the next query opens a fresh one.

    `close_old_connections` keeps a connection whose backend says it is usable, and
    SQLite's always says so, even once its file handle is closed.
    """
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # closing a dead connection may fail too
            conn.close()


class Command(BaseCommand):
    help = (
        "Mark overdue tasks, raise missed check-in alerts and end idle sessions; "
        "loop unless --once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="seconds between passes over tasks and check-ins (default 60); idle "
            f"sessions are ended at least every {SWEEP_SECONDS:g} s whatever this is",
        )

    def _report(self, counts: WorkCounts, sessions_ended: int) -> None:
        failed = f"; items failed: {counts.failed}" if counts.failed else ""
        self.stdout.write(
            f"tasks marked overdue: {counts.tasks_overdue}; alerts raised: {counts.alerts_raised}"
            f"; referrals overdue: {counts.referrals_overdue}; notices sent: {counts.notices_sent}"
            f"; sessions ended: {sessions_ended}{failed}"
        )

    def _work(self, interval: float) -> WorkCounts:
        counts = work_once()
        worker_beat_record(at=timezone.now(), interval=interval)
        return counts

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(options["interval"], 1.0)
        if options["once"]:
            self._report(self._work(interval), sessions_expire(timezone.now()))
            return
        try:
            self.loop(interval)
        except KeyboardInterrupt:
            self.stdout.write("worker stopped")

    def loop(self, interval: float, stop: threading.Event | None = None) -> None:
        """Pass after pass until interrupted (or until `stop` is set, between passes)."""
        until_work = 0.0  # seconds of sleep left before the next pass over tasks
        failures = 0  # passes failed in a row
        while stop is None or not stop.is_set():
            try:
                close_old_connections()
                counts = WorkCounts()
                if until_work <= 0:
                    counts, until_work = self._work(interval), interval
                ended = sessions_expire(timezone.now())
                if (
                    counts.tasks_overdue
                    or counts.alerts_raised
                    or counts.referrals_overdue
                    or counts.failed
                    or ended
                ):
                    self._report(counts, ended)
                failures = 0
                pause = min(until_work, SWEEP_SECONDS)
            except Exception as exc:
                failures += 1
                pause = backoff(failures, interval)
                log.warning(
                    "worker: pass failed (%s), %d in a row; retrying in %g s",
                    type(exc).__name__,
                    failures,
                    pause,
                )
                connections_drop()
            time.sleep(pause)
            until_work -= pause
