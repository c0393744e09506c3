"""`manage.py work [--once] [--interval SECONDS]`: the background worker.

Marks overdue tasks and raises alerts for missed check-ins (corridor.tasks.worker). Several
may run at once: each claim is a conditional UPDATE, so no alert is raised twice. It needs no
key and no logged-in user.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from corridor.tasks.worker import WorkCounts, work_once


class Command(BaseCommand):
    help = "Mark overdue tasks and raise missed check-in alerts; loop unless --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between passes (default 60)"
        )

    def _report(self, counts: WorkCounts) -> None:
        self.stdout.write(
            f"tasks marked overdue: {counts.tasks_overdue}; alerts raised: {counts.alerts_raised}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self._report(work_once())
            return
        interval = max(options["interval"], 1.0)
        try:
            while True:
                close_old_connections()  # a dropped database connection must not stop the loop
                counts = work_once()
                if counts.tasks_overdue or counts.alerts_raised:
                    self._report(counts)
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("worker stopped")
