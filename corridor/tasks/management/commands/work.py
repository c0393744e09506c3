"""`manage.py work [--once] [--interval SECONDS]`: the background worker.

Marks overdue tasks and raises alerts for missed check-ins (corridor.tasks.worker) every
--interval seconds, and ends idle and expired sessions on the server at least every
`SWEEP_SECONDS` (30 s) whatever the interval, so no session row outlives its idle timeout by
more than a minute (corridor.accounts.session_expiry, T2). Several may run at once: each
claim is a conditional UPDATE or DELETE, so no alert is raised twice. It needs no key and no
logged-in user.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from corridor.accounts.session_expiry import SWEEP_SECONDS, sessions_expire
from corridor.tasks.worker import WorkCounts, work_once


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
        self.stdout.write(
            f"tasks marked overdue: {counts.tasks_overdue}; alerts raised: {counts.alerts_raised}"
            f"; referrals overdue: {counts.referrals_overdue}; sessions ended: {sessions_ended}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self._report(work_once(), sessions_expire(timezone.now()))
            return
        interval = max(options["interval"], 1.0)
        until_work = 0.0  # seconds of sleep left before the next pass over tasks
        try:
            while True:
                close_old_connections()  # a dropped database connection must not stop the loop
                counts = WorkCounts()
                if until_work <= 0:
                    counts, until_work = work_once(), interval
                ended = sessions_expire(timezone.now())
                if (
                    counts.tasks_overdue
                    or counts.alerts_raised
                    or counts.referrals_overdue
                    or ended
                ):
                    self._report(counts, ended)
                pause = min(until_work, SWEEP_SECONDS)
                time.sleep(pause)
                until_work -= pause
        except KeyboardInterrupt:
            self.stdout.write("worker stopped")
