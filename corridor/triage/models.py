"""Triage: the desk's work on each request, and the keyed hashes its flags are computed from.

Requests arrive sealed to the intake key (corridor.intake); only desk members open them.
What the desk writes about a request (vetting checklist, proposal, decision, reasons) is a
vault record in the desk compartment. What the flags compare is stored only as keyed hashes
under the organisation's index key, computed by the first desk member who opens a request
(the web process that receives requests holds no key, T1): a seized database shows which
requests share a value, never the value (docs/decisions/0010-triage.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.intake.models import Submission
from corridor.vault.classification import KEYED_HASH, OPERATIONAL
from corridor.vault.fields import BlindIndexField, EncryptedTextField
from corridor.vault.models import Compartment, VaultRecord


class TermKind(models.TextChoices):
    """What a keyed hash of a request was computed from."""

    NAME = "name", _("name")  # the linkage engine's order-free canonical key: any script
    PHONE = "phone", _("phone")  # E.164
    HANDLE = "handle", _("messenger handle")
    EMAIL = "email", _("e-mail address")


class SubmissionIndexed(models.Model):
    """Marks a submission whose keyed hashes (terms, linkage keys) have been computed."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="triage_indexed"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {"id": OPERATIONAL, "submission": OPERATIONAL}


class LinkageKey(models.Model):
    """One blocking key of the linkage engine for a submission, as a keyed hash.

    The engine's `OnlineMatcher` looks candidates up by these (corridor.linkage.online);
    `triage.linkage_adapter` backs its `KeyIndex` with this table.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="linkage_keys"
    )
    digest = models.BinaryField(max_length=BlindIndexField.SIZE)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "submission": OPERATIONAL,
        "digest": KEYED_HASH,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["digest", "submission"])]


class SubmissionTerm(models.Model):
    """A keyed hash of one identifier of a request: name, phone, handle or e-mail.

    `thread` is the first submission of the thread and `received_hour` the submission's, so
    duplicates and bursts are counted per thread and per hour without opening anything.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="terms")
    thread = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=TermKind.choices)
    digest = models.BinaryField(max_length=BlindIndexField.SIZE)
    received_hour = models.DateTimeField()

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "submission": OPERATIONAL,
        "thread": OPERATIONAL,
        "kind": OPERATIONAL,
        "digest": KEYED_HASH,
        "received_hour": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["kind", "digest"]),
            models.Index(fields=["received_hour", "kind", "digest"]),
        ]


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Vetting(VaultRecord):
    """The desk's record of one request thread: checklist, proposal and decision.

    Lives in the desk compartment. Accepting takes two desk members: `proposed_by` and
    `decided_by` must differ (T4: one infiltrated or deceived member cannot let a trap in).
    """

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="vetting")
    # The checklist (design, "vetting"): what was asked, seen and confirmed, by whom.
    interview_notes = EncryptedTextField()
    evidence_seen = EncryptedTextField()  # documents, injuries, photographs seen
    references = EncryptedTextField()
    verifying_partner = EncryptedTextField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    # The proposal to accept, by a first desk member
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_compartment = models.ForeignKey(
        Compartment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal_note = EncryptedTextField()
    proposal_override = EncryptedTextField()  # why a watch-list hit does not stop it
    # The decision: approval by a second desk member, or a decline by any
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    target_compartment = models.ForeignKey(
        Compartment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_override = EncryptedTextField()
    decline_reason = EncryptedTextField()

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("triage.Vetting", "pk"),
        ("intake.Submission", "submission_id"),
    )
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "submission": OPERATIONAL,
        "checked_by": OPERATIONAL,
        "checked_at": OPERATIONAL,
        "proposed_by": OPERATIONAL,
        "proposed_at": OPERATIONAL,
        "proposed_compartment": OPERATIONAL,
        "decision": OPERATIONAL,
        "decided_by": OPERATIONAL,
        "decided_at": OPERATIONAL,
        "target_compartment": OPERATIONAL,
    }


class WatchKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    HANDLE = "handle", _("Messenger handle")
    EMAIL = "email", _("E-mail address")
    NAME = "name", _("Name")


class WatchEntry(VaultRecord):
    """An identifier known to be hostile (a police number, a relative's handle).

    The value and the note are encrypted in the desk compartment; `digest` is its keyed hash
    (a name in any spelling, a phone in E.164) under a kind of its own: an opened request's
    identifiers are hashed the same way when a page shows it, so a hit is found without
    opening the list, and no stored digest ties a request to the list.
    """

    kind = models.CharField(max_length=8, choices=WatchKind.choices)
    value = EncryptedTextField()
    note = EncryptedTextField()
    digest = models.BinaryField(max_length=BlindIndexField.SIZE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("triage.WatchEntry", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "kind": OPERATIONAL,
        "digest": KEYED_HASH,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["digest"])]


class CrossCheck(models.Model):
    """One desk member's cross-compartment check of one request, in one hour.

    The check asks every compartment whether it holds a case with this request's name or
    phone: a lookup no other role may run. Each (member, request, hour) is counted once here
    and audited once (`triage.crosscheck`); `CORRIDOR_CROSSCHECK_PER_HOUR` caps the distinct
    requests one member may check an hour (T3, T4: decision 0011). Hour precision only.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "user": OPERATIONAL,
        "submission": OPERATIONAL,
        "hour": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "hour", "submission"], name="crosscheck_once")
        ]
