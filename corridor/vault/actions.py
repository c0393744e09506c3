"""Key lifecycle actions: each runs in one transaction and writes its audit entry.

These are the only functions that create, seal, unseal or destroy key material in the
database. Compartment keys are sealed to each member and to the organisation recovery key;
revoking a member re-keys the compartment (T3, docs/decisions/0002-vault-keys.md).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from shamir_mnemonic import combine_mnemonics, generate_mnemonics
from shamir_mnemonic.utils import MnemonicError

from corridor.audit.log import audit_record
from corridor.linkage import READING_VERSION
from corridor.vault import crypto
from corridor.vault.bulk import rows_update
from corridor.vault.fields import BlindIndexField
from corridor.vault.keyring import (
    Keyring,
    NotAMember,
    keyring_activated,
    record_data_key,
    record_wrap_data_key,
)
from corridor.vault.models import (
    Compartment,
    KeyWrap,
    Membership,
    Organisation,
    UserKeyPair,
    VaultRecord,
)
from corridor.vault.reads import reads_covered_by
from corridor.vault.signals import compartment_index_rebuilt, compartment_rekeyed

RECOVERY_KDF_OPSLIMIT = 2
RECOVERY_KDF_MEMLIMIT = 64 * 1024 * 1024


class WrongPassphrase(Exception):
    """The passphrase (or recovery code) did not open the user's private key."""


class RecoveryError(Exception):
    """The recovery shares were malformed, too few, or not of this organisation."""


def _recovery_code_generate() -> str:
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _recovery_code_normalise(code: str) -> str:
    letters = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def _wrap_private_key(
    private_key: bytes, secret: str, salt: bytes, ops: int, mem: int, user_id: int
) -> bytes:
    key = crypto.passphrase_key(secret, salt, ops, mem)
    return crypto.aead_encrypt(key, private_key, f"corridor|userkey|{user_id}".encode())


def _unwrap_private_key(
    blob: bytes, secret: str, salt: bytes, ops: int, mem: int, user_id: int
) -> bytes:
    key = crypto.passphrase_key(secret, salt, ops, mem)
    try:
        return crypto.aead_decrypt(key, blob, f"corridor|userkey|{user_id}".encode())
    except crypto.DecryptionError as exc:
        raise WrongPassphrase from exc


def user_keys_create(*, user_id: int, passphrase: str) -> bytes:
    """Give a user a key pair wrapped under their passphrase; returns the private key."""
    public, private = crypto.keypair_generate()
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    ops, mem = settings.CORRIDOR_KDF_OPSLIMIT, settings.CORRIDOR_KDF_MEMLIMIT
    UserKeyPair.objects.create(
        user_id=user_id,
        public_key=public,
        passphrase_wrap=_wrap_private_key(private, passphrase, salt, ops, mem, user_id),
        passphrase_salt=salt,
        kdf_opslimit=ops,
        kdf_memlimit=mem,
    )
    return private


def user_recovery_kit_issue(*, user_id: int, private_key: bytes) -> str:
    """Wrap the private key under a fresh recovery code; the code is shown once, never stored.

    Replaces any earlier kit, so a kit that may have been seen by someone else stops working.
    """
    code = _recovery_code_generate()
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    UserKeyPair.objects.filter(user_id=user_id).update(
        recovery_wrap=_wrap_private_key(
            private_key, code, salt, RECOVERY_KDF_OPSLIMIT, RECOVERY_KDF_MEMLIMIT, user_id
        ),
        recovery_salt=salt,
    )
    return code


def user_keys_unlock(*, user_id: int, passphrase: str) -> bytes:
    pair = UserKeyPair.objects.get(user_id=user_id)
    return _unwrap_private_key(
        bytes(pair.passphrase_wrap),
        passphrase,
        bytes(pair.passphrase_salt),
        pair.kdf_opslimit,
        pair.kdf_memlimit,
        user_id,
    )


def user_keys_unlock_with_recovery_code(*, user_id: int, recovery_code: str) -> bytes:
    pair = UserKeyPair.objects.get(user_id=user_id)
    if pair.recovery_wrap is None or pair.recovery_salt is None:
        raise WrongPassphrase("no recovery kit was issued")
    return _unwrap_private_key(
        bytes(pair.recovery_wrap),
        _recovery_code_normalise(recovery_code),
        bytes(pair.recovery_salt),
        RECOVERY_KDF_OPSLIMIT,
        RECOVERY_KDF_MEMLIMIT,
        user_id,
    )


