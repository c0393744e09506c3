"""The case page's timeline: each move with its actor, reason and the time spent after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.cases.durations import StageInterval, stage_intervals
from corridor.cases.models import CaseTransition

MINUTE, HOUR, DAY = 60, 3600, 86400


def duration_text(seconds: float) -> str:
    """ "3 days 4 hours", "2 hours 5 minutes", "under a minute": two units at most."""
    whole = int(seconds)
    days, rest = divmod(whole, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts[:2]) if parts else _("under a minute")


@dataclass(frozen=True)
class TimelineRow:
    transition: CaseTransition
    interval: StageInterval

    @property
    def time_in_stage(self) -> str:
        return duration_text(self.interval.seconds)


def case_timeline(transitions: list[CaseTransition], now: datetime) -> list[TimelineRow]:
    """Rows oldest first; `transitions` must be ordered by seq."""
    intervals = stage_intervals(transitions, now)
    return [
        TimelineRow(move, interval) for move, interval in zip(transitions, intervals, strict=True)
    ]
