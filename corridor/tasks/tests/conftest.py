"""Fixtures of the tasks tests: a North team (coordinator, caseworker), a coordinator of
South, and a case in North opened days ago, all through the apps' own actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.tasks.actions import checkin_schedule_create
from corridor.tasks.models import CheckInSchedule
from corridor.vault.keyring import keyring_activated

CASE_NAME = "Tasktest Personname"


@dataclass
class Team:
    org: Org
    coordinator: Staff  # member of North
    worker: Staff  # caseworker, member of North
    outsider: Staff  # coordinator, member of South only
    case: Case  # in North, opened ten days ago
    now: datetime


@pytest.fixture
def team(org: Org) -> Team:
    coordinator = org.staff("coord", Role.COORDINATOR, ("North",))
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    outsider = org.staff("south-coord", Role.COORDINATOR, ("South",))
    now = timezone.now()
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name=CASE_NAME,
            at=now - timedelta(days=10),
        )
    return Team(org, coordinator, worker, outsider, case, now)


def schedule_missed(team: Team, *, hours_ago: int = 30, every: int = 24) -> CheckInSchedule:
    """A schedule started `hours_ago`, first check-in due `every` hours after: missed by now."""
    with keyring_activated(team.worker.keyring):
        return checkin_schedule_create(
            actor_id=team.worker.user.pk,
            case=team.case,
            every_hours=every,
            channel="Signal, codeword tulip",
            at=team.now - timedelta(hours=hours_ago),
        )


def audit_actions(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()
