"""Creating a compartment does not make the administrator a reader of its cases (T3).

The administrator names the first members, whose copies of the key are sealed straight from
memory, and joins only by ticking a box. Whoever passes the key on later must hold it, so an
administrator who stayed out cannot grant it (decision 0012).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault.actions import recovery_keyring
from corridor.vault.keyring import NotAMember, keyring_activated
from corridor.vault.models import Compartment, KeyWrap, Membership

pytestmark = pytest.mark.django_db

CASE_NAME = "Separation Testperson Umarova"


def _text(response: Any) -> str:
    return str(response.content.decode())


def _create(admin: Client, name: str, members: list[Staff], join: bool = False) -> Any:
    data: dict[str, Any] = {"name": name, "members": [m.user.pk for m in members]}
    if join:
        data["join"] = "on"
    return admin.post("/accounts/compartments/", data)


def _case_in(compartment: Compartment, writer: Staff) -> Case:
    with keyring_activated(writer.keyring):
        return case_create(actor_id=writer.user.pk, compartment=compartment, full_name=CASE_NAME)


def test_it_creates_a_compartment_its_administrator_cannot_read(org: Org) -> None:
    # Given an administrator who creates "East" naming a caseworker as its first member
    worker = org.staff("worker", Role.CASEWORKER)
    admin = login(Client(), org.admin)
    response = _create(admin, "East", [worker])
    assert response.status_code == 302
    east = Compartment.objects.get(name="East")
    # Then the administrator holds no copy of its key and is not a member
    assert not Membership.objects.filter(user=org.admin.user, compartment=east).exists()
    assert not KeyWrap.objects.filter(user=org.admin.user, compartment=east).exists()
    with pytest.raises(NotAMember):
        org.admin.keyring.compartment_key(east.pk, east.key_version)
    # When the caseworker writes a case there
    case = _case_in(east, worker)
    # Then the caseworker reads it and the administrator gets 404
    read = login(Client(), worker).get(f"/cases/{case.pk}/")
    assert read.status_code == 200 and CASE_NAME in _text(read)
    assert admin.get(f"/cases/{case.pk}/").status_code == 404
    # And the organisation's recovery key still opens it, from the trustees' shares
    recovery = recovery_keyring(org.shares[: org.threshold])
    assert recovery.compartment_key(east.pk, east.key_version)


def test_it_makes_the_administrator_a_member_only_when_they_tick_the_box(org: Org) -> None:
    # Given an administrator who creates "West" and ticks "I join it too"
    worker = org.staff("worker", Role.CASEWORKER)
    admin = login(Client(), org.admin)
    assert _create(admin, "West", [worker], join=True).status_code == 302
    west = Compartment.objects.get(name="West")
    # Then they are a member and read what the caseworker writes there
    case = _case_in(west, worker)
    read = admin.get(f"/cases/{case.pk}/")
    assert read.status_code == 200 and CASE_NAME in _text(read)
    assert "You are a member" in _text(admin.get("/accounts/compartments/"))


def test_it_refuses_a_compartment_nobody_would_hold(org: Org) -> None:
    # Given an administrator who names no first member and does not join
    admin = login(Client(), org.admin)
    # When they create the compartment
    response = _create(admin, "Nobody's", [])
    # Then it is refused with a clear message, and nothing is created
    assert response.status_code == 200
    assert "Choose at least one first member, or join it yourself" in _text(response)
    assert not Compartment.objects.filter(name="Nobody's").exists()


def test_it_lets_only_a_member_pass_the_key_on_later(org: Org) -> None:
    # Given "East", created by an administrator who named a caseworker and stayed out
    worker = org.staff("worker", Role.CASEWORKER)
    newcomer = org.staff("newcomer", Role.CASEWORKER)
    admin = login(Client(), org.admin)
    _create(admin, "East", [worker])
    east = Compartment.objects.get(name="East")
    # When that administrator tries to grant it to a newcomer
    response = admin.post(f"/accounts/compartments/{east.pk}/grant/", {"user": newcomer.user.pk})
    # Then it is refused: they hold no key to seal for the newcomer
    assert response.status_code == 302
    assert "cannot pass its key on" in _text(admin.get(response["Location"]))
    assert not Membership.objects.filter(user=newcomer.user, compartment=east).exists()
    # While a second administrator who was named a first member can
    keeper = org.staff("keeper", Role.ADMIN)
    _create(admin, "North-East", [keeper])
    north_east = Compartment.objects.get(name="North-East")
    granted = login(Client(), keeper).post(
        f"/accounts/compartments/{north_east.pk}/grant/", {"user": newcomer.user.pk}
    )
    assert granted.status_code == 302
    assert Membership.objects.filter(user=newcomer.user, compartment=north_east).exists()