def user_keys_rewrap(*, user_id: int, private_key: bytes, passphrase: str) -> None:
    """Wrap the same private key under a new passphrase (passphrase change or recovery)."""
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    ops, mem = settings.CORRIDOR_KDF_OPSLIMIT, settings.CORRIDOR_KDF_MEMLIMIT
    UserKeyPair.objects.filter(user_id=user_id).update(
        passphrase_wrap=_wrap_private_key(private_key, passphrase, salt, ops, mem, user_id),
        passphrase_salt=salt,
        kdf_opslimit=ops,
        kdf_memlimit=mem,
    )


def _duress_hash(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return crypto.passphrase_key(passphrase, salt, ops, mem)


def user_duress_set(*, user_id: int, passphrase: str) -> None:
    """Store the verifier of a duress passphrase (decision 0026); replaces an earlier one.

    Argon2id at the cost of the user's own key wrap, so checking it costs what unwrapping
    the private key costs and a login's timing does not say which of the two was typed (T3).
    The verifier opens nothing: a duress login starts a session with a throwaway key.
    """
    pair = UserKeyPair.objects.get(user_id=user_id)
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    verifier = _duress_hash(passphrase, salt, pair.kdf_opslimit, pair.kdf_memlimit)
    UserKeyPair.objects.filter(pk=pair.pk).update(duress_verifier=verifier, duress_salt=salt)


def user_duress_matches(*, user_id: int | None, passphrase: str) -> bool:
    """True if `passphrase` is this user's duress passphrase. Always pays one Argon2id.

    A user without a duress passphrase, or without a key pair, or no user at all, pays a
    decoy derivation at the same cost, so the login's timing does not tell who has set one
    (decision 0026).
    """
    pair = (
        UserKeyPair.objects.filter(user_id=user_id)
        .only("duress_verifier", "duress_salt", "kdf_opslimit", "kdf_memlimit")
        .first()
        if user_id is not None
        else None
    )
    if pair is None or pair.duress_verifier is None or pair.duress_salt is None:
        ops = pair.kdf_opslimit if pair else settings.CORRIDOR_KDF_OPSLIMIT
        mem = pair.kdf_memlimit if pair else settings.CORRIDOR_KDF_MEMLIMIT
        _duress_hash(passphrase, bytes(crypto.SALT_BYTES), ops, mem)
        return False
    candidate = _duress_hash(
        passphrase, bytes(pair.duress_salt), pair.kdf_opslimit, pair.kdf_memlimit
    )
    return secrets.compare_digest(candidate, bytes(pair.duress_verifier))


def user_keys_throwaway() -> bytes:
    """A private key no wrap was ever sealed to: the key of a duress session. Opens nothing."""
    _public, private = crypto.keypair_generate()
    return private


def user_key_wraps_destroy(*, user_id: int) -> int:
    """Delete every compartment key wrap sealed to this user (duress, deactivation)."""
    deleted, _ = KeyWrap.objects.filter(user_id=user_id).delete()
    return deleted


def _public_key(user_id: int) -> bytes:
    return bytes(UserKeyPair.objects.values_list("public_key", flat=True).get(user_id=user_id))


def _recovery_public_key() -> bytes:
    return bytes(Organisation.objects.values_list("recovery_public_key", flat=True).get())


def _seal_for(
    purpose: str, key: bytes, *, user_id: int | None, compartment_id: int | None, version: int
) -> None:
    public = _recovery_public_key() if user_id is None else _public_key(user_id)
    KeyWrap.objects.create(
        purpose=purpose,
        compartment_id=compartment_id,
        version=version,
        user_id=user_id,
        sealed_key=crypto.seal(public, key),
    )


@dataclass(frozen=True)
class OrganisationKeys:
    organisation: Organisation
    recovery_shares: list[str]


def organisation_create(*, name: str, threshold: int, shares: int) -> OrganisationKeys:
    """Create the organisation's recovery key (split into SLIP-39 shares).

    The recovery private key exists only in memory here and in the returned shares, which
    the caller prints once for the trustees (T6). The server keeps only its public half.
    """
    if Organisation.objects.exists():
        raise ValueError("this server already has an organisation")
    if not 1 <= threshold <= shares <= 16:
        raise ValueError("need 1 <= threshold <= shares <= 16")
    public, private = crypto.keypair_generate()
    mnemonics = generate_mnemonics(1, [(threshold, shares)], private)[0]
    with transaction.atomic():
        org = Organisation.objects.create(
            name=name,
            recovery_public_key=public,
            recovery_threshold=threshold,
            recovery_shares=shares,
        )
        audit_record(
            actor_id=None,
            action="organisation.create",
            object_type="organisation",
            object_id=str(org.pk),
        )
    return OrganisationKeys(organisation=org, recovery_shares=list(mnemonics))


def recovery_private_key(shares: list[str], *, public_key: bytes | None = None) -> bytes:
    """The organisation recovery private key, rebuilt from k SLIP-39 shares, or RecoveryError.

    Checked against `public_key` (default: this server's organisation), so shares of another
    organisation, too few shares or a mistyped word give a clear error and no key. For every
    caller that turns trustees' shares into the key (recovery drill, restore of a backup).
    """
    private = recovery_shares_combine(shares)
    expected = _recovery_public_key() if public_key is None else public_key
    if crypto.public_key_of(private) != expected:
        raise RecoveryError("these shares do not rebuild this organisation's recovery key")
    return private


def recovery_shares_combine(shares: list[str]) -> bytes:
    """The 32-byte secret k SLIP-39 shares rebuild, unchecked, or RecoveryError. A restore
    of a backup has no organisation to check it against yet (corridor.lifecycle)."""
    if not shares:
        raise RecoveryError("no shares were given")
    try:
        private = combine_mnemonics([" ".join(s.split()) for s in shares])
    except (MnemonicError, ValueError) as exc:
        raise RecoveryError(str(exc)) from exc
    if len(private) != crypto.KEY_BYTES:
        raise RecoveryError("the shares do not hold a 32-byte recovery key")
    return private


def recovery_keyring(shares: list[str]) -> Keyring:
    """A keyring holding the organisation recovery key, rebuilt from k SLIP-39 shares."""
    return Keyring(user_id=None, private_key=recovery_private_key(shares))


def compartment_create(
    *, actor_id: int | None, name: str, member_ids: Iterable[int] = ()
) -> Compartment:
    """A new compartment whose key is sealed to the organisation and to its first members.

    The key goes from memory to the recovery key and to each of `member_ids`; the actor is
    a member only if named there, so an administrator who creates a compartment reads its
    cases only by choosing to (T3, docs/decisions/0012-separation-of-duties.md).
    """
    with transaction.atomic():
        compartment = Compartment.objects.create(name=name)
        key = crypto.random_key()
        _seal_for(KeyWrap.COMPARTMENT, key, user_id=None, compartment_id=compartment.pk, version=1)
        audit_record(
            actor_id=actor_id,
            action="compartment.create",
            object_type="compartment",
            object_id=str(compartment.pk),
        )
        for user_id in dict.fromkeys(member_ids):
            _seal_for(
                KeyWrap.COMPARTMENT, key, user_id=user_id, compartment_id=compartment.pk, version=1
            )
            Membership.objects.create(user_id=user_id, compartment=compartment)
            audit_record(
                actor_id=actor_id,
                action="membership.grant",
                object_type="user",
                object_id=f"{user_id}:{compartment.pk}",
            )
    return compartment


def membership_grant(
    *, keyring: Keyring, actor_id: int | None, compartment: Compartment, user_id: int
) -> None:
    """Seal the compartment's current key (which also gives its index key) to a new member."""
    with transaction.atomic():
        compartment = Compartment.objects.select_for_update(no_key=True).get(pk=compartment.pk)
        if Membership.objects.filter(user_id=user_id, compartment=compartment).exists():
            return
        key = keyring.compartment_key(compartment.pk, compartment.key_version)
        _seal_for(
            KeyWrap.COMPARTMENT,
            key,
            user_id=user_id,
            compartment_id=compartment.pk,
            version=compartment.key_version,
        )
        Membership.objects.create(user_id=user_id, compartment=compartment)
        audit_record(
            actor_id=actor_id,
            action="membership.grant",
            object_type="user",
            object_id=f"{user_id}:{compartment.pk}",
        )


def _vault_models() -> list[type[VaultRecord]]:
    return [m for m in apps.get_models() if issubclass(m, VaultRecord)]


def membership_revoke(
    *, keyring: Keyring, actor_id: int | None, compartment: Compartment, user_id: int
) -> int:
    """Remove a member and re-key the compartment; returns the number of records re-wrapped.

    A new compartment key is sealed to the remaining members and the recovery key, and every
    record's data key is re-wrapped under it, so a revoked user who kept an old compartment
    key opens nothing written or re-wrapped afterwards (T3). Every wrap of the old key is
    destroyed. Field ciphertexts are not re-encrypted: the revoked user could already read
    them, and their data keys are no longer stored under any key they hold. The index key
    is derived from the compartment key, so it rotates too: every keyed hash of the
    compartment is rebuilt under the new one in the same transaction, and the old key
    matches nothing stored afterwards (docs/decisions/0011-index-keys.md).
    """
    with transaction.atomic():
        compartment = Compartment.objects.select_for_update(no_key=True).get(pk=compartment.pk)
        old_version = compartment.key_version
        old_key = keyring.compartment_key(compartment.pk, old_version)
        Membership.objects.filter(user_id=user_id, compartment=compartment).delete()
        new_version = old_version + 1
        new_key = crypto.random_key()
        _seal_for(
            KeyWrap.COMPARTMENT,
            new_key,
            user_id=None,
            compartment_id=compartment.pk,
            version=new_version,
        )
        for member_id in Membership.objects.filter(compartment=compartment).values_list(
            "user_id", flat=True
        ):
            _seal_for(
                KeyWrap.COMPARTMENT,
                new_key,
                user_id=member_id,
                compartment_id=compartment.pk,
                version=new_version,
            )
        rewrapped = 0
        rekey = Keyring(user_id=None, private_key=b"")
        rekey.hold_compartment_key(compartment.pk, old_version, old_key)
        rekey.hold_compartment_key(compartment.pk, new_version, new_key)
        with keyring_activated(rekey):
            for model in _vault_models():
                for record in (
                    model._default_manager.filter(compartment=compartment)
                    .exclude(wrapped_data_key=b"")  # purged: no key left to re-wrap (0024)
                    .only(*VaultRecord.KEY_FIELDS)
                    .iterator(chunk_size=500)
                ):
                    dek = record_data_key(record)
                    record_wrap_data_key(record, dek, new_key, new_version)
                    model._default_manager.filter(pk=record.pk).update(
                        key_version=new_version, wrapped_data_key=record.wrapped_data_key
                    )
                    rewrapped += 1
        KeyWrap.objects.filter(
            purpose=KeyWrap.COMPARTMENT, compartment=compartment, version__lte=old_version
        ).delete()
        compartment.key_version = new_version
        compartment.save(update_fields=["key_version"])
        compartment_index_rebuild(
            keyring=rekey, compartment=compartment, actor_id=actor_id, previous_version=old_version
        )
        compartment_rekeyed.send(
            sender=Compartment, compartment=compartment, keyring=keyring, actor_id=actor_id
        )
        audit_record(
            actor_id=actor_id,
            action="membership.revoke",
            object_type="user",
            object_id=f"{user_id}:{compartment.pk}",
        )
    return rewrapped


def _blind_index_rebuild(model: type[VaultRecord], compartment: Compartment) -> int:
    """Recompute every BlindIndexField of `model`'s records in `compartment` from plaintext."""
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    if not indexes:
        return 0
    sources = {index.source for index in indexes}
    records = (
        model._default_manager.filter(compartment=compartment)
        .only(*VaultRecord.KEY_FIELDS, *(f"{source}_sealed" for source in sources))
        .iterator(chunk_size=500)
    )
    done = 0
    batch: list[list[Any]] = []
    for record in records:
        batch.append(
            [
                *(index.digest_of(record, getattr(record, index.source)) for index in indexes),
                record.pk,
            ]
        )
        if len(batch) == 500:
            rows_update(model, [index.column for index in indexes], batch)
            done += len(batch)
            batch = []
    rows_update(model, [index.column for index in indexes], batch)
    return done + len(batch)


def compartment_index_rebuild(
    *,
    keyring: Keyring,
    compartment: Compartment,
    actor_id: int | None,
    previous_version: int | None = None,
) -> None:
    """Rebuild every keyed hash of `compartment` under its current index key.

    Run inside the re-key (membership_revoke) and by `manage.py index_rebuild` (after the
    index secret changed, or to move an older database to per-compartment keys). The keyring
    must open the compartment's current key (and `previous_version`'s, when the apps need to
    open what was sealed under it). The vault recomputes the records' own BlindIndexFields;
    apps that keep term tables rebuild them on `compartment_index_rebuilt`, in the same
    transaction, and the compartment records the reading they were built with (decision
    0045). What it opens to re-hash is returned to no one, so its own entry on the
    compartment covers it in the request's read check (corridor.vault.reads).
    """
    with (
        transaction.atomic(),
        keyring_activated(keyring),
        reads_covered_by("compartment", compartment.pk),
    ):
        # As the re-key does: no re-key may replace the key while its hashes are rewritten.
        locked = Compartment.objects.select_for_update(no_key=True).get(pk=compartment.pk)
        if locked.key_version != compartment.key_version:
            raise NotAMember("the compartment was re-keyed meanwhile")
        for model in _vault_models():
            _blind_index_rebuild(model, compartment)
        compartment_index_rebuilt.send(
            sender=Compartment,
            compartment=compartment,
            keyring=keyring,
            previous_version=previous_version,
            actor_id=actor_id,
        )
        Compartment.objects.filter(pk=compartment.pk).update(hashes_reading=READING_VERSION)
        compartment.hashes_reading = READING_VERSION
        audit_record(
            actor_id=actor_id,
            action="vault.index_rebuild",
            object_type="compartment",
            object_id=str(compartment.pk),
        )


def _reseal(compartment: Compartment, key: bytes, user_id: int) -> None:
    """Replace any wrap of `compartment`'s key held for `user_id` by one of its current key."""
    KeyWrap.objects.filter(
        purpose=KeyWrap.COMPARTMENT, compartment=compartment, user_id=user_id
    ).delete()
    _seal_for(
        KeyWrap.COMPARTMENT,
        key,
        user_id=user_id,
        compartment_id=compartment.pk,
        version=compartment.key_version,
    )


def access_restore(*, recovery: Keyring, user_id: int, actor_id: int | None = None) -> int:
    """Seal every compartment key to `user_id` from the recovery keyring.

    Used after a lockdown or when the last member of a compartment is gone (T6). Returns the
    number of compartments restored.
    """
    with transaction.atomic():
        restored = 0
        for compartment in Compartment.objects.select_for_update(no_key=True).order_by("pk"):
            key = recovery.compartment_key(compartment.pk, compartment.key_version)
            _reseal(compartment, key, user_id)
            Membership.objects.get_or_create(user_id=user_id, compartment=compartment)
            restored += 1
        audit_record(
            actor_id=actor_id, action="vault.recover", object_type="user", object_id=str(user_id)
        )
    return restored


def access_restore_members(
    *, recovery: Keyring, user_ids: Iterable[int] | None = None, actor_id: int | None = None
) -> int:
    """Re-seal every compartment's key to its recorded members (after a lockdown, T6).

    Memberships survive a lockdown; only the wraps went. With `user_ids`, only those members
    get their compartments back (the users the trustees name); others stay locked out until
    a member grants them again. Returns the number of wraps sealed.
    """
    from django.contrib.auth import get_user_model

    active = get_user_model().objects.filter(is_active=True, keypair__isnull=False)
    if user_ids is not None:
        active = active.filter(pk__in=list(user_ids))
    allowed = set(active.values_list("pk", flat=True))
    sealed = 0
    with transaction.atomic():
        for compartment in Compartment.objects.select_for_update(no_key=True).order_by("pk"):
            key = recovery.compartment_key(compartment.pk, compartment.key_version)
            members = Membership.objects.filter(compartment=compartment).values_list(
                "user_id", flat=True
            )
            for user_id in sorted(set(members) & allowed):
                _reseal(compartment, key, user_id)
                sealed += 1
        audit_record(
            actor_id=actor_id,
            action="vault.recover_members",
            object_type="organisation",
            object_id=str(Organisation.objects.values_list("pk", flat=True).first()),
        )
    return sealed
