"""Keys unlocked for one user for the length of one request or one job.

A Keyring holds a user's private key (or, during recovery, the organisation recovery key)
and opens compartment keys, their index keys and record data keys on demand, caching each
for its own lifetime only. The active keyring lives in a context variable set by the vault
middleware, so encrypted fields can open without every caller passing keys around; with no
active keyring every sensitive field refuses to open (VaultLocked).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from corridor.vault import crypto

if TYPE_CHECKING:
    from corridor.vault.models import VaultRecord


class VaultLocked(Exception):
    """Sensitive data was touched with no unlocked keyring (no logged-in, verified user)."""


class NotAMember(Exception):
    """The keyring holds no wrap of this compartment's key: need-to-know refused it."""


class KeyCache(Protocol):
    """Somewhere to keep opened keys between requests, encrypted (see vault.session)."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, key: bytes) -> None: ...


class Keyring:
    def __init__(
        self, *, user_id: int | None, private_key: bytes, cache: KeyCache | None = None
    ) -> None:
        self.user_id = user_id  # None: the organisation recovery key
        self._private_key = private_key
        self._keys: dict[tuple[str, int | None, int], bytes] = {}
        self._cache = cache
        self._searchable: list[tuple[int, int]] | None = None

    @property
    def private_key(self) -> bytes:
        """The unwrapped private key, for re-wrapping under a new passphrase only."""
        return self._private_key

    def _open(self, purpose: str, compartment_id: int | None, version: int) -> bytes:
        cache_key = (purpose, compartment_id, version)
        key = self._keys.get(cache_key)
        if key is None:
            name = f"{purpose}:{compartment_id}:{version}"
            key = self._cache.get(name) if self._cache is not None else None
            if key is None:
                key = self._unseal_wrap(purpose, compartment_id, version)
                if self._cache is not None:
                    self._cache.put(name, key)
            self._keys[cache_key] = key
        return key

    def _unseal_wrap(self, purpose: str, compartment_id: int | None, version: int) -> bytes:
        from corridor.vault.models import KeyWrap

        # None means "the organisation recovery key" / "no compartment": IS NULL.
        lookup: dict[str, Any] = {"compartment_id": compartment_id, "user_id": self.user_id}
        sealed = (
            KeyWrap.objects.filter(purpose=purpose, version=version, **lookup)
            .values_list("sealed_key", flat=True)
            .first()
        )
        if sealed is None:
            raise NotAMember(f"no {purpose} key wrap for this user")
        return crypto.unseal(self._private_key, bytes(sealed))

    def compartment_key(self, compartment_id: int, version: int) -> bytes:
        return self._open("compartment", compartment_id, version)

    def index_key(self, compartment_id: int, version: int) -> bytes:
        """The compartment's index key at `version` (docs/decisions/0011-index-keys.md).

        Derived in memory from the compartment key and the server's index secret, so it
        rotates with the compartment key and is never stored or cached in the session.
        """
        cache_key = ("index", compartment_id, version)
        key = self._keys.get(cache_key)
        if key is None:
            key = crypto.index_key_derive(
                self.compartment_key(compartment_id, version), index_secret()
            )
            self._keys[cache_key] = key
        return key

    def searchable(self) -> list[tuple[int, int]]:
        """(compartment id, current key version) of every compartment this keyring opens."""
        if self._searchable is None:
            from corridor.vault.models import KeyWrap

            # None means "the organisation recovery key": its wraps have no user.
            owner: dict[str, Any] = {"user_id": self.user_id}
            self._searchable = list(
                KeyWrap.objects.filter(
                    purpose="compartment", version=models.F("compartment__key_version"), **owner
                )
                .order_by("compartment_id")
                .values_list("compartment_id", "version")
            )
        return self._searchable

    def hold_compartment_key(self, compartment_id: int, version: int, key: bytes) -> None:
        """Put an already-open compartment key on this keyring (re-keying jobs)."""
        self._keys[("compartment", compartment_id, version)] = key

    def may_open(self, compartment_id: int, version: int) -> bool:
        try:
            self.compartment_key(compartment_id, version)
        except NotAMember:
            return False
        return True


DEMO_INDEX_SECRET = "corridor-demo-index-secret-not-secret"  # noqa: S105 - demo only


def index_secret() -> bytes:
    """The 32-byte server secret that keys every stored search hash (CORRIDOR_INDEX_SECRET).

    Kept outside the database (environment or `_FILE`), so a database copy plus a member's
    keys cannot test a guessed phone offline. Changing it orphans every stored hash until
    `manage.py index_rebuild`. The demo falls back to a fixed, public value; production
    refuses to start an index without it.
    """
    value = settings.CORRIDOR_INDEX_SECRET
    if not value:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "CORRIDOR_INDEX_SECRET (or _FILE) must be set in production."
            )
        value = DEMO_INDEX_SECRET
    return _index_secret_of(value)


@functools.lru_cache(maxsize=4)
def _index_secret_of(value: str) -> bytes:
    return crypto.digest(b"corridor|index-secret|" + value.encode("utf-8"))


_active: ContextVar[Keyring | None] = ContextVar("corridor_keyring", default=None)


def current_keyring() -> Keyring:
    keyring = _active.get()
    if keyring is None:
        raise VaultLocked("no unlocked keyring: log in to read or write sensitive data")
    return keyring


def active_keyring() -> Keyring | None:
    return _active.get()


@contextlib.contextmanager
def keyring_activated(keyring: Keyring | None) -> Iterator[Keyring | None]:
    token = _active.set(keyring)
    try:
        yield keyring
    finally:
        _active.reset(token)


def _pk_text(record: Any) -> str:
    pk_text: str | None = record.__dict__.get("_vault_pk_text")
    if pk_text is None:
        pk_text = record.__dict__["_vault_pk_text"] = str(record.pk)
    return pk_text


def _data_key_aad(record: VaultRecord, compartment_id: int, version: int) -> bytes:
    return f"corridor|{record._meta.db_table}|{_pk_text(record)}|dek|{compartment_id}|{version}".encode()


def record_data_key(record: Any) -> bytes:
    """The record's own data key, unwrapped with its compartment key (cached on the row)."""
    cached: bytes | None = record.__dict__.get("_vault_dek")
    if cached is not None:
        return cached
    keyring = current_keyring()
    key = keyring.compartment_key(record.compartment_id, record.key_version)
    dek = crypto.aead_decrypt(
        key,
        record.wrapped_data_key,
        _data_key_aad(record, record.compartment_id, record.key_version),
    )
    record.__dict__["_vault_dek"] = dek
    return dek


def record_wrap_data_key(
    record: VaultRecord, dek: bytes, compartment_key: bytes, version: int
) -> None:
    record.key_version = version
    record.wrapped_data_key = crypto.aead_encrypt(
        compartment_key, dek, _data_key_aad(record, record.compartment_id, version)
    )
    record.__dict__["_vault_dek"] = dek


def record_prepare(record: VaultRecord) -> None:
    """Give a new record its data key, wrapped under its compartment's current key."""
    if record.wrapped_data_key:
        return
    from corridor.vault.models import Compartment

    version = Compartment.objects.values_list("key_version", flat=True).get(
        pk=record.compartment_id
    )
    key = current_keyring().compartment_key(record.compartment_id, version)
    record_wrap_data_key(record, crypto.random_key(), key, version)


def field_aad(record: Any, column: str) -> bytes:
    return f"corridor|{record._meta.db_table}|{column}|{_pk_text(record)}".encode()
