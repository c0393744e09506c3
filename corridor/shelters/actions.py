"""Shelter writes: each one transaction with its audit entry; bad input changes nothing.

Capacity holds under concurrency: `placement_create` locks the case row, then the shelter row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock serialises anyway) before it counts,
so two people cannot both take the last bed, nor one person two overlapping places.
Dates are explicit (`at`, `starts_on`, `ends_on`) so a past history can be entered.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, Stage
from corridor.cases.pipeline import move_find
from corridor.shelters.models import (
    APPROVAL_LAPSE_DAYS,
    STAY_CAP_DAYS,
    WARN_DAYS_BEFORE,
    Decision,
    Placement,
    PlacementRequest,
    Shelter,
)
from corridor.shelters.occupancy import (
    occupancy_count,
    placement_last_day,
    placements_overlapping,
)
from corridor.vault.models import Compartment

MAX_CAPACITY = 1000
MAX_STAY_CAP_DAYS = 366


def _day(value: date) -> str:
    return formats.date_format(value, "Y-m-d")


def _settings_check(capacity: int, stay_cap_days: int, warn_days_before: int) -> None:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(_("Capacity is 1 to %(max)d places.") % {"max": MAX_CAPACITY})
    if not 1 <= stay_cap_days <= MAX_STAY_CAP_DAYS:
        raise ValidationError(
            _("The cap on a stay is 1 to %(max)d days.") % {"max": MAX_STAY_CAP_DAYS}
        )
    if not 0 <= warn_days_before < stay_cap_days:
        raise ValidationError(_("The warning must come before the cap is reached."))


def _case_began(case: Case) -> date:
    return timezone.localdate(case.created_at)


def shelter_create(
    *,
    actor_id: int,
    compartment: Compartment,
    name: str,
    address: str,
    capacity: int,
    stay_cap_days: int = STAY_CAP_DAYS,
    warn_days_before: int = WARN_DAYS_BEFORE,
    at: datetime | None = None,
) -> Shelter:
    name = name.strip()
    if not name:
        raise ValidationError(_("A shelter needs a name."))
    _settings_check(capacity, stay_cap_days, warn_days_before)
    with transaction.atomic():
        shelter = Shelter(
            compartment=compartment,
            capacity=capacity,
            stay_cap_days=stay_cap_days,
            warn_days_before=warn_days_before,
            created_at=at or timezone.now(),
        )
        shelter.name, shelter.address = name, address.strip()
        shelter.save()
        audit_record(
            actor_id=actor_id,
            action="shelter.create",
            object_type="shelter",
            object_id=str(shelter.pk),
        )
    return shelter


def shelter_update(
    *,
    actor_id: int,
    shelter: Shelter,
    name: str,
    address: str,
    capacity: int,
    stay_cap_days: int,
    warn_days_before: int,
) -> Shelter:
    """Change a shelter; a new stay cap applies to placements made from now on."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A shelter needs a name."))
    _settings_check(capacity, stay_cap_days, warn_days_before)
    with transaction.atomic():
        Shelter.objects.select_for_update(no_key=True).only("id").get(pk=shelter.pk)
        busiest = _busiest_day_from(shelter, timezone.localdate())
        if busiest is not None and busiest[1] > capacity:
            raise ValidationError(
                _("%(count)d people are placed on %(day)s: the capacity cannot be lower.")
                % {"count": busiest[1], "day": _day(busiest[0])}
            )
        shelter.name, shelter.address = name, address.strip()
        shelter.capacity = capacity
        shelter.stay_cap_days, shelter.warn_days_before = stay_cap_days, warn_days_before
        shelter.save()
        audit_record(
            actor_id=actor_id,
            action="shelter.update",
            object_type="shelter",
            object_id=str(shelter.pk),
        )
    return shelter


