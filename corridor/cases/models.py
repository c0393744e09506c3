"""Cases: a person who asked for help, held in one compartment.

This is the foundation's first vault record; the cases-and-relocation issue grows it into
the full pipeline. Every field is classified: names, phones and notes are encrypted; the
stage, risk level, compartment and assignee are operational.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import BlindIndexField, EncryptedJSONField, EncryptedTextField
from corridor.vault.models import VaultRecord


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Stage(models.TextChoices):
    """The pipeline of a case (shared/design/domain.md)."""

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


class Case(VaultRecord):
    full_name = EncryptedTextField()
    aliases = EncryptedJSONField()
    phone = EncryptedTextField()
    location = EncryptedTextField()
    notes = EncryptedTextField()
    name_index = BlindIndexField(source="full_name", kind="name")
    phone_index = BlindIndexField(source="phone", kind="phone", normaliser="phone")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.REQUEST)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "stage": OPERATIONAL,
        "risk_level": OPERATIONAL,
        "assignee": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    # What a list of cases shows: fetching only these keeps notes' ciphertext off the wire.
    LIST_FIELDS: ClassVar[tuple[str, ...]] = (
        *VaultRecord.KEY_FIELDS,
        "full_name",
        "phone",
        "stage",
        "risk_level",
        "assignee",
        "created_at",
    )

    class Meta:
        indexes: ClassVar = [models.Index(fields=["compartment", "-created_at"])]
