"""A small desk for the reports tests: a coordinator, a caseworker, cases moved in the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import Org, Staff
from corridor.cases.actions import case_assign, case_create, case_move_to_stage
from corridor.cases.models import Case
from corridor.tasks.actions import task_create
from corridor.tasks.models import Alert, AlertKind, Task
from corridor.vault.keyring import keyring_activated

ROUTE = ("vetting", "accepted", "evacuation", "sheltered", "documents", "application")


@dataclass
class Desk:
    org: Org
    coordinator: Staff
    caseworker: Staff
    outsider: Staff

    @property
    def north(self) -> Any:
        return self.org.compartment("North")

    def cases(self, n: int, *, start: datetime, steps: int = 3, prefix: str = "Case") -> list[Case]:
        """`n` cases opened at `start` (a day apart), each moved `steps` along ROUTE a day
        apart, assigned to the caseworker, each with one overdue task and one open alert."""
        made = []
        with keyring_activated(self.coordinator.keyring):
            for number in range(n):
                at = start + timedelta(days=number)
                case = case_create(
                    actor_id=self.coordinator.user.pk,
                    compartment=self.north,
                    full_name=f"{prefix} {number}",
                    at=at,
                )
                for step, stage in enumerate(ROUTE[:steps]):
                    case_move_to_stage(
                        actor_id=self.coordinator.user.pk,
                        case=case,
                        to_stage=stage,
                        at=at + timedelta(hours=step + 1),
                    )
                case_assign(
                    actor_id=self.coordinator.user.pk,
                    case=case,
                    assignee_id=self.caseworker.user.pk,
                )
                task = task_create(
                    actor_id=self.coordinator.user.pk,
                    case=case,
                    title="Call back",
                    owner_id=self.caseworker.user.pk,
                    due_on=timezone.localdate(),
                )
                Task.objects.filter(pk=task.pk).update(
                    overdue=True, due_on=timezone.localdate() - timedelta(days=2)
                )
                Alert.objects.create(case=case, kind=AlertKind.MISSED_CHECKIN)
                made.append(case)
        return made


@pytest.fixture
def desk(org: Org) -> Desk:
    return Desk(
        org,
        org.staff("coord", "coordinator", ("North",)),
        org.staff("worker", "caseworker", ("North",)),
        org.staff("south", "coordinator", ("South",)),
    )
