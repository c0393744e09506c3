"""Administrators change roles and shut a coerced colleague out at once."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import Org, login
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import KeyWrap, Membership

pytestmark = pytest.mark.django_db


def test_it_deactivates_ends_sessions_destroys_wraps_and_rekeys(org: Org) -> None:
    # Given a caseworker logged in on a device that may now be in police hands
    org.compartment("North")
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name="X"
        )
    seized_browser = login(Client(), worker)
    assert seized_browser.get(f"/cases/{case.pk}/").status_code == 200
    # When an administrator deactivates them
    admin = login(Client(), org.admin)
    response = admin.post(f"/accounts/staff/{worker.user.pk}/deactivate/")
    assert response.status_code == 302
    # Then the seized session is dead, no wrap is left, and the compartment has a new key
    assert seized_browser.get(f"/cases/{case.pk}/").status_code == 302
    assert not KeyWrap.objects.filter(user=worker.user).exists()
    assert not Membership.objects.filter(user=worker.user).exists()
    org.compartments["North"].refresh_from_db()
    assert org.compartments["North"].key_version == 2
    worker.user.refresh_from_db()
    assert not worker.user.is_active
    relogin = Client().post(
        "/accounts/login/", {"username": "worker", "passphrase": worker.passphrase}
    )
    assert relogin.status_code == 200  # refused


def test_it_changes_a_role_but_not_ones_own(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    admin = login(Client(), org.admin)
    admin.post(f"/accounts/staff/{worker.user.pk}/role/", {"role": Role.LAWYER})
    worker.user.refresh_from_db()
    assert worker.user.role == Role.LAWYER
    admin.post(f"/accounts/staff/{org.admin.user.pk}/role/", {"role": Role.VIEWER})
    org.admin.user.refresh_from_db()
    assert org.admin.user.role == Role.ADMIN
    bad = admin.post(f"/accounts/staff/{worker.user.pk}/role/", {"role": "emperor"})
    assert bad.status_code == 302
    worker.user.refresh_from_db()
    assert worker.user.role == Role.LAWYER