def _busiest_day_from(shelter: Shelter, today: date) -> tuple[date, int] | None:
    """The day from today on with the most beds taken, and how many."""
    placements = placements_overlapping(shelter.pk, today, date.max)
    if not placements:
        return None
    last = max(placement_last_day(p, today) for p in placements)
    days = (today + timedelta(days=n) for n in range((last - today).days + 1))
    return max(((day, occupancy_count(placements, day, today)) for day in days), key=lambda x: x[1])


def placement_request_create(
    *, actor_id: int, case: Case, shelter: Shelter, need: str = "", at: datetime | None = None
) -> PlacementRequest:
    """Ask the shelter's board for a place for `case` (the request waits for its decision)."""
    at = at or timezone.now()
    if timezone.localdate(at) < _case_began(case):
        raise ValidationError(_("A request cannot be made before the case began."))
    pending = PlacementRequest.objects.filter(
        case=case, shelter=shelter, decision=Decision.PENDING
    ).exists()
    if pending:
        raise ValidationError(_("A request for this shelter is already waiting for the board."))
    with transaction.atomic():
        request = PlacementRequest(
            case=case,
            shelter=shelter,
            compartment_id=shelter.compartment_id,
            requested_at=at,
            requested_by_id=actor_id,
        )
        request.need = need.strip()
        request.save()
        audit_record(
            actor_id=actor_id,
            action="placement_request.create",
            object_type="placement_request",
            object_id=str(request.pk),
        )
    return request


def placement_request_decide(
    *,
    actor_id: int,
    request: PlacementRequest,
    approve: bool,
    reason: str = "",
    at: datetime | None = None,
    full_confirmed: bool = False,
) -> PlacementRequest:
    """The board's decision. A refusal needs a reason; approving does not place anyone.

    Approving when every bed is taken or promised to an earlier approval is refused with
    the next free bed's date (code "full") unless `full_confirmed`: the person then waits for
    that bed, and the board knows it."""
    at = at or timezone.now()
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError(_("A refusal needs a reason."))
    if at < request.requested_at:
        raise ValidationError(_("A decision cannot come before the request."))
    if approve and not full_confirmed:
        today = timezone.localdate(at)
        taken, waiting = shelter_beds_claimed(request.shelter, today)
        if taken + waiting >= request.shelter.capacity:
            free = shelter_next_free_bed(request.shelter, today, claimed=waiting)
            raise ValidationError(
                _(
                    "The shelter is full: %(taken)d of %(capacity)d beds are taken and "
                    "%(waiting)d approved people wait for one. The next free bed: %(free)s. "
                    "Approve anyway only if this person can wait for it."
                )
                % {
                    "taken": taken,
                    "capacity": request.shelter.capacity,
                    "waiting": waiting,
                    "free": _day(free) if free else _("not within a year"),
                },
                code="full",
            )
    decision = Decision.APPROVED if approve else Decision.REFUSED
    with transaction.atomic():
        # Conditional update: of two board members deciding at once, only one decides.
        decided = PlacementRequest.objects.filter(pk=request.pk, decision=Decision.PENDING).update(
            decision=decision, decided_at=at, decided_by_id=actor_id
        )
        if not decided:
            raise ValidationError(_("This request has already been decided."))
        request.decision, request.decided_at, request.decided_by_id = decision, at, actor_id
        request.reason = reason
        request.save(update_fields=["reason"])
        audit_record(
            actor_id=actor_id,
            action=f"placement_request.{decision}",
            object_type="placement_request",
            object_id=str(request.pk),
        )
    return request


def placement_request_withdraw(
    *, actor_id: int, request: PlacementRequest, reason: str, at: datetime | None = None
) -> PlacementRequest:
    """Withdraw a request still waiting, or an approval nobody placed: it no longer holds a
    claim on a bed. The reason is kept, encrypted, as the board's reason."""
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why it is withdrawn."), code="no_reason")
    with transaction.atomic():
        withdrawn = PlacementRequest.objects.filter(
            pk=request.pk,
            decision__in=(Decision.PENDING, Decision.APPROVED),
            placement__isnull=True,
        ).update(decision=Decision.WITHDRAWN, decided_at=at, decided_by_id=actor_id)
        if not withdrawn:
            raise ValidationError(
                _(
                    "Only a request waiting for the board, or an approval nobody placed, can be withdrawn."
                ),
                code="not_open",
            )
        request.decision, request.decided_at, request.decided_by_id = (
            Decision.WITHDRAWN,
            at,
            actor_id,
        )
        request.reason = reason
        request.save(update_fields=["reason"])
        audit_record(
            actor_id=actor_id,
            action="placement_request.withdrawn",
            object_type="placement_request",
            object_id=str(request.pk),
        )
    return request


