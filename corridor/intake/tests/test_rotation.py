"""Leaving the intake desk rotates the intake key pair (corridor/intake/rotation.py)."""

from __future__ import annotations

import base64

import pytest

from corridor.accounts.roles import Role
from corridor.intake.actions import submission_create, submission_open
from corridor.intake.models import IntakeKey
from corridor.intake.tests.conftest import DESK_COMPARTMENT, Desk
from corridor.vault import crypto
from corridor.vault.actions import membership_revoke
from corridor.vault.keyring import keyring_activated

PAYLOAD = {"name": "Адам", "contact": "+7 928 000-00-00", "message": "Нужна помощь"}


def test_it_rotates_the_intake_key_when_a_desk_member_leaves(desk: Desk) -> None:
    # Given a second desk member who copied the intake private key while they were a member
    leaver = desk.org.staff("leaver", Role.TRIAGE, (DESK_COMPARTMENT,))
    with keyring_activated(leaver.keyring):
        copied = base64.b64decode(IntakeKey.objects.get(active=True).private_key or "")
    old, _ = submission_create(payload=PAYLOAD, channel="web")
    # When they are removed from the desk's compartment
    membership_revoke(
        keyring=desk.member.keyring,
        actor_id=desk.member.user.pk,
        compartment=desk.org.compartment(DESK_COMPARTMENT),
        user_id=leaver.user.pk,
    )
    # Then new requests are sealed to a new key their copy does not open
    new, _ = submission_create(payload=PAYLOAD, channel="web")
    assert new.intake_key_id != old.intake_key_id
    assert crypto.unseal(copied, bytes(old.sealed))  # the copy did open the old pair's requests
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(copied, bytes(new.sealed))
    # And the remaining member still opens both, old and new
    assert submission_open(old, desk.member.keyring)["message"] == PAYLOAD["message"]
    assert submission_open(new, desk.member.keyring)["message"] == PAYLOAD["message"]


def test_it_leaves_the_intake_key_alone_when_another_compartment_is_rekeyed(desk: Desk) -> None:
    # Given a member of another compartment
    worker = desk.org.staff("worker", Role.CASEWORKER, ("North",))
    spare = desk.org.staff("spare", Role.CASEWORKER, ("North",))
    before = IntakeKey.objects.get(active=True).pk
    # When someone leaves that compartment
    membership_revoke(
        keyring=worker.keyring,
        actor_id=worker.user.pk,
        compartment=desk.org.compartment("North"),
        user_id=spare.user.pk,
    )
    # Then the intake key pair is unchanged
    assert IntakeKey.objects.get(active=True).pk == before
