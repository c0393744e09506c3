"""The audit chain: an append-only, hash-chained log of reads and changes, and signed checkpoints.

Entries hold only operational facts (who, what kind of action, on which object, when), never
a sensitive value, so the log itself needs no encryption (design: "Audit"). See
docs/decisions/0003-audit-chain.md.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from corridor.vault.classification import OPERATIONAL

HASH_BYTES = 32
GENESIS_HASH = bytes(HASH_BYTES)  # the "previous hash" of entry 1


class AuditEntry(models.Model):
    """One link of the chain. Written only by `corridor.audit.log`, never updated or deleted.

    The actor is stored as a plain user id, not a foreign key: the chain must outlive any
    account, must never block a user's deletion, and its hash covers the number itself.
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    time = models.DateTimeField()
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.BinaryField(max_length=HASH_BYTES)
    entry_hash = models.BinaryField(max_length=HASH_BYTES)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "seq": OPERATIONAL,
        "time": OPERATIONAL,
        "actor_id": OPERATIONAL,
        "action": OPERATIONAL,
        "object_type": OPERATIONAL,
        "object_id": OPERATIONAL,
        "prev_hash": OPERATIONAL,
        "entry_hash": OPERATIONAL,
    }

    class Meta:
        ordering = ("seq",)
        verbose_name_plural = "audit entries"
        # "Who read or changed this" and the log's record filter look entries up by object
        indexes = (
            models.Index(fields=["object_id", "object_type"]),
            # The log's filters at a million entries (decision 0037): a person's entries
            # newest first, an action prefix (LIKE 'case.%' needs the pattern operator class
            # on PostgreSQL; SQLite ignores it), and a day range.
            models.Index(fields=["actor_id", "seq"], name="audit_actor_seq"),
            models.Index(
                fields=["action"], name="audit_action_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["time"], name="audit_time"),
        )

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The singleton row (pk=1) naming the last entry.

    Appenders lock it (SELECT ... FOR UPDATE on PostgreSQL) so concurrent transactions take
    turns and never compute the same seq; the verifier also compares it with the last entry,
    which catches entries cut from the end of the chain.
    """

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.BinaryField(max_length=HASH_BYTES, default=GENESIS_HASH)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "seq": OPERATIONAL,
        "entry_hash": OPERATIONAL,
    }

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditCheckpoint(models.Model):
    """An Ed25519 signature over (seq, entry hash, time) of the chain head at one moment.

    Exported copies held off the server pin history: rewriting the chain before `seq`
    changes the hash at `seq`, which no longer matches the signed one.
    """

    seq = models.PositiveBigIntegerField()
    entry_hash = models.BinaryField(max_length=HASH_BYTES)
    time = models.DateTimeField()
    public_key = models.BinaryField(max_length=32)
    signature = models.BinaryField(max_length=64)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "seq": OPERATIONAL,
        "entry_hash": OPERATIONAL,
        "time": OPERATIONAL,
        "public_key": OPERATIONAL,  # a public key: nothing to hide
        "signature": OPERATIONAL,
    }

    class Meta:
        ordering = ("seq", "id")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
