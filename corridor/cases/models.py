"""Cases: one person who asked for help, held in one compartment, and what happens to them.

Every field is classified: names, phones, places, reasons and notes are encrypted; stages,
dates, codes, amounts, the compartment and the assignee are operational, so lists, filters
and the country board need no keys. Search terms are keyed hashes (corridor.cases.search).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import KEYED_HASH, OPERATIONAL, SEALED
from corridor.vault.fields import (
    BlindIndexField,
    EncryptedBytesField,
    EncryptedJSONField,
    EncryptedTextField,
)
from corridor.vault.models import VaultRecord


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Stage(models.TextChoices):
    """The pipeline of a case (shared/design/domain.md); the moves are in pipeline.py."""

    REQUEST = "request", _("Request")
    VETTING = "vetting", _("Vetting")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EVACUATION = "evacuation", _("Evacuation")
    SHELTERED = "sheltered", _("Sheltered")
    DOCUMENTS = "documents", _("Documents")
    APPLICATION = "application", _("Application")
    DEPARTURE = "departure", _("Departure")
    ARRIVED = "arrived", _("Arrived")
    CLOSED = "closed", _("Closed")


class ThreatSource(models.TextChoices):
    STATE = "state", _("State")
    FAMILY = "family", _("Family")
    BOTH = "both", _("State and family")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known yet")


class Outcome(models.TextChoices):
    """How a case ended (recorded on the move to "closed")."""

    RESETTLED = "resettled", _("Resettled")
    DECLINED = "declined", _("Declined")
    REFERRED = "referred", _("Referred elsewhere")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    RETURNED = "returned", _("Returned")
    DETAINED = "detained", _("Detained")
    DIED = "died", _("Died")


class ExpenseCategory(models.TextChoices):
    TRAVEL_DOMESTIC = "travel_domestic", _("Travel inside the country")
    VISA_DEPARTURE = "visa_departure", _("Visas and departure")
    HOUSING = "housing", _("Housing")
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical")
    DOCUMENTS = "documents", _("Documents")
    SOCIAL_WORK = "social_work", _("Social work")
    OTHER = "other", _("Other")


class Case(VaultRecord):
    """One person per case; dependants travel with them as an encrypted list."""

    full_name = EncryptedTextField()
    aliases = EncryptedJSONField()  # list of other names and spellings, any script
    phone = EncryptedTextField()  # E.164
    messengers = EncryptedJSONField()  # list of handles ("Telegram @...")
    location = EncryptedTextField()
    dependants = EncryptedJSONField()  # list of {"name", "relation", "age"}
    notes = EncryptedTextField()
    name_index = BlindIndexField(source="full_name", kind="name")
    phone_index = BlindIndexField(source="phone", kind="phone", normaliser="phone")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.REQUEST)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    threat_source = models.CharField(
        max_length=8, choices=ThreatSource.choices, default=ThreatSource.UNKNOWN
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("case", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "stage": OPERATIONAL,
        "stage_entered_at": OPERATIONAL,
        "risk_level": OPERATIONAL,
        "threat_source": OPERATIONAL,
        "outcome": OPERATIONAL,
        "closed_at": OPERATIONAL,
        "assignee": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    # What a list of cases shows: fetching only these keeps notes' ciphertext off the wire.
    LIST_FIELDS: ClassVar[tuple[str, ...]] = (
        *VaultRecord.KEY_FIELDS,
        "full_name",
        "phone",
        "stage",
        "stage_entered_at",
        "risk_level",
        "assignee",
        "created_at",
    )

    @property
    def reference(self) -> str:
        """A short label that says nothing about the person, for those who may not see who
        the case is about (the viewer role, decision 0032)."""
        return f"#{self.pk.hex[:8].upper()}"

    class Meta:
        # The list is newest first across all of a user's compartments: walking the
        # ("-created_at", "id") index and skipping other compartments' rows beats sorting
        # every case of several compartments. One compartment, or one stage, has its own.
        indexes: ClassVar = [
            models.Index(fields=["-created_at", "id"]),
            models.Index(fields=["compartment", "-created_at"]),
            models.Index(fields=["compartment", "stage", "-created_at"]),
        ]


class RequestChannel(models.TextChoices):
    """How the request came in: the codes and words of corridor.intake.models.Channel (a test
    keeps them equal), so the cases app does not depend on intake."""

    WEB = "web", _("Web form")
    HOTLINE = "hotline", _("Hotline")
    MESSENGER = "messenger", _("Messenger")
    PARTNER = "partner", _("Partner organisation")
    EMAIL = "email", _("E-mail")
    OTHER = "other", _("Other")


class RequestLanguage(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


class CaseRequest(VaultRecord):
    """What the request that opened the case said, and what the desk's vetting found.

    Carried on acceptance out of the intake desk (the request sealed to the intake key, the
    checklist in the desk compartment) into the case's own compartment, re-encrypted under a
    data key of this record wrapped by that compartment's key, so the case's members read it
    without the desk's key and the desk's members who are not in the case's compartment do
    not (T3; decision 0040). The channel, the hour and the language are operational.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="origin")
    submission_id = models.UUIDField()  # the request it came from (intake.Submission)
    channel = models.CharField(max_length=16, choices=RequestChannel.choices)
    received_hour = models.DateTimeField()
    language = models.CharField(max_length=2, choices=RequestLanguage.choices, blank=True)
    contact = EncryptedTextField()
    messenger = EncryptedTextField()
    message = EncryptedTextField()
    birth_date = EncryptedTextField()
    partner = EncryptedTextField()  # the referring partner, if an operator recorded one
    other = EncryptedJSONField()  # [[field, value], ...] an operator's channel added
    follow_ups = EncryptedJSONField()  # the messages that came later in the thread
    # The desk's vetting checklist
    interview_notes = EncryptedTextField()
    evidence_seen = EncryptedTextField()
    references = EncryptedTextField()
    verifying_partner = EncryptedTextField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    carried_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("case_request", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "submission_id": OPERATIONAL,
        "channel": OPERATIONAL,
        "received_hour": OPERATIONAL,
        "language": OPERATIONAL,
        "checked_by": OPERATIONAL,
        "checked_at": OPERATIONAL,
        "carried_at": OPERATIONAL,
    }


