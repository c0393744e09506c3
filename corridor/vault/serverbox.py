"""Values the server itself must read with nobody logged in (decision 0039).

Everything sensitive opens only with a member's keys, except what the worker needs on its
own: today a staff member's address for content-free e-mail notices. Such a value is sealed
with the vault's XChaCha20-Poly1305 under a key derived (keyed BLAKE2b, a purpose label)
from the server's index secret, CORRIDOR_INDEX_SECRET, which lives outside the database. The
row's identity is the associated data, so a sealed value copied into another row fails to
open. A copy of the database alone (a dump, a stolen backup of the data directory) shows no
address; whoever also holds the server's secrets opens them, as the running server does.
Changing the index secret leaves these values unreadable: the owner enters them again.
"""

from __future__ import annotations

from corridor.vault import crypto
from corridor.vault.keyring import index_secret

_LABEL = b"corridor|server-box|"


class ServerBoxUnreadable(Exception):
    """The value does not open under this server's secret (changed, or not this row's)."""


def _key(purpose: str) -> bytes:
    return crypto.keyed_hash(index_secret(), _LABEL + purpose.encode(), crypto.KEY_BYTES)


def _aad(purpose: str, bound_to: str) -> bytes:
    return _LABEL + purpose.encode() + b"|" + bound_to.encode()


def server_seal(purpose: str, plaintext: bytes, *, bound_to: str) -> bytes:
    return crypto.aead_encrypt(_key(purpose), plaintext, _aad(purpose, bound_to))


def server_open(purpose: str, blob: bytes, *, bound_to: str) -> bytes:
    try:
        return crypto.aead_decrypt(_key(purpose), bytes(blob), _aad(purpose, bound_to))
    except crypto.DecryptionError as error:
        raise ServerBoxUnreadable(purpose) from error
