"""Who occupies a bed on which day, and how long a stay has left before the cap.

Pure arithmetic on operational columns (dates and counts): no key is needed. A placement
occupies day `d` when `starts_on <= d` and the person has not left yet: before `ends_on` once
the stay is ended; while it is open, up to `planned_end` for days to come, and every day up to
today (someone still there past the planned day still takes a bed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from corridor.shelters.models import Placement, Shelter


def placement_occupies(placement: Placement, day: date, today: date) -> bool:
    if day < placement.starts_on:
        return False
    if placement.ends_on is not None:
        return day < placement.ends_on
    return day <= today or day < placement.planned_end


def placement_last_day(placement: Placement, today: date) -> date:
    """The last day this placement occupies a bed (before `starts_on` for an empty stay)."""
    if placement.ends_on is not None:
        return placement.ends_on - timedelta(days=1)
    return max(placement.planned_end - timedelta(days=1), today)


def placements_overlapping(shelter_id: uuid.UUID, first: date, last: date) -> list[Placement]:
    """Placements of a shelter that may occupy a day in [first, last] (checked per day after)."""
    return list(
        Placement.objects.filter(shelter_id=shelter_id, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        .only("id", "starts_on", "planned_end", "ends_on", "case_id")
    )


def occupancy_count(placements: Iterable[Placement], day: date, today: date) -> int:
    return sum(placement_occupies(p, day, today) for p in placements)


def shelter_occupancy(
    shelter: Shelter, start: date, end: date, *, today: date | None = None
) -> list[tuple[date, int]]:
    """(day, beds taken) for every day from `start` to `end`, both included."""
    today = today or timezone.localdate()
    placements = placements_overlapping(shelter.pk, start, end)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [(day, occupancy_count(placements, day, today)) for day in days]


def shelter_capacity_left(shelter: Shelter, on: date, *, today: date | None = None) -> int:
    """Free beds on day `on` (negative if the shelter is over capacity that day)."""
    today = today or timezone.localdate()
    placements = placements_overlapping(shelter.pk, on, on)
    return shelter.capacity - occupancy_count(placements, on, today)


def shelters_occupied_on(
    shelter_ids: Iterable[uuid.UUID], day: date, *, today: date | None = None
) -> dict[uuid.UUID, int]:
    """Beds taken on `day` in each of these shelters, in one query (a list page's counts)."""
    today = today or timezone.localdate()
    ids = list(shelter_ids)
    placements = (
        Placement.objects.filter(shelter_id__in=ids, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day))
        .only("id", "shelter_id", "starts_on", "planned_end", "ends_on")
    )
    taken = dict.fromkeys(ids, 0)
    for placement in placements:
        taken[placement.shelter_id] += placement_occupies(placement, day, today)
    return taken


class StayState:
    OK = "ok"
    WARNING = "warning"  # the cap is near: warn_days_before or fewer days left
    REACHED = "reached"  # the cap is today
    OVER = "over"  # still there after the cap
    ENDED = "ended"


@dataclass(frozen=True)
class StayStatus:
    days_left: int  # days until the cap (negative: days past it)
    state: str

    @property
    def days_over(self) -> int:
        return max(-self.days_left, 0)


def stay_status(placement: Placement, shelter: Shelter, today: date | None = None) -> StayStatus:
    today = today or timezone.localdate()
    days_left = (placement.cap_on - today).days
    if placement.ends_on is not None and placement.ends_on <= today:
        return StayStatus(days_left, StayState.ENDED)
    if days_left < 0:
        return StayStatus(days_left, StayState.OVER)
    if days_left == 0:
        return StayStatus(days_left, StayState.REACHED)
    if days_left <= shelter.warn_days_before:
        return StayStatus(days_left, StayState.WARNING)
    return StayStatus(days_left, StayState.OK)
