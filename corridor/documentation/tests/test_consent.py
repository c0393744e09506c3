"""Consent is enforced by the code that decides, not by a reminder on a screen.

`consent_for` is what the package builder asks; these tests replay the three ways a testimony
must be kept back (no consent, a refusal, a withdrawal) and the one way it goes out redacted.
"""

from __future__ import annotations

import sys
import types
import uuid
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from corridor.audit.models import AuditEntry
from corridor.documentation import models
from corridor.documentation.consent import (
    CONSENT_USES,
    consent_for,
    consent_record,
    consent_withdraw,
    consents_in_force,
)
from corridor.documentation.models import Consent, ConsentWithdrawal
from corridor.documentation.tests.conftest import Desk
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _record(desk: Desk, use: str, *, granted: bool = True, anonymised: bool = False) -> Consent:
    return consent_record(
        actor_id=desk.lawyer.user.pk,
        testimony=desk.testimony,
        use=use,
        granted=granted,
        anonymised=anonymised,
        obtained_how="signed_form",
        obtained_on=date(2017, 5, 2),
        obtained_by="Lawyer on the hotline",
    )


def test_it_refuses_every_use_no_consent_was_recorded_for(desk: Desk) -> None:
    # Given a testimony with consent for court use only
    _record(desk, "court")
    # When the package builder asks about every use
    verdicts = consents_in_force(desk.testimony)
    # Then only the court may have it; each refusal says why
    assert [use for use, verdict in verdicts.items() if verdict.allowed] == ["court"]
    assert "No consent was recorded" in verdicts["media"].reason
    assert not consent_for(desk.testimony.pk, "no-such-use").allowed
    assert not consent_for(uuid.uuid4(), "court").allowed


def test_it_honours_named_and_anonymised_consent(desk: Desk) -> None:
    # Given consent for the UN by name, and for the media only anonymised
    _record(desk, "international", anonymised=False)
    _record(desk, "media", anonymised=True)
    # Then the UN may have it as is, the media only redacted
    un, media = (
        consent_for(desk.testimony.pk, "international"),
        consent_for(desk.testimony.pk, "media"),
    )
    assert (un.allowed, un.anonymised) == (True, False)
    assert (media.allowed, media.anonymised) == (True, True)


def test_it_refuses_a_use_the_person_refused_even_after_an_earlier_yes(desk: Desk) -> None:
    # Given a yes for domestic authorities, then a later no
    _record(desk, "domestic_authority")
    _record(desk, "domestic_authority", granted=False)
    # Then the latest answer counts
    verdict = consent_for(desk.testimony.pk, "domestic_authority")
    assert not verdict.allowed and "refused" in verdict.reason


def test_it_refuses_a_withdrawn_use_from_then_on_and_audits_the_withdrawal(desk: Desk) -> None:
    # Given consent for the courts, then its withdrawal with the person's reason
    consent = _record(desk, "court")
    entries = AuditEntry.objects.count()
    carried = consent_withdraw(
        actor_id=desk.lawyer.user.pk,
        testimony=desk.testimony,
        use="court",
        reason="Qxwithdrawreason: his brother found out",
    )
    # Then the courts are refused, with the date, and nothing was carried yet (no evidence app)
    verdict = consent_for(desk.testimony.pk, "court")
    assert not verdict.allowed and "withdrawn on" in verdict.reason
    assert carried == []
    # And the withdrawal is one audit entry naming the consent, never the reason
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == entries + 1
    assert entry is not None and (entry.action, entry.object_id) == (
        "doc_consent.withdraw",
        str(consent.pk),
    )
    # And the reason is stored encrypted: readable with the key, absent from the raw row
    withdrawal = ConsentWithdrawal.objects.get(consent=consent)
    assert withdrawal.reason.startswith("Qxwithdrawreason")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason_sealed FROM documentation_consentwithdrawal")
        (raw,) = cursor.fetchone()
    assert b"Qxwithdrawreason" not in bytes(raw)


