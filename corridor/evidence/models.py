"""Evidence files, their custody trails, and the packages that carry them (decision 0020).

An item's file is kept byte for byte as received (the evidentiary copy), sealed on disk under
the item's data key (corridor.vault.files); its SHA-256 and SHA-512, taken at receipt, are
encrypted with its other details (a hash in clear would let a seizer confirm the organisation
holds a known photograph). The custody trail is a chain of its own: each event's hash covers
the previous one, so an event changed, removed or reordered breaks every later hash, and
each event also has its audit entry in the signed audit chain.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.documentation.models import Event, RecipientKind, Referral, Testimony
from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import EncryptedJSONField, EncryptedTextField
from corridor.vault.models import VaultRecord


class EvidenceItem(VaultRecord):
    """One file as received; `testimony` (whose consent governs it) or `event` it supports."""

    testimony = models.ForeignKey(
        Testimony, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = EncryptedTextField()
    original_name = EncryptedTextField()
    sha256 = EncryptedTextField()
    sha512 = EncryptedTextField()
    media_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    # The working copy shown on screen (an image re-encoded without metadata), sealed in its
    # own file under the same data key; `working_note` says why there is none (a code).
    working_sha256 = EncryptedTextField()
    working_media_type = models.CharField(max_length=100, blank=True, default="")
    working_size = models.PositiveBigIntegerField(default=0)
    working_note = models.CharField(max_length=30, blank=True, default="")

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "testimony": OPERATIONAL,
        "event": OPERATIONAL,
        "media_type": OPERATIONAL,
        "size": OPERATIONAL,
        "received_by": OPERATIONAL,
        "received_at": OPERATIONAL,
        "working_media_type": OPERATIONAL,
        "working_size": OPERATIONAL,
        "working_note": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("evidence_item", "pk"),)

    class Meta:
        ordering: ClassVar = ["received_at"]


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported in a package")
    TRANSFERRED = "transferred", _("Transferred")
    COPIED = "copied", _("Working copy made")


class CustodyEvent(VaultRecord):
    """One link of an item's custody trail; `details` and `chain` (the link's hash) sealed."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=12, choices=CustodyAction.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    details = EncryptedJSONField()
    chain = EncryptedTextField()

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "item": OPERATIONAL,
        "seq": OPERATIONAL,
        "action": OPERATIONAL,
        "at": OPERATIONAL,
        "actor": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("evidence_item", "item_id"),)

    class Meta:
        ordering: ClassVar = ["item", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "seq"], name="custody_seq_unique")
        ]


class PackageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EXPORTED = "exported", _("Exported")


class Package(VaultRecord):
    """A set of events, acts, testimonies and files chosen for one recipient."""

    recipient = EncryptedTextField()
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    language = models.CharField(max_length=8, default="en")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=PackageStatus.choices, default=PackageStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # An RFC 3161 timestamp response over the signature of one export (decision 0036),
    # imported once verified, with the time the TSA vouches for.
    timestamp_token = models.BinaryField(null=True, blank=True)
    timestamp_time = models.DateTimeField(null=True, blank=True)
    timestamp_export = models.ForeignKey(
        "PackageExport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "recipient_kind": OPERATIONAL,
        "language": OPERATIONAL,
        "referral": OPERATIONAL,
        "status": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
        "timestamp_token": OPERATIONAL,
        "timestamp_time": OPERATIONAL,
        "timestamp_export": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("evidence_package", "pk"),)

    class Meta:
        ordering: ClassVar = ["-created_at"]


class PackageEntry(models.Model):
    """One chosen record: kind and id (an event, act, testimony or evidence item)."""

    KINDS = ("event", "act", "testimony", "item")

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10)
    object_id = models.UUIDField()

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "package": OPERATIONAL,
        "kind": OPERATIONAL,
        "object_id": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["package", "kind", "object_id"], name="entry_unique")
        ]


class PackageExport(models.Model):
    """One export of a package, and which testimonies and items it carried (for withdrawals)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="exports")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    encrypted = models.BooleanField()
    testimony_ids = models.JSONField(default=list)
    item_ids = models.JSONField(default=list)
    # The export's signed tag manifest and its minisign signature (hashes and the package's
    # id and date, nothing of its contents): what an RFC 3161 timestamp covers.
    tagmanifest = models.TextField(blank=True, default="")
    signature = models.TextField(blank=True, default="")

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "package": OPERATIONAL,
        "at": OPERATIONAL,
        "by": OPERATIONAL,
        "encrypted": OPERATIONAL,
        "testimony_ids": OPERATIONAL,
        "item_ids": OPERATIONAL,
        "tagmanifest": OPERATIONAL,
        "signature": OPERATIONAL,
    }
