"""Consent, per testimony and per use: the one place that says whether a testimony may go out.

The code that builds packages (corridor.evidence) asks `consent_for` for every testimony it
would put in a package and refuses what it is not allowed: a testimony reaching a recipient
the person did not agree to is the harm (it can identify them to their persecutors), and a
reminder on a screen does not stop it.
The latest answer recorded for a use counts; a withdrawal takes it back; no answer at all is
a refusal. `consent_for` reads operational columns only: it needs no key and opens nothing.

Withdrawing is recorded and audited in one transaction, and returns the exports that already
carried the testimony, with their recipients, so the organisation can tell them. The evidence
app is above this one: it is imported inside `_exports_carrying`, and only if installed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.documentation.models import (
    Consent,
    ConsentObtained,
    ConsentUse,
    ConsentWithdrawal,
    Testimony,
)

CONSENT_USES = ("statistics", "international", "court", "domestic_authority", "media", "partner")
TEXT_MAX = 5000

assert set(CONSENT_USES) == set(ConsentUse.values)  # noqa: S101 - the contract and the model agree


@dataclass(frozen=True)
class ConsentVerdict:
    allowed: bool
    anonymised: bool  # allowed only with redaction (pseudonyms, places coarsened)
    reason: str  # translated, shown when refused


def _use_check(use: str) -> None:
    if use not in CONSENT_USES:
        raise ValidationError(_("Unknown use of a testimony."))


def consent_latest(testimony_id: uuid.UUID, use: str) -> Consent | None:
    """The latest answer recorded for this use of this testimony (withdrawn or not)."""
    return (
        Consent.objects.filter(testimony_id=testimony_id, use=use)
        .only("id", "compartment_id", "testimony_id", "use", "granted", "anonymised")
        .order_by("-recorded_at", "-obtained_on")
        .first()
    )


def _withdrawal_of(consent: Consent) -> ConsentWithdrawal | None:
    return (
        ConsentWithdrawal.objects.filter(consent_id=consent.pk)
        .only("id", "consent_id", "withdrawn_at")
        .first()
    )


def consent_for(testimony_id: uuid.UUID, use: str) -> ConsentVerdict:
    """May this testimony be used for `use` (one of CONSENT_USES)?

    The latest consent of that testimony for that use, withdrawals applied; no consent (or an
    unknown use) is a refusal. `anonymised`: allowed only with redaction.
    """
    label = ConsentUse(use).label if use in CONSENT_USES else use
    if use not in CONSENT_USES:
        return ConsentVerdict(False, False, _("Unknown use of a testimony."))
    latest = consent_latest(testimony_id, use)
    if latest is None:
        reason = _("No consent was recorded for this use (%(use)s).") % {"use": label}
        return ConsentVerdict(False, False, reason)
    withdrawal = _withdrawal_of(latest)
    if withdrawal is not None:
        when = formats.date_format(timezone.localdate(withdrawal.withdrawn_at), "Y-m-d")
        reason = _("Consent for this use (%(use)s) was withdrawn on %(date)s.") % {
            "use": label,
            "date": when,
        }
        return ConsentVerdict(False, False, reason)
    if not latest.granted:
        reason = _("The person refused this use (%(use)s).") % {"use": label}
        return ConsentVerdict(False, False, reason)
    return ConsentVerdict(True, latest.anonymised, "")


def consent_record(
    *,
    actor_id: int,
    testimony: Testimony,
    use: str,
    granted: bool,
    anonymised: bool,
    obtained_how: str,
    obtained_on: date,
    obtained_by: str,
    note: str = "",
) -> Consent:
    """Record the person's answer for one use; it replaces earlier answers for that use."""
    errors = []
    if use not in CONSENT_USES:
        errors.append(_("Unknown use of a testimony."))
    if obtained_how not in ConsentObtained.values:
        errors.append(_("Say how the consent was obtained: a signed form or recorded oral."))
    if not obtained_by.strip():
        errors.append(_("Say who obtained the consent."))
    if obtained_on > timezone.localdate():
        errors.append(_("Consent cannot be dated in the future."))
    if obtained_on < testimony.taken_on:
        errors.append(_("Consent cannot be dated before the testimony was taken."))
    if len(obtained_by) > TEXT_MAX or len(note) > TEXT_MAX:
        errors.append(_("The text is too long."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = Consent(
            testimony=testimony,
            compartment_id=testimony.compartment_id,
            use=use,
            granted=granted,
            anonymised=anonymised if granted else False,
            obtained_how=obtained_how,
            obtained_on=obtained_on,
            recorded_by_id=actor_id,
        )
        consent.obtained_by = obtained_by.strip()
        consent.note = note.strip()
        consent.save()
        audit_record(
            actor_id=actor_id,
            action="doc_consent.record",
            object_type="doc_consent",
            object_id=str(consent.pk),
        )
    return consent


def _exports_carrying(testimony_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The evidence app's exports that carried this testimony, if that app is installed."""
    if not apps.is_installed("corridor.evidence"):
        return []
    from corridor.evidence import exports_carrying  # the app above this one, imported late

    return list(exports_carrying(testimony_id))


def consent_withdraw(
    *, actor_id: int, testimony: Testimony, use: str, reason: str
) -> list[tuple[uuid.UUID, str]]:
    """Withdraw the consent in force for `use`; returns (package id, recipient) of every
    export that already carried the testimony, so the organisation can tell them.

    One transaction: the consent row is locked, the withdrawal written and audited. From then
    on `consent_for` refuses the use, so every later export refuses the testimony. Raises
    ValidationError (nothing written) for an unknown use, an empty reason, or when no
    consent is in force for that use.
    """
    _use_check(use)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason the person gave for withdrawing."))
    if len(reason) > TEXT_MAX:
        raise ValidationError(_("The text is too long."))
    with transaction.atomic():
        latest = consent_latest(testimony.pk, use)
        if latest is not None:
            latest = Consent.objects.select_for_update(no_key=True).filter(pk=latest.pk).first()
        if latest is None or not latest.granted or _withdrawal_of(latest) is not None:
            raise ValidationError(_("No consent is in force for this use: nothing to withdraw."))
        withdrawal = ConsentWithdrawal(
            consent=latest,
            compartment_id=latest.compartment_id,
            recorded_by_id=actor_id,
        )
        withdrawal.reason = reason
        withdrawal.save()
        audit_record(
            actor_id=actor_id,
            action="doc_consent.withdraw",
            object_type="doc_consent",
            object_id=str(latest.pk),
        )
    # Listed once the withdrawal is committed: an export made from now on refuses the item,
    # so none made in between can be missed from the list.
    carried = _exports_carrying(testimony.pk)
    ConsentWithdrawal.objects.filter(pk=withdrawal.pk).update(exports_found=len(carried))
    return carried


def consents_in_force(testimony: Testimony) -> dict[str, ConsentVerdict]:
    """The verdict for every use of this testimony (for its consent panel)."""
    return {use: consent_for(testimony.pk, use) for use in CONSENT_USES}
