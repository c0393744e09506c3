"""What a shelter's board page shows: who is placed, for how long, and what waits for a decision.

Names are opened only for cases in a compartment the viewer is a member of; for the others
the row says so and shows dates only (the case's key never leaves its compartment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from corridor.cases.models import Case
from corridor.shelters.models import Decision, Placement, PlacementRequest, Shelter
from corridor.shelters.occupancy import (
    StayStatus,
    occupancy_count,
    placement_occupies,
    stay_status,
)

DECIDED_SHOWN_DAYS = 30


@dataclass(frozen=True)
class PlacedRow:
    placement: Placement
    name: str | None  # None: the case is in a compartment the viewer does not hold
    status: StayStatus


@dataclass(frozen=True)
class RequestRow:
    request: PlacementRequest
    name: str | None
    waited_days: int
    waited_hours: int
    late: bool  # waited longer than the board's three days


@dataclass
class Board:
    occupied_today: int = 0
    placed: list[PlacedRow] = field(default_factory=list)
    upcoming: list[PlacedRow] = field(default_factory=list)
    pending: list[RequestRow] = field(default_factory=list)
    approved: list[RequestRow] = field(default_factory=list)
    decided: list[RequestRow] = field(default_factory=list)

    def case_ids(self) -> list[str]:
        rows: list[PlacedRow | RequestRow] = [
            *self.placed,
            *self.upcoming,
            *self.pending,
            *self.approved,
            *self.decided,
        ]
        ids = {
            str(row.placement.case_id if isinstance(row, PlacedRow) else row.request.case_id)
            for row in rows
            if row.name is not None
        }
        return sorted(ids)

    def request_ids(self) -> list[str]:
        return sorted(str(r.request.pk) for r in [*self.pending, *self.approved, *self.decided])


def _name(case: Case, member_of: list[int]) -> str | None:
    return case.full_name if case.compartment_id in member_of else None


def _request_row(request: PlacementRequest, member_of: list[int], now: datetime) -> RequestRow:
    waited = request.waited(now)
    return RequestRow(
        request,
        _name(request.case, member_of),
        waited.days,
        waited.seconds // 3600,
        request.waited_too_long(now),
    )


def board_build(shelter: Shelter, *, member_of: list[int], today: date, now: datetime) -> Board:
    board = Board()
    placements = list(
        Placement.objects.filter(shelter=shelter)
        .exclude(ends_on__lte=today)
        .select_related("case")
        .order_by("starts_on")
    )
    board.occupied_today = occupancy_count(placements, today, today)
    for placement in placements:
        row = PlacedRow(
            placement, _name(placement.case, member_of), stay_status(placement, shelter, today)
        )
        if placement_occupies(placement, today, today):
            board.placed.append(row)
        elif placement.starts_on > today:
            board.upcoming.append(row)
    requests = PlacementRequest.objects.filter(shelter=shelter).select_related("case", "decided_by")
    for request in requests.filter(decision=Decision.PENDING).order_by("requested_at"):
        board.pending.append(_request_row(request, member_of, now))
    for request in requests.filter(decision=Decision.APPROVED, placement__isnull=True).order_by(
        "decided_at"
    ):
        board.approved.append(_request_row(request, member_of, now))
    since = now - timedelta(days=DECIDED_SHOWN_DAYS)
    for request in (
        requests.exclude(decision=Decision.PENDING)
        .filter(decided_at__gte=since)
        .order_by("-decided_at")
    ):
        board.decided.append(_request_row(request, member_of, now))
    return board
