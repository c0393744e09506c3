"""A real intake desk with real staff: desk members, a second approver, other roles, outsiders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.intake.actions import intake_desk_create, submission_create
from corridor.intake.models import IntakeDesk, Submission
from corridor.vault.keyring import keyring_activated

HOUR = datetime(2026, 3, 2, 14, tzinfo=UTC)  # every request of a test in one hour bucket


@dataclass
class Desk:
    org: Org
    desk: IntakeDesk
    first: Staff  # triage, member of the desk and of North
    second: Staff  # triage, member of the desk and of North: the second person
    coordinator: Staff  # coordinator, member of the desk only
    caseworker: Staff  # caseworker in North: may record requests, not triage them
    outsider: Staff  # triage role, but not a member of the desk

    def submit(
        self, channel: str = "web", hour: datetime | None = None, **payload: Any
    ) -> Submission:
        """A request as the public form stores it, received in `hour` (default: a fixed one)."""
        payload.setdefault("message", "Помогите мне")  # too short for the burst comparison
        thread = payload.pop("thread", None)
        attachments = payload.pop("attachments", ())
        submission, _codename = submission_create(
            payload=payload, channel=channel, thread=thread, attachments=attachments
        )
        submission.received_hour = hour or HOUR
        Submission.objects.filter(pk=submission.pk).update(received_hour=submission.received_hour)
        return submission

    def submit_with_codename(self, **payload: Any) -> tuple[Submission, str]:
        payload.setdefault("message", "Помогите мне")  # too short for the burst comparison
        submission, codename = submission_create(payload=payload, channel="web")
        assert codename is not None
        return submission, codename


@pytest.fixture
def desk(org: Org) -> Desk:
    first = org.staff("desk-first", Role.TRIAGE, ("Desk", "North"))
    second = org.staff("desk-second", Role.TRIAGE, ("Desk", "North"))
    coordinator = org.staff("desk-coordinator", Role.COORDINATOR, ("Desk",))
    caseworker = org.staff("north-worker", Role.CASEWORKER, ("North",))
    outsider = org.staff("south-triage", Role.TRIAGE, ("South",))
    with keyring_activated(first.keyring):
        intake = intake_desk_create(actor_id=first.user.pk, compartment=org.compartment("Desk"))
    return Desk(org, intake, first, second, coordinator, caseworker, outsider)