def test_it_counts_a_new_consent_after_a_withdrawal(desk: Desk) -> None:
    # Given a consent, withdrawn, then given again (the person changed their mind)
    _record(desk, "partner")
    consent_withdraw(
        actor_id=desk.lawyer.user.pk, testimony=desk.testimony, use="partner", reason="x"
    )
    _record(desk, "partner", anonymised=True)
    # Then the new answer is in force
    verdict = consent_for(desk.testimony.pk, "partner")
    assert verdict.allowed and verdict.anonymised


@pytest.mark.parametrize(
    ("use", "reason", "message"),
    [
        ("court", "", "reason"),
        ("nowhere", "a reason", "Unknown use"),
        ("media", "a reason", "nothing to withdraw"),  # never granted
    ],
)
def test_it_refuses_a_withdrawal_it_cannot_record_and_writes_nothing(
    desk: Desk, use: str, reason: str, message: str
) -> None:
    # Given consent for the courts only
    _record(desk, "court")
    entries = AuditEntry.objects.count()
    # When a withdrawal without a reason, of an unknown use, or of a use never granted comes
    with pytest.raises(ValidationError) as refused:
        consent_withdraw(
            actor_id=desk.lawyer.user.pk, testimony=desk.testimony, use=use, reason=reason
        )
    # Then it is refused with a message, and nothing is written
    assert message in " ".join(refused.value.messages)
    assert not ConsentWithdrawal.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert consent_for(desk.testimony.pk, "court").allowed


def test_it_refuses_a_second_withdrawal_of_the_same_consent(desk: Desk) -> None:
    _record(desk, "court")
    consent_withdraw(
        actor_id=desk.lawyer.user.pk, testimony=desk.testimony, use="court", reason="x"
    )
    with pytest.raises(ValidationError):
        consent_withdraw(
            actor_id=desk.lawyer.user.pk, testimony=desk.testimony, use="court", reason="y"
        )
    assert ConsentWithdrawal.objects.count() == 1


def test_it_judges_consent_with_no_key_at_all(desk: Desk) -> None:
    # Given consents recorded by the lawyer
    _record(desk, "court")
    # When a process with no keyring (the package builder's worker, a command) asks
    with keyring_activated(None):
        verdicts = {use: consent_for(desk.testimony.pk, use) for use in CONSENT_USES}
    # Then it gets its answer from operational columns alone
    assert verdicts["court"].allowed and not verdicts["media"].allowed


def test_it_lists_the_exports_that_already_carried_a_withdrawn_testimony(
    desk: Desk, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an evidence app that reports two exports carrying the testimony (its real
    # `exports_carrying` lives on the evidence branch; this stands in for it at the seam)
    package_a, package_b = uuid.uuid4(), uuid.uuid4()
    asked: list[uuid.UUID] = []

    def exports_carrying(testimony_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        asked.append(testimony_id)
        # Called after the withdrawal is committed: it is already on record
        assert ConsentWithdrawal.objects.filter(consent__testimony_id=testimony_id).exists()
        return [(package_a, "Investigative Committee"), (package_b, "UN WGEID")]

    evidence = types.ModuleType("corridor.evidence")
    evidence.exports_carrying = exports_carrying  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "corridor.evidence", evidence)
    from django.apps import apps

    installed = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name == "corridor.evidence" or installed(name)
    )
    _record(desk, "international")
    # When the consent is withdrawn
    carried = consent_withdraw(
        actor_id=desk.lawyer.user.pk, testimony=desk.testimony, use="international", reason="x"
    )
    # Then the exports and their recipients are returned, and their number kept on record
    assert carried == [(package_a, "Investigative Committee"), (package_b, "UN WGEID")]
    assert asked == [desk.testimony.pk]
    assert ConsentWithdrawal.objects.get().exports_found == 2


def test_it_refuses_consent_dated_before_the_testimony_or_with_no_collector(desk: Desk) -> None:
    with pytest.raises(ValidationError) as refused:
        consent_record(
            actor_id=desk.lawyer.user.pk,
            testimony=models.Testimony.objects.get(pk=desk.testimony.pk),
            use="court",
            granted=True,
            anonymised=False,
            obtained_how="by telepathy",
            obtained_on=date(2016, 1, 1),
            obtained_by=" ",
        )
    assert len(refused.value.messages) == 3
    assert not Consent.objects.exists()
