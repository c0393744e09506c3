"""Fixtures of the relocation tests: a caseworker of "North", countries, and cases with a
history at explicit times (through the cases app's own actions, nothing mocked)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create, case_move_to_stage
from corridor.cases.models import Case
from corridor.relocation.actions import country_create
from corridor.relocation.models import Country, Pathway
from corridor.shelters.actions import (
    placement_create,
    placement_request_create,
    placement_request_decide,
    shelter_create,
)
from corridor.shelters.models import Placement
from corridor.vault.keyring import keyring_activated


def at(day: str, time: str = "00:00") -> datetime:
    """A UTC time from "2017-05-01" and "12:30"."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def case_with_history(
    staff: Staff, org: Org, moves: list[tuple[str, datetime]], compartment: str = "North"
) -> Case:
    """A case opened at moves[0]'s time (stage "request") and moved through the rest."""
    first, *rest = moves
    assert first[0] == "request"
    case = case_create(
        actor_id=staff.user.pk,
        compartment=org.compartment(compartment),
        full_name="Testperson",
        at=first[1],
    )
    for stage, when in rest:
        reason = "back" if stage in ("application", "sheltered") else ""
        case_move_to_stage(
            actor_id=staff.user.pk, case=case, to_stage=stage, reason=reason, at=when
        )
    return Case.objects.get(pk=case.pk)


TO_DEPARTURE = ["vetting", "accepted", "sheltered", "documents", "application", "departure"]


def case_in_departure(staff: Staff, org: Org, compartment: str = "North") -> Case:
    """A case opened on 2017-05-01 that reached departure on 2017-05-07."""
    moves = [("request", at("2017-05-01"))]
    moves += [(stage, at(f"2017-05-0{i + 2}")) for i, stage in enumerate(TO_DEPARTURE)]
    return case_with_history(staff, org, moves, compartment)


def bed_from(staff: Staff, org: Org, case: Case, day: str) -> Placement:
    """A stay in a shelter of the case's compartment from `day` (the board said yes)."""
    shelter = shelter_create(
        actor_id=staff.user.pk,
        compartment=org.compartment("North"),
        name="Safe flat",
        address="Test street 1",
        capacity=2,
        at=at("2017-04-01"),
    )
    request = placement_request_create(
        actor_id=staff.user.pk, case=case, shelter=shelter, at=at(day)
    )
    placement_request_decide(actor_id=staff.user.pk, request=request, approve=True, at=at(day))
    return placement_create(actor_id=staff.user.pk, request=request, starts_on=at(day).date())


def audit_count() -> int:
    return AuditEntry.objects.count()


@pytest.fixture
def worker(org: Org) -> Iterator[Staff]:
    """A caseworker of "North", with their keyring active for the test."""
    staff = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(staff.keyring):
        yield staff


@pytest.fixture
def germany(db: Any) -> Country:
    return country_create(
        actor_id=None,
        code="DE",
        name_en="Germany",
        name_ru="Германия",
        pathways={Pathway.HUMANITARIAN_VISA: "", Pathway.ASYLUM_ON_ARRIVAL: ""},
    )
