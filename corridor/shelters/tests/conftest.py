"""Fixtures of the shelter tests: a shelter in its own compartment, a North team that is a
member of both, cases opened on explicit days, and placements made through the actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.shelters.actions import (
    placement_create,
    placement_request_create,
    placement_request_decide,
    shelter_create,
)
from corridor.shelters.models import Placement, PlacementRequest, Shelter
from corridor.vault.keyring import keyring_activated

SHELTER_NAME = "Sheltertest Safehouse"
SHELTER_ADDRESS = "Sheltertest street 12, flat 3"


@dataclass
class Team:
    org: Org
    coordinator: Staff  # the board: member of North and of Shelter
    worker: Staff  # caseworker, member of North and of Shelter
    outsider: Staff  # coordinator, member of South only
    shelter: Shelter  # in compartment "Shelter", capacity 3, cap 42 days, warning 7 days
    today: date

    def case(self, name: str = "Sheltertest Person", began_days_ago: int = 120) -> Case:
        began = datetime.combine(self.today - timedelta(days=began_days_ago), time(9, 0))
        with keyring_activated(self.worker.keyring):
            return case_create(
                actor_id=self.worker.user.pk,
                compartment=self.org.compartment("North"),
                full_name=name,
                at=timezone.make_aware(began),
            )

    def approved(self, case: Case, shelter: Shelter | None = None) -> PlacementRequest:
        with keyring_activated(self.coordinator.keyring):
            request = placement_request_create(
                actor_id=self.worker.user.pk, case=case, shelter=shelter or self.shelter
            )
            # (knowingly, if full: the capacity tests place people into a full shelter)
            return placement_request_decide(
                actor_id=self.coordinator.user.pk,
                request=request,
                approve=True,
                full_confirmed=True,
            )

    def place(
        self,
        case: Case,
        starts_on: date,
        planned_end: date | None = None,
        shelter: Shelter | None = None,
    ) -> Placement:
        request = self.approved(case, shelter)
        with keyring_activated(self.worker.keyring):
            return placement_create(
                actor_id=self.worker.user.pk,
                request=request,
                starts_on=starts_on,
                planned_end=planned_end,
            )

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


@pytest.fixture
def team(org: Org) -> Team:
    coordinator = org.staff("board", Role.COORDINATOR, ("North", "Shelter"))
    worker = org.staff("worker", Role.CASEWORKER, ("North", "Shelter"))
    outsider = org.staff("south", Role.COORDINATOR, ("South",))
    with keyring_activated(coordinator.keyring):
        shelter = shelter_create(
            actor_id=coordinator.user.pk,
            compartment=org.compartment("Shelter"),
            name=SHELTER_NAME,
            address=SHELTER_ADDRESS,
            capacity=3,
        )
    return Team(org, coordinator, worker, outsider, shelter, timezone.localdate())


def audit_actions(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()
