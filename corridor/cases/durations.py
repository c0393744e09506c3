"""How long a case spent in each stage, from its transitions. Plain Python, no Django.

Each transition opens an interval in its `to_stage` that the next transition closes; the
last one is still open at `now`. Times are exact (microseconds), so the country board's
medians and the case page's figures agree to the second with the recorded moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class TransitionLike(Protocol):
    @property
    def to_stage(self) -> str: ...

    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class StageInterval:
    stage: str
    entered_at: datetime
    left_at: datetime | None  # None: the case is still in this stage
    seconds: float

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def stage_intervals(transitions: Iterable[TransitionLike], now: datetime) -> list[StageInterval]:
    """One interval per transition, in the order given (callers pass them by seq).

    A still-open interval runs to `now`, never below zero seconds.
    """
    moves = list(transitions)
    intervals = []
    for index, move in enumerate(moves):
        left_at = moves[index + 1].at if index + 1 < len(moves) else None
        end = left_at if left_at is not None else max(now, move.at)
        intervals.append(
            StageInterval(move.to_stage, move.at, left_at, (end - move.at).total_seconds())
        )
    return intervals


def time_in_stages(transitions: Iterable[TransitionLike], now: datetime) -> dict[str, float]:
    """Total seconds spent in each stage, over every visit (a case can come back)."""
    totals: dict[str, float] = {}
    for interval in stage_intervals(transitions, now):
        totals[interval.stage] = totals.get(interval.stage, 0.0) + interval.seconds
    return totals
