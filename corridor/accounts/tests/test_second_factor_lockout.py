"""Nobody who lacks a colleague's secrets can lock them out of their second factor (T3).

django-otp throttles failed codes per device, doubling the wait with each failure and with
no useful ceiling. A form anyone may post must therefore never fail a code against the
device: recovery checks the kit first and then the code without the device's counter, and
throttles failures per browser bucket, as the login does (decision 0012).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org, Staff, login, totp_code
from corridor.accounts.actions import THROTTLE_FREE_FAILURES
from corridor.accounts.models import LoginThrottle
from corridor.accounts.roles import Role
from corridor.vault.actions import user_recovery_kit_issue

pytestmark = pytest.mark.django_db

ATTACKS = THROTTLE_FREE_FAILURES + 3
NEW_PASSPHRASE = "a fresh passphrase after the recovery"


def _english(client: Client) -> Client:
    client.cookies["corridor_lang"] = "en"
    return client


def _recover(client: Client, username: str, kit: str, token: str) -> Any:
    return client.post(
        "/accounts/recover/",
        {
            "username": username,
            "recovery_code": kit,
            "token": token,
            "passphrase": NEW_PASSPHRASE,
            "passphrase2": NEW_PASSPHRASE,
        },
    )


def _wrong(code: str, shift: int) -> str:
    return f"{(int(code) + 1 + shift * 7919) % 1_000_000:06d}"


def _owner(org: Org) -> tuple[Staff, str]:
    owner = org.staff("owner", Role.CASEWORKER, ("North",))
    kit = user_recovery_kit_issue(user_id=owner.user.pk, private_key=owner.keyring.private_key)
    return owner, kit


def _attacker_waits() -> None:
    """A patient attacker waits out every delay before the next try (8 tries took 2 minutes
    in the review): each throttle's last failure moves an hour into the past."""
    past = timezone.now() - timedelta(hours=1)
    TOTPDevice.objects.exclude(throttling_failure_timestamp=None).update(
        throttling_failure_timestamp=past
    )
    LoginThrottle.objects.update(last_failure_at=past)


def _device_failures(staff: Staff) -> int:
    return TOTPDevice.objects.get(pk=staff.device.pk).throttling_failure_count


def test_it_never_lets_anonymous_recovery_posts_refuse_the_owners_codes(org: Org) -> None:
    # Given an attacker who knows only a colleague's username
    owner, kit = _owner(org)
    attacker = _english(Client())
    # When they post the recovery form again and again with guessed kits and codes
    for shift in range(ATTACKS):
        _attacker_waits()
        response = _recover(attacker, "owner", kit[::-1], _wrong(totp_code(owner.device), shift))
        assert response.status_code == 200
    # Then the device's own failure counter never moved
    assert _device_failures(owner) == 0
    # And the owner logs in with their passphrase and their correct code at once
    login(Client(), owner)


def test_it_never_lets_a_stolen_kit_without_the_phone_refuse_the_owners_codes(org: Org) -> None:
    # Given an attacker who holds the owner's recovery kit but not their authenticator
    owner, kit = _owner(org)
    attacker = _english(Client())
    # When they try code after code with the right kit
    for shift in range(ATTACKS):
        _attacker_waits()
        response = _recover(attacker, "owner", kit, _wrong(totp_code(owner.device), shift))
        assert response.status_code == 200
    # Then they were refused every time and the device's failure counter never moved
    assert _device_failures(owner) == 0
    # And the owner's passphrase and code still log in
    login(Client(), owner)


def test_it_throttles_recovery_per_browser_so_an_attacker_cannot_block_the_owner(
    org: Org,
) -> None:
    # Given an owner whose browser has logged in before (it carries a device cookie)
    owner, kit = _owner(org)
    own_browser = login(_english(Client()), owner)
    own_browser.post("/accounts/logout/")
    # When an attacker fails the recovery form until it throttles them
    attacker = _english(Client())
    for shift in range(ATTACKS):
        _recover(attacker, "owner", kit[::-1], _wrong(totp_code(owner.device), shift))
    # Then even the right kit and code are refused to the attacker's browser
    refused = _recover(attacker, "owner", kit, totp_code(owner.device))
    assert refused.status_code == 200
    assert "Too many failed attempts" in refused.content.decode()
    # While the owner recovers from their own browser with the kit and a code
    done = _recover(own_browser, "owner", kit, totp_code(owner.device))
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"


def test_it_lets_the_owner_recover_a_device_throttled_at_the_code_step(org: Org) -> None:
    # Given someone who learnt the owner's passphrase and failed codes at the login's code step
    owner, kit = _owner(org)
    thief = _english(Client())
    thief.post("/accounts/login/", {"username": "owner", "passphrase": owner.passphrase})
    for shift in range(ATTACKS):
        _attacker_waits()
        thief.post("/accounts/login/code/", {"token": _wrong(totp_code(owner.device), shift)})
    assert _device_failures(owner) == ATTACKS  # django-otp refuses even the right code now
    refused = Client()
    refused.post("/accounts/login/", {"username": "owner", "passphrase": owner.passphrase})
    owners_code = refused.post("/accounts/login/code/", {"token": totp_code(owner.device)})
    assert owners_code.status_code == 200
    # When the owner recovers with their kit and a code
    done = _recover(_english(Client()), "owner", kit, totp_code(owner.device))
    # Then the passphrase the thief knows is replaced, the device's throttle is cleared,
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert _device_failures(owner) == 0
    # and the owner logs in with the new passphrase and a code
    login(Client(), Staff(owner.user, NEW_PASSPHRASE, owner.keyring, owner.device))
    stale = Client().post("/accounts/login/", {"username": "owner", "passphrase": owner.passphrase})
    assert stale.status_code == 200


def test_it_refuses_at_the_login_a_code_already_used_for_recovery(org: Org) -> None:
    # Given a code the owner just used on the recovery form (someone watched them type it)
    owner, kit = _owner(org)
    code = totp_code(owner.device)
    assert _recover(_english(Client()), "owner", kit, code).status_code == 302
    # When it is replayed at the login's code step with the new passphrase
    replay = Client()
    replay.post("/accounts/login/", {"username": "owner", "passphrase": NEW_PASSPHRASE})
    response = replay.post("/accounts/login/code/", {"token": code})
    # Then it is refused
    assert response.status_code == 200
    assert replay.get("/cases/").status_code == 302