def placement_approvals_lapse(*, now: datetime) -> int:
    """Lapse every approval that waited APPROVAL_LAPSE_DAYS with nobody placed (the worker's
    pass; no key needed). Each lapse is an audit entry by nobody; returns how many lapsed."""
    due = PlacementRequest.objects.filter(
        decision=Decision.APPROVED,
        placement__isnull=True,
        decided_at__lt=now - timedelta(days=APPROVAL_LAPSE_DAYS),
    )
    lapsed = 0
    for request_id in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            # Conditional: a placement made meanwhile keeps its approval.
            if not PlacementRequest.objects.filter(
                pk=request_id, decision=Decision.APPROVED, placement__isnull=True
            ).update(decision=Decision.LAPSED):
                continue
            audit_record(
                actor_id=None,
                action="placement_request.lapsed",
                object_type="placement_request",
                object_id=str(request_id),
            )
            lapsed += 1
    return lapsed


def shelter_beds_claimed(shelter: Shelter, today: date) -> tuple[int, int]:
    """(beds taken today, approvals waiting for a placement): what an approval competes with."""
    taken = occupancy_count(placements_overlapping(shelter.pk, today, today), today, today)
    waiting = PlacementRequest.objects.filter(
        shelter=shelter, decision=Decision.APPROVED, placement__isnull=True
    ).count()
    return taken, waiting


def shelter_next_free_bed(shelter: Shelter, today: date, *, claimed: int = 0) -> date | None:
    """The first day from today on with a bed free beyond `claimed` approvals waiting, as
    planned stays stand; None if none within a year (stays with no end in sight)."""
    placements = placements_overlapping(shelter.pk, today, today + timedelta(days=366))
    for n in range(367):
        day = today + timedelta(days=n)
        if occupancy_count(placements, day, today) + claimed < shelter.capacity:
            return day
    return None


def _overlap_check(case_id: uuid.UUID, starts_on: date, last_day: date, today: date) -> None:
    for other in Placement.objects.filter(case_id=case_id):
        if other.starts_on <= last_day and starts_on <= placement_last_day(other, today):
            raise ValidationError(
                _("This person already has a place from %(start)s: stays cannot overlap.")
                % {"start": _day(other.starts_on)}
            )


def _capacity_check(shelter: Shelter, starts_on: date, last_day: date, today: date) -> None:
    placements = placements_overlapping(shelter.pk, starts_on, last_day)
    day = starts_on
    while day <= last_day:
        if occupancy_count(placements, day, today) >= shelter.capacity:
            raise ValidationError(
                _("The shelter is full on %(day)s (%(capacity)d places): nothing was changed.")
                % {"day": _day(day), "capacity": shelter.capacity}
            )
        day += timedelta(days=1)


