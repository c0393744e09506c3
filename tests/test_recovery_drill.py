"""The recovery drill over every app (issue 12, T6).

The role matrix's world holds records of every app, made through each app's own actions: a
case with its moves, expenses, tasks and check-ins, a shelter and its placements, documents,
applications and travel, an event with acts, people, testimonies, consent and referrals,
evidence items with their files and packages, an intake desk with a request and its file, a
vetting and a watch-list entry. The server is locked down, then trustees bring k shares:
every record of every app opens again for exactly the people who opened it before (members of
its compartment), the request and its file open again for the desk, the case search finds the
case again, an evidence file reads back byte for byte, and the audit chain is intact.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from test_role_matrix import CASE_NAME, _world_build

from conftest import opens_record
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case
from corridor.cases.search import search_filter
from corridor.emergency.actions import organisation_lockdown
from corridor.evidence.actions import item_read
from corridor.evidence.models import EvidenceItem
from corridor.intake.actions import attachment_open, submission_open
from corridor.intake.models import Submission, SubmissionAttachment
from corridor.vault import actions as vault_actions
from corridor.vault.actions import _vault_models, user_keys_unlock
from corridor.vault.keyring import Keyring, NotAMember, keyring_activated
from corridor.vault.models import KeyWrap, VaultRecord

CHEAP = override_settings(
    CORRIDOR_KDF_OPSLIMIT=1,
    CORRIDOR_KDF_MEMLIMIT=8192,
    PASSWORD_HASHERS=["corridor.accounts.tests.hashers.CheapArgon2PasswordHasher"],
)


def _records() -> list[VaultRecord]:
    return [r for m in _vault_models() for r in m._default_manager.only(*VaultRecord.KEY_FIELDS)]


def _opens_request(keyring: Keyring, submission: Submission) -> bool:
    try:
        submission_open(submission, keyring)
    except NotAMember:
        return False
    return True


def _finds_case(keyring: Keyring, case: Case) -> bool:
    with keyring_activated(keyring):
        return Case.objects.filter(search_filter(CASE_NAME), pk=case.pk).exists()


def _what_opens(private: dict[str, tuple[int, bytes]]) -> dict[tuple[str, str], bool]:
    """For each person (a fresh keyring: nothing cached) and each thing, whether it opens."""
    records = _records()
    requests = list(Submission.objects.all())
    seen: dict[tuple[str, str], bool] = {}
    for name, (user_id, key) in private.items():
        keyring = Keyring(user_id=user_id, private_key=key)
        for record in records:
            seen[(name, f"{record._meta.label}:{record.pk}")] = opens_record(keyring, record)
        for request in requests:
            seen[(name, f"request:{request.pk}")] = _opens_request(keyring, request)
    return seen


@pytest.mark.django_db
def test_the_drill_reopens_every_record_of_every_app_for_its_members_only(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CORRIDOR_AUDIT_SIGNING_KEY = "ab" * 32
    monkeypatch.setattr(vault_actions, "RECOVERY_KDF_OPSLIMIT", 1)
    monkeypatch.setattr(vault_actions, "RECOVERY_KDF_MEMLIMIT", 8192)
    with CHEAP:
        # Given the role matrix's world: records of every app, members and outsiders per role
        world = _world_build()
        people = {
            f"{role}-{'in' if member else 'out'}": s for (role, member), s in world.staff.items()
        }
        people["admin"] = world.org.admin
        private = {
            name: (s.user.pk, user_keys_unlock(user_id=s.user.pk, passphrase=s.passphrase))
            for name, s in people.items()
        }
        # (every app that keeps vault records has some in the drill)
        records = _records()
        kept = {m._meta.app_label for m in _vault_models()}
        assert {r._meta.app_label for r in records} == kept, kept
        assert Submission.objects.exists() and SubmissionAttachment.objects.exists()
        item = EvidenceItem.objects.filter(compartment=world.north).order_by("received_at")[0]
        lawyer = world.staff[("lawyer", True)]
        with keyring_activated(
            Keyring(user_id=lawyer.user.pk, private_key=private["lawyer-in"][1])
        ):
            evidence_before = b"".join(item_read(actor_id=lawyer.user.pk, item=item))
        before = _what_opens(private)
        assert any(before.values()) and not all(before.values())
        search_before = {
            n: _finds_case(Keyring(user_id=u, private_key=k), world.case)
            for n, (u, k) in private.items()
        }
        assert any(search_before.values()) and not all(search_before.values())

        # When the server is locked down
        organisation_lockdown(actor_id=world.org.admin.user.pk)
        # Then nobody opens any record of any app, any request, or finds the case
        assert not KeyWrap.objects.filter(user__isnull=False).exists()
        locked = _what_opens(private)
        assert not any(locked.values()), [k for k, v in locked.items() if v][:5]
        assert not any(
            _finds_case(Keyring(user_id=u, private_key=k), world.case) for u, k in private.values()
        )

        # When trustees bring k shares and restore the recorded members
        monkeypatch.setattr(
            sys, "stdin", io.StringIO("\n".join(world.org.shares[: world.org.threshold]) + "\n\n")
        )
        out = io.StringIO()
        call_command("recover_access", stdout=out, members=True)
        assert "key wraps sealed" in out.getvalue()

        # Then every record of every app, and every request, opens for exactly who opened it
        after = _what_opens(private)
        changed = [key for key in before if before[key] != after[key]]
        assert not changed, changed[:10]
        # and the desk reads the request's file, the case search is back, evidence reads whole
        desk = Keyring(
            user_id=world.staff[("triage", True)].user.pk, private_key=private["triage-in"][1]
        )
        with keyring_activated(desk):
            _name, _type, content = attachment_open(SubmissionAttachment.objects.all()[0])
        assert content
        search_after = {
            n: _finds_case(Keyring(user_id=u, private_key=k), world.case)
            for n, (u, k) in private.items()
        }
        assert search_after == search_before
        with keyring_activated(
            Keyring(user_id=lawyer.user.pk, private_key=private["lawyer-in"][1])
        ):
            assert b"".join(item_read(actor_id=lawyer.user.pk, item=item)) == evidence_before

        # and the audit chain is intact and records both events
        call_command("audit_checkpoint", stdout=io.StringIO())
        call_command("audit_verify", stdout=io.StringIO())
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"emergency.lockdown", "vault.recover_members"} <= actions
