"""Role-matrix rows of the shelters app: a shelter in North, and requests for the North case.

Everything is about the one North case (other rows count North's cases), in two shelters:
the main one holds an approved request (to place), a pending one (to decide) and a stay far
in the future (to end); the second one has nothing from the case yet (to request a place).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from corridor.shelters.actions import (
    placement_create,
    placement_request_create,
    placement_request_decide,
    shelter_create,
)
from corridor.shelters.models import Decision, Placement, PlacementRequest, Shelter
from corridor.vault.keyring import keyring_activated
from matrix_support import COORDINATOR, Row, World

SHELTER_VIEWERS = frozenset({"coordinator", "caseworker", "viewer"})
BOARD_READERS = frozenset({"coordinator", "caseworker"})  # the viewer sees counts only
REQUESTERS = frozenset({"coordinator", "caseworker"})
SHELTER_NAME = "Matrix Shelter North"
SHELTER_ADDRESS = "Matrix secret address, flat 7"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def build(world: World) -> None:
    coordinator = world.staff[("coordinator", True)]
    actor = coordinator.user.pk
    today = timezone.localdate()
    with keyring_activated(coordinator.keyring):
        shelter = shelter_create(
            actor_id=actor,
            compartment=world.north,
            name=SHELTER_NAME,
            address=SHELTER_ADDRESS,
            capacity=5,
        )
        second = shelter_create(
            actor_id=actor,
            compartment=world.north,
            name="Matrix Second Shelter",
            address="-",
            capacity=2,
        )
        later = placement_request_create(actor_id=actor, case=world.case, shelter=shelter)
        placement_request_decide(actor_id=actor, request=later, approve=True)
        stay = placement_create(
            actor_id=actor, request=later, starts_on=today + timedelta(days=100)
        )
        approved = placement_request_create(actor_id=actor, case=world.case, shelter=shelter)
        placement_request_decide(actor_id=actor, request=approved, approve=True)
        pending = placement_request_create(actor_id=actor, case=world.case, shelter=shelter)
    world.extras.update(
        shelter=shelter, second_shelter=second, approved=approved, pending=pending, stay=stay
    )


def _shelter(world: World) -> dict[str, Any]:
    return {"shelter_id": world.extras["shelter"].pk}


def _case_page(world: World) -> str:
    return rf"/cases/{world.case.pk}/"


def _shelter_form(world: World, capacity: int) -> dict[str, Any]:
    return {
        "name": SHELTER_NAME,
        "address": SHELTER_ADDRESS,
        "capacity": capacity,
        "stay_cap_days": 42,
        "warn_days_before": 7,
    }


ROWS: list[Row] = [
    Row("shelters:list", "GET", SHELTER_VIEWERS, shows=lambda w: SHELTER_NAME),
    Row("shelters:new", "GET", COORDINATOR),
    Row(
        "shelters:new",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=200,  # "North" is not a choice for them: the form refuses it
        outsider_effect=False,
        data=lambda w: {"compartment": w.north.pk, **_shelter_form(w, 3), "name": "Matrix New"},
        location=lambda w: rf"/shelters/{UUID}/",
        effect=lambda w, s: Shelter.objects.filter(compartment=w.north).count() > 2,
    ),
    # Only members of the shelter's compartment see it exists, and its secret address
    Row(
        "shelters:board",
        "GET",
        BOARD_READERS,
        outsider_status=404,
        kwargs=_shelter,
        shows=lambda w: SHELTER_ADDRESS,
    ),
    Row("shelters:occupancy", "GET", SHELTER_VIEWERS, outsider_status=404, kwargs=_shelter),
    Row(
        "shelters:edit",
        "GET",
        COORDINATOR,
        outsider_status=404,
        kwargs=_shelter,
        shows=lambda w: SHELTER_ADDRESS,
    ),
    Row(
        "shelters:edit",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_shelter,
        data=lambda w: _shelter_form(w, 9),
        location=lambda w: rf"/shelters/{w.extras['shelter'].pk}/",
        effect=lambda w, s: Shelter.objects.get(pk=w.extras["shelter"].pk).capacity == 9,
    ),
    # The board decides (coordinators who are members of the shelter's compartment)
    Row(
        "shelters:decide",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"request_id": w.extras["pending"].pk},
        data=lambda w: {"decide-decision": "refuse", "decide-reason": "no bed for men"},
        location=lambda w: rf"/shelters/{w.extras['shelter'].pk}/",
        effect=lambda w, s: PlacementRequest.objects.filter(
            pk=w.extras["pending"].pk, decision=Decision.REFUSED
        ).exists(),
    ),
    Row(
        "shelters:withdraw",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"request_id": w.extras["pending"].pk},
        data=lambda w: {"withdraw-reason": "plans changed"},
        location=lambda w: rf"/shelters/{w.extras['shelter'].pk}/",
        effect=lambda w, s: PlacementRequest.objects.filter(
            pk=w.extras["pending"].pk, decision=Decision.WITHDRAWN
        ).exists(),
    ),
    # From the case page: request a place, place, end a stay
    Row(
        "shelters:request",
        "POST",
        REQUESTERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"case_id": w.case.pk},
        data=lambda w: {
            "shelter_request-shelter": w.extras["second_shelter"].pk,
            "shelter_request-need": "hiding from family",
        },
        location=_case_page,
        effect=lambda w, s: PlacementRequest.objects.filter(
            case=w.case, shelter=w.extras["second_shelter"]
        ).exists(),
    ),
    # An empty request: the case page again, its form open with the errors (decision 0027)
    Row(
        "shelters:request",
        "POST",
        REQUESTERS,
        outsider_status=404,
        kwargs=lambda w: {"case_id": w.case.pk},
        shows=lambda w: 'href="#id_shelter_request-shelter"',
    ),
    Row(
        "shelters:place",
        "POST",
        REQUESTERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"request_id": w.extras["approved"].pk},
        data=lambda w: {"place-starts_on": timezone.localdate().isoformat()},
        location=_case_page,
        effect=lambda w, s: Placement.objects.filter(request=w.extras["approved"]).exists(),
    ),
    Row(
        "shelters:end",
        "POST",
        REQUESTERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"placement_id": w.extras["stay"].pk},
        data=lambda w: {"end-ends_on": w.extras["stay"].starts_on.isoformat()},
        location=_case_page,
        effect=lambda w, s: Placement.objects.filter(
            pk=w.extras["stay"].pk, ends_on__isnull=False
        ).exists(),
    ),
]
