"""Intake fixtures: an organisation with its intake desk, a desk member and an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.intake import flood, limits
from corridor.intake.actions import intake_desk_create
from corridor.intake.models import IntakeDesk
from corridor.vault.keyring import keyring_activated

DESK_COMPARTMENT = "Intake desk"


@dataclass
class Desk:
    org: Org
    desk: IntakeDesk
    member: Staff
    outsider: Staff


@pytest.fixture(autouse=True)
def _limits_forgotten() -> None:
    # Each test's counters start from zero (rolled back): so must what this process saw.
    limits.reached_forget()
    flood.peers_forget()


@pytest.fixture
def desk(org: Org) -> Desk:
    member = org.staff("triager", Role.TRIAGE, (DESK_COMPARTMENT,))
    outsider = org.staff("caseworker-north", Role.CASEWORKER, ("North",))
    with keyring_activated(member.keyring):
        intake = intake_desk_create(
            actor_id=member.user.pk, compartment=org.compartment(DESK_COMPARTMENT)
        )
    return Desk(org, intake, member, outsider)
