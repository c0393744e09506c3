"""The vault's tables: organisation keys, compartments, key wraps, user key pairs.

Nothing here is plaintext key material. Private keys are stored wrapped under a passphrase
(Argon2id) or a recovery code; compartment and index keys are stored once per member as a
sealed box to that member's public key and once to the organisation recovery key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from corridor.linkage import READING_VERSION
from corridor.vault.classification import KEY_MATERIAL, OPERATIONAL

if TYPE_CHECKING:
    from corridor.vault.keyring import Keyring


class Organisation(models.Model):
    """The single organisation this server belongs to, and its public keys."""

    name = models.CharField(max_length=120)
    recovery_public_key = models.BinaryField(max_length=32)
    recovery_threshold = models.PositiveSmallIntegerField()
    recovery_shares = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "name": OPERATIONAL,
        "recovery_public_key": KEY_MATERIAL,
        "recovery_threshold": OPERATIONAL,
        "recovery_shares": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    def __str__(self) -> str:
        return self.name


class UserKeyPair(models.Model):
    """A staff user's X25519 key pair; the private half only ever stored wrapped."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keypair"
    )
    public_key = models.BinaryField(max_length=32)
    passphrase_wrap = models.BinaryField()
    passphrase_salt = models.BinaryField(max_length=16)
    kdf_opslimit = models.PositiveIntegerField()
    kdf_memlimit = models.PositiveBigIntegerField()
    recovery_wrap = models.BinaryField(null=True)
    recovery_salt = models.BinaryField(max_length=16, null=True)
    # The duress passphrase's verifier: Argon2id of it at this pair's KDF cost, so a login
    # with it pays what a real one pays (decision 0026). It opens nothing.
    duress_verifier = models.BinaryField(max_length=32, null=True)
    duress_salt = models.BinaryField(max_length=16, null=True)
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "user": OPERATIONAL,
        "public_key": KEY_MATERIAL,
        "passphrase_wrap": KEY_MATERIAL,
        "passphrase_salt": KEY_MATERIAL,
        "kdf_opslimit": OPERATIONAL,
        "kdf_memlimit": OPERATIONAL,
        "recovery_wrap": KEY_MATERIAL,
        "recovery_salt": KEY_MATERIAL,
        "duress_verifier": KEY_MATERIAL,
        "duress_salt": KEY_MATERIAL,
        "created_at": OPERATIONAL,
    }


def reading_current() -> int:
    """The reading a compartment created now builds its hashes with (corridor.linkage)."""
    return READING_VERSION


class Compartment(models.Model):
    """A need-to-know boundary: its records open only with its key."""

    name = models.CharField(max_length=120, unique=True)
    key_version = models.PositiveIntegerField(default=1)
    #: The `READING_VERSION` its keyed hashes were last built with; older than the code's,
    #: they miss what the new reading matches until a member rebuilds them (decision 0045).
    hashes_reading = models.PositiveIntegerField(default=reading_current)
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "name": OPERATIONAL,
        "key_version": OPERATIONAL,
        "hashes_reading": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    def __str__(self) -> str:
        return self.name

    @property
    def hashes_outdated(self) -> bool:
        return self.hashes_reading < READING_VERSION


def compartments_hashes_outdated(
    keyring: Keyring | None, compartment_ids: Iterable[int]
) -> list[Compartment]:
    """Those of these compartments whose keyed hashes an older reading built, and whose key
    `keyring` holds (a member after a lockdown holds none, and could not rebuild them)."""
    held = {pk for pk, _version in keyring.searchable()} if keyring is not None else set()
    return list(
        Compartment.objects.filter(
            pk__in=[pk for pk in compartment_ids if pk in held],
            hashes_reading__lt=READING_VERSION,
        ).order_by("name")
    )


class Membership(models.Model):
    """Who is a member of which compartment (the permission side of the gate)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    compartment = models.ForeignKey(
        Compartment, on_delete=models.CASCADE, related_name="memberships"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "user": OPERATIONAL,
        "compartment": OPERATIONAL,
        "granted_at": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "compartment"], name="membership_unique")
        ]


class KeyWrap(models.Model):
    """One symmetric key sealed to one recipient (a user, or the organisation recovery key).

    purpose "compartment": the compartment's key at `version` (its index key is derived
    from it, docs/decisions/0011-index-keys.md). `user` is null for the recovery key's wrap.
    """

    COMPARTMENT = "compartment"

    purpose = models.CharField(max_length=16)
    compartment = models.ForeignKey(
        Compartment, null=True, blank=True, on_delete=models.CASCADE, related_name="wraps"
    )
    version = models.PositiveIntegerField(default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="key_wraps",
    )
    sealed_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "purpose": OPERATIONAL,
        "compartment": OPERATIONAL,
        "version": OPERATIONAL,
        "user": OPERATIONAL,
        "sealed_key": KEY_MATERIAL,
        "created_at": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["purpose", "user", "compartment", "version"])]


class CrossIndex(models.Model):
    """The one compartment whose members run cross-compartment duplicate checks (the desk).

    Its key pair is derived from that compartment's key at `version` (corridor.vault.crossindex):
    anyone who writes a case seals the case's hashed identifiers to `public_key`; only members
    of this compartment open them, and only they hold the key the stored cross terms are
    keyed with. Re-keying the compartment rotates the pair (T3, decision 0011).
    """

    compartment = models.OneToOneField(Compartment, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    public_key = models.BinaryField(max_length=32)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "version": OPERATIONAL,
        "public_key": KEY_MATERIAL,
    }


class VaultRecord(models.Model):
    """Base of every model that holds sensitive fields.

    Each record has its own random data key, stored wrapped by its compartment's key
    (XChaCha20-Poly1305, associated data naming table, record and key version). The id is a
    random UUID chosen before the first save, so field ciphertexts can be bound to it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey(Compartment, on_delete=models.PROTECT, related_name="+")
    key_version = models.PositiveIntegerField(default=1)
    wrapped_data_key = models.BinaryField()

    # The columns needed to open any field: pass them to .only() with the fields you show.
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("id", "compartment", "key_version", "wrapped_data_key")

    VAULT_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "key_version": OPERATIONAL,
        "wrapped_data_key": KEY_MATERIAL,
    }

    # Which audit entries cover opening this record in a request (corridor.vault.reads): a
    # tuple of (object_type, attribute), e.g. (("task", "pk"), ("case", "case_id")): an
    # entry for the task itself or for its case. Every model declares its own (no default,
    # so a new model cannot be opened before it says how its reads are audited).
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from corridor.vault.keyring import record_prepare

        record_prepare(self)
        super().save(*args, **kwargs)
        self.__dict__.get("_vault_dirty", set()).clear()

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):  # type: ignore[no-untyped-def]
        """Drop opened plaintext of the reloaded fields (all, if no list is given).

        Loading a deferred column (`.only()`) also comes through here with that column's
        name: the plaintext of other fields, and any write not yet saved, must survive it.
        """
        if fields is None:
            for name in ("_vault_plain", "_vault_pending", "_vault_dirty", "_vault_dek"):
                self.__dict__.pop(name, None)
        else:
            plain = self.__dict__.get("_vault_plain", {})
            for field in self._meta.concrete_fields:
                if field.attname in fields or field.name in fields:
                    plain.pop(field.name, None)
            if {"wrapped_data_key", "key_version", "compartment_id"} & set(fields):
                self.__dict__.pop("_vault_dek", None)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
