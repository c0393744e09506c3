"""Shared test fixtures: a real organisation, real staff with real keys, real logins.

Nothing here mocks the vault: fixtures go through the same actions the app uses. Only the
Argon2 costs are lowered so the suite runs in minutes on two cores.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.core.signals import got_request_exception
from django.test import Client
from django.utils import translation
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.actions import organisation_init, staff_create
from corridor.accounts.models import User
from corridor.vault import actions as vault_actions
from corridor.vault.actions import compartment_create, membership_grant, user_keys_unlock
from corridor.vault.keyring import Keyring, NotAMember, keyring_activated, record_data_key
from corridor.vault.models import Compartment
from corridor.vault.reads import UnauditedRead


@pytest.fixture(autouse=True)
def _cheap_kdf(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CORRIDOR_KDF_OPSLIMIT = 1
    settings.CORRIDOR_KDF_MEMLIMIT = 8192
    settings.PASSWORD_HASHERS = ["corridor.accounts.tests.hashers.CheapArgon2PasswordHasher"]
    monkeypatch.setattr(vault_actions, "RECOVERY_KDF_OPSLIMIT", 1)
    monkeypatch.setattr(vault_actions, "RECOVERY_KDF_MEMLIMIT", 8192)


@pytest.fixture(autouse=True)
def unaudited_reads(settings: Any) -> Iterator[list[UnauditedRead]]:
    """Every request of every test fails if it opened a record it did not audit (decision
    0017), and the test fails too, even if it expected an error page or ran in the live
    server's thread (browser tests). A test proving the check clears the list it expected."""
    settings.CORRIDOR_READ_AUDIT_STRICT = True
    found: list[UnauditedRead] = []

    def caught(sender: Any, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, UnauditedRead):
            found.append(error)

    got_request_exception.connect(caught, weak=False, dispatch_uid="tests-unaudited-reads")
    try:
        yield found
    finally:
        got_request_exception.disconnect(dispatch_uid="tests-unaudited-reads")
    if found:
        pytest.fail(f"a request opened records it did not audit: {found}")


@pytest.fixture(autouse=True)
def _audit_keys(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The audit signing key, its pinned public half and the checkpoint log live in a fresh
    folder of their own, never in var/ (nor in the test's tmp_path); organisation_init pins
    the key there as it does in the demo (decision 0013)."""
    keys = tmp_path_factory.mktemp("audit-keys")
    settings.CORRIDOR_AUDIT_SIGNING_KEY = ""
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = keys / "signing.key"
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = ""
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = str(keys / "public.key")
    settings.CORRIDOR_AUDIT_CHECKPOINT_LOG = str(keys / "checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Actions called directly in a test raise their messages in English, whatever the site
    default (Russian); requests still speak the language LocaleMiddleware picks for them, and
    tests/test_i18n.py checks that every message has its Russian translation."""
    with translation.override("en"):
        yield


def totp_code(device: TOTPDevice) -> str:
    """A valid code that this device has not seen yet (django-otp refuses a replayed one)."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    left = device.step - (time.time() - device.t0) % device.step
    # An earlier step's code stays valid only until this step ends: on a busy machine the
    # request that sends it may come after that, so take it only with time to spare.
    earliest = now_t - device.tolerance if left > 10 else now_t
    counter = max(earliest, device.last_t + 1)
    if counter > now_t + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
        return totp_code(device)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


@dataclass
class Staff:
    user: User
    passphrase: str
    keyring: Keyring
    device: TOTPDevice

    def code(self) -> str:
        return totp_code(self.device)


@dataclass
class Org:
    admin: Staff
    shares: list[str]
    threshold: int
    compartments: dict[str, Compartment] = field(default_factory=dict)

    def compartment(self, name: str) -> Compartment:
        if name not in self.compartments:
            # The fixture's administrator joins, so it can grant the staff below.
            self.compartments[name] = compartment_create(
                actor_id=self.admin.user.pk, name=name, member_ids=[self.admin.user.pk]
            )
        return self.compartments[name]

    def staff(self, username: str, role: str, compartments: tuple[str, ...] = ()) -> Staff:
        passphrase = f"{username} passphrase for tests"
        user, private_key = staff_create(
            username=username, role=role, passphrase=passphrase, actor_id=None
        )
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        for name in compartments:
            membership_grant(
                keyring=self.admin.keyring,
                actor_id=self.admin.user.pk,
                compartment=self.compartment(name),
                user_id=user.pk,
            )
        return Staff(user, passphrase, Keyring(user_id=user.pk, private_key=private_key), device)


ADMIN_PASSPHRASE = "admin passphrase for tests"


def opens_record(keyring: Keyring, record: Any) -> bool:
    """Whether `keyring` opens the data key of `record` (read afresh from the database)."""
    with keyring_activated(keyring):
        try:
            record_data_key(type(record)._default_manager.get(pk=record.pk))
        except NotAMember:
            return False
    return True


def org_build(name: str = "Test network", admin_username: str = "admin") -> Org:
    """A real organisation with its first administrator (keys, TOTP device, recovery shares)."""
    admin, shares = organisation_init(
        name=name,
        admin_username=admin_username,
        admin_passphrase=ADMIN_PASSPHRASE,
        threshold=2,
        shares=3,
    )
    keyring = Keyring(
        user_id=admin.pk,
        private_key=user_keys_unlock(user_id=admin.pk, passphrase=ADMIN_PASSPHRASE),
    )
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    return Org(Staff(admin, ADMIN_PASSPHRASE, keyring, device), shares, 2)


@pytest.fixture
def org(db: Any) -> Org:
    return org_build()


def login(client: Client, staff: Staff, language: str = "en") -> Client:
    """Log in through the real views: passphrase, then a fresh TOTP code. The browser asks for
    English (tests read English source strings; tests/test_i18n.py covers Russian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        "/accounts/login/", {"username": staff.user.username, "passphrase": staff.passphrase}
    )
    assert response.status_code == 302, response.content[:500]
    response = client.post("/accounts/login/code/", {"token": staff.code()})
    assert response.status_code == 302 and "/accounts/" not in response["Location"], response
    return client


@pytest.fixture
def login_as() -> Iterator[Any]:
    yield lambda staff, client=None: login(client or Client(), staff)