class CaseAttachment(VaultRecord):
    """A file sent with the request, carried into the case on acceptance (decision 0040).

    The content is the copy intake's cleaner made (images re-encoded from their pixels,
    PDFs rebuilt, T7), re-encrypted in the row under this record's data key, wrapped by the
    case's compartment key. `media_type` is one of the cleaner's types, so the page knows
    what it may show inline without opening anything; the name the requester gave is
    encrypted. Every view or download is audited (`case_attachment.view`).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveIntegerField(default=0)
    carried_from = models.UUIDField()  # the intake.SubmissionAttachment it was copied from
    media_type = models.CharField(max_length=32)
    filename = EncryptedTextField()
    content = EncryptedBytesField()
    carried_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("case_attachment", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "position": OPERATIONAL,
        "carried_from": OPERATIONAL,
        "media_type": OPERATIONAL,
        "carried_at": OPERATIONAL,
    }

    # Everything but the content: what the case page needs to list the files.
    LIST_FIELDS: ClassVar[tuple[str, ...]] = (
        *VaultRecord.KEY_FIELDS,
        "case",
        "position",
        "media_type",
        "filename",
    )


class CaseTransition(VaultRecord):
    """One move along the pipeline: when, by whom, why. Time-in-stage is read from these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    seq = models.PositiveIntegerField()  # 1 for the opening "request"; orders equal times
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    backward = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    reason = EncryptedTextField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("case_transition", "pk"),
        ("case", "case_id"),
    )
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "seq": OPERATIONAL,
        "from_stage": OPERATIONAL,
        "to_stage": OPERATIONAL,
        "backward": OPERATIONAL,
        "actor": OPERATIONAL,
        "at": OPERATIONAL,
        "outcome": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_transition_seq_unique")
        ]


class FundingKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    DONOR = "donor", _("Donor")


class FundingSource(models.Model):
    """A grant or donor that expenses are charged to (donor reports, decision 0029).

    `code` is the organisation's own short label ("GRANT-2017-A"): operational, so reports
    need no key; who the donor is stays off the server (under a hostile state a foreign
    donor's name is itself dangerous).
    """

    code = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=8, choices=FundingKind.choices, default=FundingKind.GRANT)
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "code": OPERATIONAL,
        "kind": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    def __str__(self) -> str:
        return self.code


class Expense(VaultRecord):
    """Money spent for one case, by category, in the currency it was paid in."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="expenses")
    category = models.CharField(max_length=16, choices=ExpenseCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)  # ISO 4217
    spent_on = models.DateField()
    note = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    funding_source = models.ForeignKey(
        FundingSource, null=True, blank=True, on_delete=models.PROTECT, related_name="expenses"
    )
    # A wrong entry is never deleted: it is voided with a reason, and a correction is a new
    # entry that replaces it (decision 0041). Voided entries count in no total.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = EncryptedTextField()
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("expense", "pk"), ("case", "case_id"))
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "category": OPERATIONAL,
        "amount": OPERATIONAL,
        "currency": OPERATIONAL,
        "spent_on": OPERATIONAL,
        "recorded_by": OPERATIONAL,
        "recorded_at": OPERATIONAL,
        "funding_source": OPERATIONAL,
        "voided_at": OPERATIONAL,
        "voided_by": OPERATIONAL,
        "replaced_by": OPERATIONAL,
    }


class CaseSearchTerm(models.Model):
    """One keyed hash of a canonical name token, order-free full name or phone of a case.

    Rebuilt with the names in the same transaction (corridor.cases.search). Holds no
    plaintext and no kind: without the index key a term says nothing about what it hashes.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="search_terms")
    term = models.BinaryField(max_length=BlindIndexField.SIZE)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "case": OPERATIONAL,
        "term": KEYED_HASH,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["term", "case"])]


class CaseCrossSource(models.Model):
    """A case's identifiers for the desk's cross-compartment check, sealed to the desk.

    Written with the case's search terms by whoever changes the names or phone: the list of
    `corridor.vault.crossindex.cross_inner` hashes (keyed with the server's index secret,
    not the values), sealed to the cross index's public key at `version`. `materialised`:
    the desk has turned it into `CaseCrossTerm`s at that version.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="cross_source")
    version = models.PositiveIntegerField()
    sealed = models.BinaryField()
    materialised = models.BooleanField(default=False)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "case": OPERATIONAL,
        "version": OPERATIONAL,
        "sealed": SEALED,
        "materialised": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["materialised"])]


class CaseCrossTerm(models.Model):
    """A keyed hash only the desk's members can compute: what a request is checked against
    in every compartment (corridor.cases.crosscheck)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cross_terms")
    term = models.BinaryField(max_length=BlindIndexField.SIZE)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "case": OPERATIONAL,
        "term": KEYED_HASH,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["term", "case"])]


class StageMonthCount(models.Model):
    """Kept counts for the figures (decision 0037): how many cases of a compartment entered a
    stage for the first time in a month (the organisation's time zone). Maintained by
    `corridor.cases.stagecounts` in the same transaction as each transition and each purge;
    `manage.py stage_counts_rebuild` recomputes it from the transitions."""

    compartment = models.ForeignKey("vault.Compartment", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    month = models.DateField()  # the first day of the month
    count = models.IntegerField(default=0)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "stage": OPERATIONAL,
        "month": OPERATIONAL,
        "count": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["compartment", "stage", "month"], name="stage_month_count_unique"
            )
        ]
