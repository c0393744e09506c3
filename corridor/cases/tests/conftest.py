"""A small desk for the cases tests: two compartments, one member of each role, an outsider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Compartment


@dataclass
class Desk:
    org: Org
    north: Compartment
    south: Compartment
    coordinator: Staff
    worker: Staff
    lawyer: Staff
    viewer: Staff
    outsider: Staff  # a caseworker in South only
    began: datetime  # when the cases made with `case()` began

    def case(self, full_name: str = "Test Person", **kwargs: Any) -> Case:
        kwargs.setdefault("compartment", self.north)
        kwargs.setdefault("at", self.began)
        with keyring_activated(self.worker.keyring):
            return case_create(actor_id=self.worker.user.pk, full_name=full_name, **kwargs)


def login_en(staff: Staff) -> Client:
    """A logged-in browser that reads the English screens (messages are asserted in English)."""
    client = Client()
    client.cookies["corridor_lang"] = "en"
    return login(client, staff)


@pytest.fixture
def desk(org: Org) -> Iterator[Desk]:
    yield Desk(
        org=org,
        north=org.compartment("North"),
        south=org.compartment("South"),
        coordinator=org.staff("coord", Role.COORDINATOR, ("North",)),
        worker=org.staff("worker", Role.CASEWORKER, ("North",)),
        lawyer=org.staff("lawyer", Role.LAWYER, ("North",)),
        viewer=org.staff("viewer", Role.VIEWER, ("North",)),
        outsider=org.staff("outsider", Role.CASEWORKER, ("South",)),
        began=(timezone.now() - timedelta(days=60)).replace(microsecond=0),
    )
