"""The retention screen: who may see it and act on it (role matrix), in English and Russian."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.lifecycle.models import LegalHold, RetentionPolicy
from corridor.lifecycle.tests.test_retention import _case, keep_closed_cases

pytestmark = pytest.mark.django_db
URL = "/retention/"


@pytest.fixture
def staff(org: Org) -> dict[str, Staff]:
    org.compartment("North")
    org.compartment("South")
    return {
        "coordinator": org.staff("coord", Role.COORDINATOR, ("North",)),
        "south_coordinator": org.staff("coord-south", Role.COORDINATOR, ("South",)),
        "caseworker": org.staff("worker", Role.CASEWORKER, ("North",)),
        "triage": org.staff("triage", Role.TRIAGE, ("North",)),
        "lawyer": org.staff("lawyer", Role.LAWYER, ("North",)),
        "viewer": org.staff("viewer", Role.VIEWER, ("North",)),
    }


@pytest.fixture
def due_case(org: Org) -> Any:
    case = _case(org)
    keep_closed_cases(org, months=6)
    return case


@pytest.mark.parametrize("who", ["admin", "coordinator"])
def test_admins_and_coordinators_see_what_will_be_purged(
    org: Org, staff: dict[str, Staff], due_case: Any, who: str
) -> None:
    member = org.admin if who == "admin" else staff[who]
    response = login(Client(), member).get(URL)
    assert response.status_code == 200
    assert str(due_case.pk) in response.content.decode()
    assert b"Closed case" in response.content


def test_a_coordinator_of_another_compartment_does_not_see_it(
    staff: dict[str, Staff], due_case: Any
) -> None:
    response = login(Client(), staff["south_coordinator"]).get(URL)
    assert response.status_code == 200
    assert str(due_case.pk) not in response.content.decode()


@pytest.mark.parametrize("who", ["caseworker", "triage", "lawyer", "viewer"])
def test_other_roles_are_refused(staff: dict[str, Staff], due_case: Any, who: str) -> None:
    client = login(Client(), staff[who])
    assert client.get(URL).status_code == 403
    assert (
        client.post(
            "/retention/hold/",
            {"object_type": "case", "object_id": str(due_case.pk), "basis": "court"},
        ).status_code
        == 403
    )
    assert not LegalHold.objects.exists()


def test_the_screen_speaks_russian(org: Org, due_case: Any) -> None:
    response = login(Client(), org.admin, language="ru").get(URL)
    assert "Хранение" in response.content.decode()


def test_a_coordinator_places_and_releases_a_hold(staff: dict[str, Staff], due_case: Any) -> None:
    client = login(Client(), staff["coordinator"])
    response = client.post(
        "/retention/hold/", {"object_type": "case", "object_id": str(due_case.pk), "basis": "court"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get(object_id=due_case.pk, released_at__isnull=True)
    assert "held" in client.get(URL).content.decode()
    assert client.post(f"/retention/hold/{hold.pk}/release/").status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None


def test_a_coordinator_cannot_hold_another_compartments_case(
    staff: dict[str, Staff], due_case: Any
) -> None:
    client = login(Client(), staff["south_coordinator"])
    response = client.post(
        "/retention/hold/", {"object_type": "case", "object_id": str(due_case.pk), "basis": "court"}
    )
    assert response.status_code == 403
    assert not LegalHold.objects.exists()


def test_a_bad_hold_request_changes_nothing(org: Org, due_case: Any) -> None:
    client = login(Client(), org.admin)
    response = client.post(
        "/retention/hold/",
        {"object_type": "case", "object_id": "not-a-uuid", "basis": "court"},
        follow=True,
    )
    assert "There is no such case or request." in response.content.decode()
    response = client.post(
        "/retention/hold/",
        {"object_type": "case", "object_id": str(due_case.pk), "basis": "whim"},
        follow=True,
    )
    assert "Choose the legal basis of the hold." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_only_an_admin_sets_the_periods(org: Org, staff: dict[str, Staff]) -> None:
    north = org.compartment("North")
    coordinator = login(Client(), staff["coordinator"])
    assert (
        coordinator.post(
            f"/retention/policy/{north.pk}/", {"closed_case_months": "12", "declined_days": ""}
        ).status_code
        == 403
    )
    assert not RetentionPolicy.objects.exists()
    admin = login(Client(), org.admin)
    admin.post(
        f"/retention/policy/{north.pk}/", {"closed_case_months": "12", "declined_days": "90"}
    )
    policy = RetentionPolicy.objects.get(compartment=north)
    assert (policy.closed_case_months, policy.declined_days) == (12, 90)
    response = admin.post(
        f"/retention/policy/{north.pk}/",
        {"closed_case_months": "-3", "declined_days": ""},
        follow=True,
    )
    assert "whole number" in response.content.decode()
    policy.refresh_from_db()
    assert policy.closed_case_months == 12
