"""`manage.py retention [--preview DAYS]`: purge what is due now, with progress on stderr.

The worker runs the same purge on every pass; this command is for an operator who wants to
see it happen, or (`--preview DAYS`) to list what goes in the next DAYS days, purging nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from corridor.lifecycle.retention import retention_run, retention_schedule


class Command(BaseCommand):
    help = "Purge (crypto-shred) every record past its retention period and not on hold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--preview",
            type=int,
            metavar="DAYS",
            help="list what is due within DAYS; purge nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["preview"] is not None:
            for due in retention_schedule(horizon_days=max(0, options["preview"])):
                held = " (legal hold)" if due.held else ""
                self.stdout.write(
                    f"{due.due_at:%Y-%m-%d} {due.object_type} {due.object_id} "
                    f"compartment {due.compartment_id} {due.rule}{held}"
                )
            return

        def progress(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        purged = retention_run(progress=progress)
        self.stdout.write(f"Purged {purged} record(s).")