def placement_create(
    *,
    actor_id: int,
    request: PlacementRequest,
    starts_on: date,
    planned_end: date | None = None,
    note: str = "",
    move_case: bool = False,
) -> Placement:
    """Place the person of an approved request from `starts_on` until `planned_end` (default,
    and at most: the shelter's cap on a stay). Refused, changing nothing, if the shelter is
    full on any day of the stay, the person has an overlapping stay, the stay ends before it
    starts, or it starts before the case began. With `move_case`, the case moves to
    "sheltered" in the same transaction (refused with the pipeline's reason if it cannot, or
    if the stay starts on a day to come)."""
    today = timezone.localdate()
    with transaction.atomic():
        # Lock order: case, then shelter (every writer of placements takes them in this order).
        case = (
            Case.objects.select_for_update(no_key=True)
            .only("id", "created_at")
            .get(pk=request.case_id)
        )
        shelter = Shelter.objects.select_for_update(no_key=True).get(pk=request.shelter_id)
        current = PlacementRequest.objects.only("id", "decision").get(pk=request.pk)
        if current.decision != Decision.APPROVED:
            raise ValidationError(_("Only an approved request can be placed."))
        if Placement.objects.filter(request_id=request.pk).exists():
            raise ValidationError(_("This request has already been placed."))
        if starts_on < _case_began(case):
            raise ValidationError(_("A stay cannot start before the case began."))
        if starts_on > date.max - timedelta(days=shelter.stay_cap_days):
            # The cap would fall after the calendar's last day (a mistyped year, 9999).
            raise ValidationError(_("The arrival day is too far ahead."))
        cap_on = starts_on + timedelta(days=shelter.stay_cap_days)
        planned_end = planned_end or cap_on
        if planned_end <= starts_on:
            raise ValidationError(_("A stay cannot end before it starts."))
        if planned_end > cap_on:
            raise ValidationError(
                _("A stay in this shelter is capped at %(days)d days (until %(day)s).")
                % {"days": shelter.stay_cap_days, "day": _day(cap_on)}
            )
        last_day = planned_end - timedelta(days=1)
        _overlap_check(case.pk, starts_on, last_day, today)
        _capacity_check(shelter, starts_on, last_day, today)
        placement = Placement(
            case_id=case.pk,
            shelter=shelter,
            request_id=request.pk,
            compartment_id=shelter.compartment_id,
            starts_on=starts_on,
            cap_on=cap_on,
            planned_end=planned_end,
            placed_by_id=actor_id,
        )
        placement.note = note.strip()
        placement.save()
        audit_record(
            actor_id=actor_id,
            action="placement.create",
            object_type="placement",
            object_id=str(placement.pk),
        )
        if move_case:
            _case_shelter(actor_id, case.pk, starts_on, today)
    return placement


def _case_shelter(actor_id: int, case_id: uuid.UUID, starts_on: date, today: date) -> None:
    """Move the case to "sheltered" as its person takes the bed (placement_create)."""
    if starts_on > today:
        raise ValidationError(
            _("The case can move to “Sheltered” only once the stay has begun: place without it.")
        )
    case = Case.objects.get(pk=case_id)
    move = move_find(case.stage, Stage.SHELTERED)
    reason = str(_("Placed in a shelter.")) if move is not None and move.backward else ""
    case_move_to_stage(actor_id=actor_id, case=case, to_stage=Stage.SHELTERED, reason=reason)


def placement_end(*, actor_id: int, placement: Placement, ends_on: date) -> Placement:
    """The person leaves (or left) on `ends_on`. A past day records what happened, even past
    the cap; a day to come may only shorten the planned stay, never extend it."""
    today = timezone.localdate()
    with transaction.atomic():
        current = (
            Placement.objects.select_for_update(no_key=True)
            .only("id", "starts_on", "planned_end", "ends_on")
            .get(pk=placement.pk)
        )
        if current.ends_on is not None:
            raise ValidationError(_("This stay has already ended."))
        if ends_on < current.starts_on:
            raise ValidationError(_("A stay cannot end before it starts."))
        if ends_on > today and ends_on > current.planned_end:
            raise ValidationError(
                _("A stay can end in the future only on or before its planned end (%(day)s).")
                % {"day": _day(current.planned_end)}
            )
        Placement.objects.filter(pk=placement.pk).update(ends_on=ends_on, ended_by_id=actor_id)
        audit_record(
            actor_id=actor_id,
            action="placement.end",
            object_type="placement",
            object_id=str(placement.pk),
        )
    placement.ends_on, placement.ended_by_id = ends_on, actor_id
    return placement
