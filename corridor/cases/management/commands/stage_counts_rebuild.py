"""Recompute the kept counts of cases entering each stage per month (decision 0037)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from corridor.cases.stagecounts import stage_counts_rebuild


class Command(BaseCommand):
    help = (
        "Recompute cases.StageMonthCount from the transitions: after a bulk import, a change "
        "of CORRIDOR_TIME_ZONE, or to repair a drifted table."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows, wrong = stage_counts_rebuild()
        self.stdout.write(f"stage counts rebuilt: {rows} rows, {wrong} were wrong or missing")
