"""Fixtures of the documentation tests: a lawyer of the "Documentation" compartment who is also
a member of the "North" case compartment, real keys, records written through the actions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.documentation import actions
from corridor.documentation.models import Event, Person, Term, Testimony
from corridor.vault.keyring import keyring_activated


def term(vocabulary: str, key: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, key=key)


@dataclass
class Desk:
    """The lawyer, a case of North, and one documented detention with a testimony."""

    org: Org
    lawyer: Staff
    case: Case
    event: Event
    victim: Person
    testimony: Testimony


def desk_build(org: Org, lawyer: Staff) -> Desk:
    case = case_create(
        actor_id=lawyer.user.pk, compartment=org.compartment("North"), full_name="Case Person"
    )
    docs = org.compartment("Documentation")
    event = actions.event_create(
        actor_id=lawyer.user.pk,
        compartment=docs,
        title="Detentions in Argun",
        region=term("region", "ru_ce"),
        start_precision="month",
        start_date=date(2017, 3, 20),
    )
    victim = actions.person_create(
        actor_id=lawyer.user.pk, compartment=docs, name="Victim One", role="victim"
    )
    testimony = actions.testimony_create(
        actor_id=lawyer.user.pk,
        person=victim,
        text="They held us in the basement.",
        language="ru",
        taken_by="Interviewer of the hotline",
        taken_on=date(2017, 5, 2),
    )
    return Desk(org, lawyer, case, event, victim, testimony)


@pytest.fixture
def lawyer(org: Org) -> Iterator[Staff]:
    """A lawyer of "Documentation" and "North", with their keyring active for the test."""
    staff = org.staff("lawyer", Role.LAWYER, ("Documentation", "North"))
    with keyring_activated(staff.keyring):
        yield staff


@pytest.fixture
def desk(org: Org, lawyer: Staff) -> Desk:
    return desk_build(org, lawyer)
