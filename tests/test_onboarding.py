"""Onboarding and recovery through the views, as a new staff member lives them.

An administrator invites; the newcomer sets a passphrase, enrols TOTP and sees the recovery kit
once; membership is granted (the newcomer reads the compartment's cases) and revoked (404,
and the compartment is re-keyed). The recovery kit re-wraps the same private key under a new
passphrase, so the user keeps reading what they could read before.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org, login, totp_code
from corridor.accounts.models import Invitation, User
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault.actions import user_recovery_kit_issue
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Compartment, KeyWrap, Membership, UserKeyPair

pytestmark = pytest.mark.django_db

CASE_NAME = "Onboarding Testperson Aslanov"
PASSPHRASE = "a long passphrase nobody else uses"
LINK = re.compile(r'data-testid="invite-link">([^<]+)<')
SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7=]+)<')
KIT = re.compile(r'data-testid="recovery-code">([A-Z0-9-]+)<')


@dataclass
class Setting:
    admin: Client
    compartment: Compartment
    case: Case


@pytest.fixture
def setting(org: Org) -> Setting:
    """An administrator logged in, and a case in "North" created by a caseworker."""
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=CASE_NAME
        )
    return Setting(login(_english(Client()), org.admin), org.compartment("North"), case)


def _english(client: Client) -> Client:
    client.cookies["corridor_lang"] = "en"
    return client


def _text(response: Any) -> str:
    return str(response.content.decode())


def _invitation_link(admin: Client, role: str) -> str:
    response = admin.post("/accounts/staff/invite/", {"role": role})
    assert response.status_code == 200
    match = LINK.search(_text(response))
    assert match, "the link page shows the invitation link"
    return urlsplit(match.group(1)).path


def _accept(link: str, username: str, passphrase: str) -> tuple[Client, Any]:
    client = _english(Client())
    response = client.post(
        link, {"username": username, "passphrase": passphrase, "passphrase2": passphrase}
    )
    return client, response


def _code_for(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def _case_path(case: Case) -> str:
    return f"/cases/{case.pk}/"


def test_it_onboards_a_member_from_invitation_to_revocation(setting: Setting) -> None:
    # Given an administrator who creates an invitation for a caseworker
    link = _invitation_link(setting.admin, Role.CASEWORKER)
    assert re.fullmatch(r"/accounts/invite/[A-Za-z0-9_-]{40,}/", link)
    # When the newcomer opens it and chooses a username and a passphrase
    newcomer = _english(Client())
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(
        link, {"username": "newcomer", "passphrase": PASSPHRASE, "passphrase2": PASSPHRASE}
    )
    # Then they land on the TOTP enrolment and see no data yet
    assert response.status_code == 302 and response["Location"] == "/accounts/enrol/"
    user = User.objects.get(username="newcomer")
    assert user.role == Role.CASEWORKER
    assert newcomer.get("/cases/").status_code == 302
    page = newcomer.get("/accounts/enrol/")
    secret_match = SECRET.search(_text(page))
    assert secret_match, "the enrolment page shows the secret"
    secret = secret_match.group(1)
    assert "otpauth://totp/" in _text(page)
    # When they type a wrong code
    right = _code_for(secret)
    wrong = newcomer.post("/accounts/enrol/", {"token": f"{(int(right) + 1) % 1_000_000:06d}"})
    # Then it is refused and no device is confirmed
    assert wrong.status_code == 200 and "This code is wrong" in _text(wrong)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert newcomer.get("/cases/").status_code == 302
    time.sleep(1.1)  # django-otp throttles the device for a second after a failure
    # When they type the code their authenticator computes from the secret shown
    done = newcomer.post("/accounts/enrol/", {"token": _code_for(secret)})
    # Then the device is confirmed and the recovery kit is shown, once
    assert done.status_code == 200, _text(done)[:500]
    kit_match = KIT.search(_text(done))
    assert kit_match, "the recovery kit is shown after enrolment"
    kit = kit_match.group(1)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    again = newcomer.get("/accounts/enrol/")
    assert kit not in _text(again) and not KIT.search(_text(again))
    # And without membership, the case is not theirs to see
    assert newcomer.get("/cases/").status_code == 200
    assert newcomer.get(_case_path(setting.case)).status_code == 404
    # When the administrator grants membership of the case's compartment
    granted = setting.admin.post(
        f"/accounts/compartments/{setting.compartment.pk}/grant/", {"user": user.pk}
    )
    assert granted.status_code == 302
    # Then the newcomer reads the case
    read = newcomer.get(_case_path(setting.case))
    assert read.status_code == 200 and CASE_NAME in _text(read)
    # When the administrator revokes it
    version = Compartment.objects.get(pk=setting.compartment.pk).key_version
    revoked = setting.admin.post(
        f"/accounts/compartments/{setting.compartment.pk}/revoke/{user.pk}/"
    )
    assert revoked.status_code == 302
    # Then the newcomer gets 404, holds no wrap of the compartment key, and the key changed
    assert newcomer.get(_case_path(setting.case)).status_code == 404
    assert not Membership.objects.filter(user=user, compartment=setting.compartment).exists()
    assert not KeyWrap.objects.filter(user=user, compartment=setting.compartment).exists()
    assert Compartment.objects.get(pk=setting.compartment.pk).key_version == version + 1


def test_it_refuses_a_13_character_passphrase_and_creates_nothing(setting: Setting) -> None:
    # Given an open invitation
    link = _invitation_link(setting.admin, Role.VIEWER)
    users = User.objects.count()
    # When the newcomer chooses a passphrase one character too short
    _client, response = _accept(link, "shorty", "violet kettle")
    # Then it is refused with a clear message and nothing is created
    assert len("violet kettle") == 13
    assert response.status_code == 200
    assert "at least 14 characters" in _text(response)
    assert User.objects.count() == users
    assert not User.objects.filter(username="shorty").exists()
    # And the invitation still works with a long enough passphrase
    _client, response = _accept(link, "shorty", "violet kettle on the stove")
    assert response.status_code == 302


def test_it_refuses_to_reuse_an_invitation(setting: Setting) -> None:
    # Given an invitation that was accepted
    link = _invitation_link(setting.admin, Role.LAWYER)
    _client, response = _accept(link, "first-user", PASSPHRASE)
    assert response.status_code == 302
    users = User.objects.count()
    # When someone opens it again, or posts to it
    opened = _english(Client()).get(link)
    _client, posted = _accept(link, "second-user", PASSPHRASE)
    # Then it is refused and creates no account
    assert opened.status_code == 404 and "Invitation not valid" in _text(opened)
    assert posted.status_code == 404
    assert User.objects.count() == users
    assert not User.objects.filter(username="second-user").exists()
    assert Invitation.objects.get().used_by == User.objects.get(username="first-user")


def _recover(client: Client, username: str, kit: str, token: str, passphrase: str) -> Any:
    return client.post(
        "/accounts/recover/",
        {
            "username": username,
            "recovery_code": kit,
            "token": token,
            "passphrase": passphrase,
            "passphrase2": passphrase,
        },
    )


def _passphrase_step(username: str, passphrase: str) -> tuple[Client, int]:
    client = _english(Client())
    response = client.post("/accounts/login/", {"username": username, "passphrase": passphrase})
    return client, response.status_code


def test_it_recovers_with_the_kit_and_keeps_the_same_keys(org: Org, setting: Setting) -> None:
    # Given a member of "North" with a recovery kit
    member = org.staff("forgetful", Role.LAWYER, ("North",))
    kit = user_recovery_kit_issue(user_id=member.user.pk, private_key=member.keyring.private_key)
    public_key = bytes(UserKeyPair.objects.get(user=member.user).public_key)
    new_passphrase = "a brand new passphrase after recovery"
    # When they recover with the kit, a valid code and a new passphrase
    response = _recover(_english(Client()), "forgetful", kit, member.code(), new_passphrase)
    # Then the old passphrase is refused and the new one logs in
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    _client, status = _passphrase_step("forgetful", member.passphrase)
    assert status == 200
    client, status = _passphrase_step("forgetful", new_passphrase)
    assert status == 302
    assert client.post("/accounts/login/code/", {"token": member.code()}).status_code == 302
    # And the same key pair (re-wrapped, not replaced) still opens the compartment's cases
    assert bytes(UserKeyPair.objects.get(user=member.user).public_key) == public_key
    read = client.get(_case_path(setting.case))
    assert read.status_code == 200 and CASE_NAME in _text(read)


def test_it_refuses_recovery_with_a_wrong_kit(org: Org) -> None:
    # Given a member with a recovery kit
    member = org.staff("forgetful", Role.LAWYER, ("North",))
    kit = user_recovery_kit_issue(user_id=member.user.pk, private_key=member.keyring.private_key)
    wrong_kit = kit[:-4] + ("AAAA" if not kit.endswith("AAAA") else "BBBB")
    wrap = bytes(UserKeyPair.objects.get(user=member.user).passphrase_wrap)
    # When someone tries a wrong kit code with a valid TOTP code
    response = _recover(
        _english(Client()), "forgetful", wrong_kit, member.code(), "a passphrase of the attacker"
    )
    # Then it is refused and nothing changes: the old passphrase still logs in
    assert response.status_code == 200
    assert "These details do not match" in _text(response)
    assert bytes(UserKeyPair.objects.get(user=member.user).passphrase_wrap) == wrap
    assert _passphrase_step("forgetful", "a passphrase of the attacker")[1] == 200
    assert _passphrase_step("forgetful", member.passphrase)[1] == 302


def test_it_refuses_recovery_without_a_valid_code(org: Org) -> None:
    # Given a member with a recovery kit
    member = org.staff("forgetful", Role.LAWYER, ("North",))
    kit = user_recovery_kit_issue(user_id=member.user.pk, private_key=member.keyring.private_key)
    good = totp_code(member.device)
    # When someone holding the kit but not the authenticator tries
    response = _recover(
        _english(Client()),
        "forgetful",
        kit,
        f"{(int(good) + 500_000) % 1_000_000:06d}",
        "a passphrase of the attacker",
    )
    # Then it is refused
    assert response.status_code == 200
    assert _passphrase_step("forgetful", member.passphrase)[1] == 302
