"""Intake: requests for help, sealed to the intake key before anything touches disk.

A `Submission` is not a vault record: the public form has no keyring, so the web process
seals each request to the intake public key (`crypto.seal`) and never holds a secret that
opens it (T1, T2). The matching private key is an `IntakeKey`, a vault record in the desk
(triage) compartment: only members open it. Time is kept to the hour, and no address or
user agent has a column anywhere (T7, T8). Replies to an anonymous requester are sealed to a
public key derived from their codename, so the server cannot read them at rest either.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import KEY_MATERIAL, KEYED_HASH, OPERATIONAL, SEALED
from corridor.vault.fields import EncryptedTextField
from corridor.vault.models import Compartment, VaultRecord


class IntakeDesk(models.Model):
    """The organisation's intake desk: whose members (the compartment's) read requests."""

    compartment = models.ForeignKey(Compartment, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


def intake_desk() -> IntakeDesk | None:
    """The desk of this organisation (there is at most one), or None before set-up."""
    return IntakeDesk.objects.select_related("compartment").order_by("pk").first()


class IntakeKey(VaultRecord):
    """An X25519 key pair for sealing requests; the private half opens for desk members only.

    Rotation adds a new active key and deactivates the old ones, which stay to open the
    requests sealed to them.
    """

    public_key = models.BinaryField(max_length=32)
    private_key = EncryptedTextField()  # base64 of the raw X25519 private key
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Key material, no one's data: what it opens is noted where it is unsealed
    # (corridor.intake.actions, vault.reads.read_sealed_opened) and must be audited there.
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = ()
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "public_key": KEY_MATERIAL,
        "active": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    HOTLINE = "hotline", _("Hotline")
    MESSENGER = "messenger", _("Messenger")
    PARTNER = "partner", _("Partner organisation")
    EMAIL = "email", _("E-mail")
    OTHER = "other", _("Other")


class SubmissionStatus(models.TextChoices):
    NEW = "new", _("New")
    VETTING = "vetting", _("Vetting")
    ACCEPT_PROPOSED = "accept_proposed", _("Acceptance proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SPAM = "spam", _("Spam")


class Submission(models.Model):
    """One request (or one follow-up of a thread), sealed to an intake key.

    The row is the queue: a request is accepted only when this row commits, together with
    its attachments, and nothing deletes it but a desk decision.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake_key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+")
    sealed = models.BinaryField()
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    received_hour = models.DateTimeField()  # truncated to the hour: nothing finer is kept
    # Order inside a thread (first submission 0; follow-ups and replies count on from it),
    # so a thread reads in order without storing any time finer than the hour.
    position = models.PositiveIntegerField(default=0)
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    codename_hash = models.BinaryField(max_length=32, null=True, blank=True, unique=True)
    reply_public_key = models.BinaryField(max_length=32, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.NEW
    )
    case_id = models.UUIDField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "intake_key": OPERATIONAL,
        "sealed": SEALED,
        "channel": OPERATIONAL,
        "received_hour": OPERATIONAL,
        "position": OPERATIONAL,
        "thread": OPERATIONAL,
        "codename_hash": KEYED_HASH,
        "reply_public_key": KEY_MATERIAL,
        "status": OPERATIONAL,
        "case_id": OPERATIONAL,
        "recorded_by": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["status", "-received_hour"])]


class SubmissionAttachment(models.Model):
    """A file sent with a request: name, type and metadata-stripped content, sealed and padded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    sealed = models.BinaryField()
    size_bucket = models.PositiveIntegerField()  # padded size in KiB, not the true size

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "submission": OPERATIONAL,
        "sealed": SEALED,
        "size_bucket": OPERATIONAL,
    }


class Reply(VaultRecord):
    """The desk's answer in a thread: sealed for the requester, and the desk's own copy.

    `sealed_for_requester` opens only with the private key derived from the codename, which
    the server never stores; `text` is the desk compartment's copy for the thread view.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="replies")
    sealed_for_requester = models.BinaryField()
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_hour = models.DateTimeField()
    position = models.PositiveIntegerField(default=0)  # order in the thread (see Submission)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("intake.Reply", "pk"),
        ("intake.Submission", "submission_id"),
    )
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "submission": OPERATIONAL,
        "position": OPERATIONAL,
        "sealed_for_requester": SEALED,
        "author": OPERATIONAL,
        "created_hour": OPERATIONAL,
    }


class RateBucket(models.Model):
    """How many times something happened in one hour: the flood limits, with no one's address.

    `subject` is empty for global limits, or a keyed hash of a codename (not the stored
    lookup hash) for per-thread limits. Buckets older than the previous hour are deleted, so
    a seized database shows at most two hours of counts.
    """

    scope = models.CharField(max_length=24)
    subject = models.BinaryField(max_length=16, default=b"")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "scope": OPERATIONAL,
        "subject": KEYED_HASH,
        "hour": OPERATIONAL,
        "count": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["scope", "subject", "hour"], name="intake_ratebucket_unique"
            )
        ]
