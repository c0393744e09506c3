"""Encrypted model fields and keyed-hash index fields.

Apps declare `name = EncryptedTextField()` on a VaultRecord and read and write `obj.name`
as plain text; the column (`name_sealed`) holds only XChaCha20-Poly1305 ciphertext bound to
table, column and record id. `name_index = BlindIndexField(source="name", kind="name")`
holds a truncated keyed BLAKE2b of the normalised value for equality search, under the
record's compartment's own index key (T1: the database alone reveals neither the values nor,
without that key and the server's index secret, whether two match; T3: a member of one
compartment cannot test a guess against another's: docs/decisions/0011-index-keys.md).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

from django.db import models

from corridor.linkage.phones import phone_normalise
from corridor.vault import crypto
from corridor.vault.keyring import current_keyring, field_aad, record_data_key
from corridor.vault.reads import record_opened


def normalise_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


NORMALISERS: dict[str, Callable[[str], str]] = {
    "text": normalise_text,
    "phone": phone_normalise,  # the linkage engine's E.164 form, so both agree
}


def _state(instance: models.Model) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    state = instance.__dict__
    return (
        state.setdefault("_vault_plain", {}),
        state.setdefault("_vault_pending", {}),
        state.setdefault("_vault_dirty", set()),
    )


class _PlaintextDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        state = instance.__dict__
        plain = state.get("_vault_plain")
        if plain is None:
            plain = state["_vault_plain"] = {}
        name = self.field.name
        if name not in plain:
            blob = getattr(instance, self.field.attname)
            plain[name] = None if blob is None else self.field.decrypt(instance, blob)
        return plain[name]

    def __set__(self, instance: models.Model, value: Any) -> None:
        plain, pending, dirty = _state(instance)
        name = self.field.name
        plain[name] = value
        pending[name] = value
        dirty.add(name)
        # A column deferred by .only() would be left out of the save: mark it (and the
        # keyed-hash indexes of this field) as loaded, so pre_save writes the new value.
        state = instance.__dict__
        state.setdefault(self.field.attname, None)
        for field in instance._meta.concrete_fields:
            if isinstance(field, BlindIndexField) and field.source == name:
                state.setdefault(field.attname, None)


class EncryptedField(models.BinaryField):
    """Ciphertext column with a plaintext attribute. Subclasses define encode/decode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_attname(self) -> str:
        return f"{self.name}_sealed"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, name, _PlaintextDescriptor(self))

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError

    def decrypt(self, instance: models.Model, blob: bytes) -> Any:
        """The plaintext, noted as opened for this request's audit check (vault.reads, T3).

        A record whose data key was destroyed by retention (crypto-shredded, decision 0024)
        reads as None, as a field never written does: nothing can open it any more.
        """
        if instance.__dict__.get("wrapped_data_key") == b"":
            return None
        data = crypto.aead_decrypt(
            record_data_key(instance), blob, field_aad(instance, self.column)
        )
        record_opened(instance)
        return self.decode(data)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        _plain, pending, _dirty = _state(model_instance)
        if self.name in pending:
            value = pending.pop(self.name)
            blob = None
            if value is not None:
                key = record_data_key(model_instance)
                blob = crypto.aead_encrypt(
                    key, self.encode(value), field_aad(model_instance, self.column)
                )
            setattr(model_instance, self.attname, blob)
        return getattr(model_instance, self.attname)


class EncryptedTextField(EncryptedField):
    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedBytesField(EncryptedField):
    """Raw bytes: a small file kept in its record's row (a case's attachment, at most 5 MB),
    so it is written and shredded in the same transaction as the record (decision 0040)."""

    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, data: bytes) -> bytes:
        return bytes(data)


class EncryptedJSONField(EncryptedField):
    """Any JSON value: lists of aliases, structured contact details."""

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


def index_digest(kind: str, normalised: str, *, compartment_id: int, version: int) -> bytes | None:
    """A compartment's keyed hash of an already normalised value (None if empty).

    For apps that derive several search keys from one value (corridor.cases.search): `kind`
    separates domains, so equal text under two kinds never gives equal digests. The digest
    is keyed with the compartment's index key at `version` (its current key version), which
    the active keyring must open.
    """
    if not normalised:
        return None
    message = kind.encode() + b"\x00" + normalised.encode("utf-8")
    key = current_keyring().index_key(compartment_id, version)
    return crypto.keyed_hash(key, message, BlindIndexField.SIZE)


def index_digests(kind: str, normalised: str) -> list[bytes]:
    """The digests of a value in every compartment the active keyring opens, for a search."""
    found = (
        index_digest(kind, normalised, compartment_id=pk, version=version)
        for pk, version in current_keyring().searchable()
    )
    return [digest for digest in found if digest is not None]


def index_value(
    kind: str, value: str, normaliser: str = "text", *, compartment_id: int, version: int
) -> bytes | None:
    """The keyed hash that a BlindIndexField of `kind` stores for `value` (None if empty)."""
    return index_digest(
        kind, NORMALISERS[normaliser](value), compartment_id=compartment_id, version=version
    )


class BlindIndexField(models.BinaryField):
    """Truncated keyed hash of another field's normalised plaintext, for equality search.

    16 bytes: collisions stay negligible for any realistic number of records while the
    stored value says less than a full digest would.
    """

    SIZE = 16

    def __init__(
        self, *args: Any, source: str, kind: str, normaliser: str = "text", **kwargs: Any
    ) -> None:
        self.source = source
        self.kind = kind
        self.normaliser = normaliser
        kwargs.setdefault("null", True)
        kwargs.setdefault("max_length", self.SIZE)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind, normaliser=self.normaliser)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        _plain, _pending, dirty = _state(model_instance)
        if self.source in dirty:
            value = getattr(model_instance, self.source)
            setattr(model_instance, self.attname, self.digest_of(model_instance, value))
        return getattr(model_instance, self.attname)

    def digest_of(self, record: Any, value: str | None) -> bytes | None:
        """The digest this field stores for `value` on `record` (its compartment and version)."""
        if not value:
            return None
        return index_value(
            self.kind,
            value,
            self.normaliser,
            compartment_id=record.compartment_id,
            version=record.key_version,
        )

    def lookup(self, value: str) -> list[bytes]:
        return index_digests(self.kind, NORMALISERS[self.normaliser](value))


def index_lookup(model: type[models.Model], field_name: str, value: str) -> list[bytes]:
    """The keyed hashes to filter `model.field_name__in` by, for a value typed by a user: one
    per compartment the active keyring opens."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"{model._meta.label}.{field_name} is not a keyed-hash index")
    return field.lookup(value)
