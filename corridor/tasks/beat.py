"""The worker's heartbeat: written at the end of every pass, shown to coordinators.

A worker that died (or lost its database for good) raises no alert for a missed check-in
and cannot say so itself. Each pass records when it ended (`worker_beat_record`); the alerts
page and the coordinators' start page compare that with the worker's own interval
(`worker_status`) and warn in plain words once `STALE_INTERVALS` passes were missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from corridor.tasks.models import WorkerBeat

WORKER_NAME = "work"
STALE_INTERVALS = 3  # passes missed before the pages warn


@dataclass(frozen=True)
class WorkerStatus:
    last_run: datetime | None  # None: no worker ever finished a pass on this database
    stale: bool  # no pass for STALE_INTERVALS intervals, or none ever


def worker_beat_record(*, at: datetime, interval: float, name: str = WORKER_NAME) -> None:
    """A pass ended at `at`; the next is due `interval` seconds later."""
    WorkerBeat.objects.update_or_create(
        name=name, defaults={"last_run": at, "interval_seconds": max(int(interval), 1)}
    )


def worker_status(now: datetime, name: str = WORKER_NAME) -> WorkerStatus:
    beat = WorkerBeat.objects.filter(name=name).first()
    if beat is None:
        return WorkerStatus(last_run=None, stale=True)
    late = now - beat.last_run > timedelta(seconds=STALE_INTERVALS * beat.interval_seconds)
    return WorkerStatus(last_run=beat.last_run, stale=late)
