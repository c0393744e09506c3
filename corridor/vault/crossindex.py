"""Cross-compartment duplicate checks: hashes that only the intake desk's members can compute.

A person who writes to the desk may already be a case in a compartment the desk member does
not hold; finding that out saves lives, so the check stays (design, "Index keys"). It must not
become a phone lookup for every staff member, so it has keys of its own:

- Whoever writes a case computes `cross_inner` of each identifier (keyed with the server's
  index secret only) and seals that list to the cross-index public key (`cross_seal`). The
  writer needs no desk key and learns nothing new.
- A desk member opens the sealed lists with the key pair derived from the desk
  compartment's key (`cross_open`) and stores `cross_term`s, keyed with a key also derived
  from it and the index secret. Lookups hash a request's identifiers the same way.
- Re-keying the desk compartment rotates both: the lists are re-sealed and the terms rebuilt.

A database copy plus any user's keys tests no guess (no index secret); the server's disk with
no one logged in tests none either (no desk compartment key). What a desk member with the
server secret could still do is written in docs/decisions/0011-index-keys.md.
"""

from __future__ import annotations

import json

from corridor.vault import crypto
from corridor.vault.keyring import Keyring, index_secret
from corridor.vault.models import Compartment, CrossIndex
from corridor.vault.signals import cross_index_opened

TERM_BYTES = 16


def _seed(keyring: Keyring, compartment_id: int, version: int) -> bytes:
    return crypto.keyed_hash(
        keyring.compartment_key(compartment_id, version), b"corridor|cross-seed|v1", 32
    )


def cross_index() -> CrossIndex | None:
    return CrossIndex.objects.first()


def cross_index_open(*, keyring: Keyring, compartment: Compartment) -> CrossIndex:
    """Make `compartment` (the desk's) the holder of the cross index, at its current key."""
    version = Compartment.objects.values_list("key_version", flat=True).get(pk=compartment.pk)
    public, _private = crypto.keypair_from_seed(_seed(keyring, compartment.pk, version))
    found, created = CrossIndex.objects.update_or_create(
        compartment=compartment, defaults={"version": version, "public_key": public}
    )
    if created:
        cross_index_opened.send(sender=CrossIndex, index=found, keyring=keyring)
    return found


def cross_inner(kind: str, normalised: str) -> bytes | None:
    """The server-keyed hash of one identifier: what a writer seals (None if empty)."""
    if not normalised:
        return None
    message = b"corridor|cross|" + kind.encode() + b"\x00" + normalised.encode("utf-8")
    return crypto.keyed_hash(index_secret(), message, TERM_BYTES)


def cross_seal(index: CrossIndex, inners: list[bytes]) -> bytes:
    """Seal a record's inner hashes to the cross index's public key."""
    payload = json.dumps(sorted(inner.hex() for inner in inners)).encode()
    return crypto.seal(bytes(index.public_key), payload)


def cross_open(keyring: Keyring, index: CrossIndex, sealed: bytes, version: int) -> list[bytes]:
    """The inner hashes of one sealed list (sealed at `version` of the desk's key)."""
    _public, private = crypto.keypair_from_seed(_seed(keyring, index.compartment_id, version))
    return [bytes.fromhex(item) for item in json.loads(crypto.unseal(private, sealed))]


def cross_term(keyring: Keyring, index: CrossIndex, inner: bytes, version: int) -> bytes:
    """The stored, searchable term of an inner hash at `version` of the desk's key."""
    key = keyring.index_key(index.compartment_id, version)
    return crypto.keyed_hash(key, b"corridor|cross-term|" + inner, TERM_BYTES)
