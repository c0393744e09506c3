"""Administrators change roles and shut a coerced colleague out at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from conftest import Org, login
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import KeyWrap, Membership

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return str(response.content.decode())


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
    # When an administrator deactivates them: one page, their username typed
    admin = login(Client(), org.admin)
    page = admin.get(f"/accounts/staff/{worker.user.pk}/deactivate/")
    assert page.status_code == 200 and 'data-testid="deactivate-username">worker<' in _text(page)
    response = admin.post(f"/accounts/staff/{worker.user.pk}/deactivate/", {"username": "worker"})
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


def test_it_deactivates_only_once_the_colleagues_username_is_typed(org: Org) -> None:
    # Given a caseworker at work and an administrator on their page
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    other = org.staff("other", Role.CASEWORKER, ("North",))
    at_work = login(Client(), worker)
    admin = login(Client(), org.admin)
    path = f"/accounts/staff/{worker.user.pk}/deactivate/"
    # When the button is posted with no username, a colleague's, or one mistyped
    for typed in ({}, {"username": "other"}, {"username": "worke"}):
        response = admin.post(path, typed)
        # Then nothing happens: the form says why, and the caseworker goes on working
        assert response.status_code == 200
        worker.user.refresh_from_db()
        assert worker.user.is_active
    assert "This is not the username of the colleague shown" in _text(response)
    assert at_work.get("/cases/").status_code == 200
    assert KeyWrap.objects.filter(user=worker.user).exists()
    assert other.user.is_active
    # When their username is typed (in any case)
    assert admin.post(path, {"username": " Worker "}).status_code == 302
    # Then they are out at once
    assert at_work.get("/cases/").status_code == 302


def test_it_asks_for_a_fresh_reauth_before_deactivating(org: Org) -> None:
    # Given an administrator whose last passphrase and code are older than the window
    worker = org.staff("worker", Role.CASEWORKER)
    admin = login(Client(), org.admin)
    session = admin.session
    session["_reauth_at"] = time.time() - 3600
    session.save()
    path = f"/accounts/staff/{worker.user.pk}/deactivate/"
    # When the session (perhaps a seized laptop) opens the page or posts the form
    opened = admin.get(path)
    posted = admin.post(path, {"username": "worker"})
    # Then both are sent to the re-authentication, and nobody is deactivated
    for response in (opened, posted):
        assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]
    worker.user.refresh_from_db()
    assert worker.user.is_active
    # And after the passphrase and a fresh code, the page comes back to confirm on
    back = admin.post(
        f"/accounts/reauth/?next={path}",
        {"passphrase": org.admin.passphrase, "token": org.admin.code(), "next": path},
    )
    assert back.status_code == 302 and back["Location"] == path
    assert admin.get(path).status_code == 200
    assert admin.post(path, {"username": "worker"}).status_code == 302
    worker.user.refresh_from_db()
    assert not worker.user.is_active
