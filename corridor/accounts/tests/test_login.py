"""Logging in: passphrase, then TOTP; every refusal path; throttling without lockout."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org, Staff, login
from corridor.accounts.actions import THROTTLE_FREE_FAILURES
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.vault.session import COOKIE_NAME

pytestmark = pytest.mark.django_db


def _passphrase_step(client: Client, staff: Staff, passphrase: str | None = None) -> int:
    response = client.post(
        "/accounts/login/",
        {"username": staff.user.username, "passphrase": passphrase or staff.passphrase},
    )
    return response.status_code


def test_it_logs_in_with_passphrase_and_code_and_audits_it(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    client = login(Client(), worker)
    assert client.get("/cases/").status_code == 200
    assert AuditEntry.objects.filter(action="session.login", actor_id=worker.user.pk).count() == 1


def test_it_refuses_a_wrong_passphrase(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "worker", "passphrase": "wrong passphrase entirely"}
    )
    assert response.status_code == 200
    assert (
        "Wrong username or passphrase" in response.content.decode()
        or "Неверное" in response.content.decode()
    )
    assert client.get("/accounts/login/code/").status_code == 302  # not logged in: back to login
    assert worker.user.pk not in [int(s) for s in client.session.values() if isinstance(s, int)]


def test_it_shows_nothing_before_the_second_factor(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    client = Client()
    assert _passphrase_step(client, worker) == 302
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/login/code/")


def test_it_refuses_a_wrong_code(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    client = Client()
    _passphrase_step(client, worker)
    good = worker.code()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/login/code/", {"token": wrong})
    assert response.status_code == 200
    assert client.get("/cases/").status_code == 302


def test_it_refuses_a_replayed_code(org: Org) -> None:
    # Given a code that was just used to log in
    worker = org.staff("worker", Role.CASEWORKER)
    first = Client()
    _passphrase_step(first, worker)
    code = worker.code()
    assert first.post("/accounts/login/code/", {"token": code}).status_code == 302
    # When someone who watched it type replays it in another browser
    second = Client()
    _passphrase_step(second, worker)
    response = second.post("/accounts/login/code/", {"token": code})
    # Then it is refused
    assert response.status_code == 200
    assert second.get("/cases/").status_code == 302


def test_it_slows_guessing_but_not_the_owner_on_a_known_browser(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    owner = login(Client(), worker)  # this browser now carries a device cookie
    owner.post("/accounts/logout/")
    attacker = Client()
    for _ in range(THROTTLE_FREE_FAILURES + 1):
        _passphrase_step(attacker, worker, "guess guess guess guess")
    # The attacker's next try is refused even with the right passphrase
    response = attacker.post(
        "/accounts/login/", {"username": "worker", "passphrase": worker.passphrase}
    )
    assert response.status_code == 200
    # while the owner's known browser is not locked out
    assert _passphrase_step(owner, worker) == 302


def test_it_logs_out_after_the_idle_timeout(org: Org, settings: object) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    client = login(Client(), worker)
    session = client.session
    # Idle for just under the default 15 minutes: still logged in
    session["_last_seen"] = time.time() - (15 * 60 - 30)
    session.save()
    assert client.get("/cases/").status_code == 200
    # Idle for just over: logged out
    session = client.session
    session["_last_seen"] = time.time() - (15 * 60 + 30)
    session.save()
    response = client.get("/cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_gives_the_session_a_cookie_that_ends_with_the_browser(org: Org) -> None:
    # When a staff member logs in
    client = login(Client(), org.staff("worker", Role.CASEWORKER))
    # Then neither the session cookie nor the vault cookie outlives the browser
    for name in (settings.SESSION_COOKIE_NAME, COOKIE_NAME):
        morsel = client.cookies[name]
        assert morsel.value and not morsel["expires"] and not morsel["max-age"], name


def test_it_logs_out_every_session(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    laptop, phone = login(Client(), worker), login(Client(), worker)
    assert laptop.post("/accounts/me/logout-all/").status_code == 302
    assert phone.get("/cases/").status_code == 302
    assert laptop.get("/cases/").status_code == 302


def test_it_asks_again_before_a_sensitive_action(org: Org) -> None:
    admin = org.admin
    client = login(Client(), admin)
    session = client.session
    session["_reauth_at"] = time.time() - 3600
    session.save()
    response = client.get("/accounts/staff/invite/")
    assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]
    bad = client.post(
        "/accounts/reauth/", {"passphrase": "wrong wrong wrong", "token": admin.code()}
    )
    assert bad.status_code == 200
    good = client.post(
        "/accounts/reauth/?next=/accounts/staff/invite/",
        {"passphrase": admin.passphrase, "token": admin.code(), "next": "/accounts/staff/invite/"},
    )
    assert good.status_code == 302 and good["Location"] == "/accounts/staff/invite/"
    assert client.get("/accounts/staff/invite/").status_code == 200


def test_it_does_not_let_a_logged_in_session_swap_the_second_factor(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER)
    client = login(Client(), worker)
    response = client.get("/accounts/enrol/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert TOTPDevice.objects.filter(user=worker.user).count() == 1


def test_it_keeps_the_code_step_shut_to_someone_without_the_passphrase(org: Org) -> None:
    # Given an attacker who knows only a colleague's username (decision 0012)
    worker = org.staff("worker", Role.CASEWORKER)
    own_browser = login(Client(), worker)
    own_browser.post("/accounts/logout/")
    attacker = Client()
    good = worker.code()
    # When they fail the passphrase and post codes to the second-factor step anyway
    for shift in range(THROTTLE_FREE_FAILURES + 3):
        _passphrase_step(attacker, worker, "guess guess guess guess")
        wrong = f"{(int(good) + 1 + shift) % 1_000_000:06d}"
        response = attacker.post("/accounts/login/code/", {"token": wrong})
        # Then the code step sends them back to the passphrase: no code reaches the device
        assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert TOTPDevice.objects.get(pk=worker.device.pk).throttling_failure_count == 0
    # And the owner logs in with their code at once (their browser has its own bucket)
    login(own_browser, worker)
