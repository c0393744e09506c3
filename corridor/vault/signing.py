"""The organisation's evidence signing key and minisign's file formats (decision 0020).

A package's tag manifest is signed so a court checks it with the stock `minisign -V` and
nothing of ours. minisign is Ed25519 with a documented text format, so this module writes it
with the vault's own Ed25519 (`crypto.sign`, libsodium's crypto_sign_detached) instead of a
new dependency:

- public key: `untrusted comment: ...` then base64 of "Ed" || key id (8 bytes) || key (32);
- signature: `untrusted comment: ...`, base64 of "ED" || key id || Ed25519(BLAKE2b-512(file)),
  `trusted comment: ...`, base64 of Ed25519(signature || trusted comment). "ED" is minisign's
  prehashed algorithm (the default since minisign 0.10), so a file of any size is hashed in
  one pass and the signature covers 64 bytes.

**Which key.** The evidence key is derived from the audit signing seed (decision 0013) with
keyed BLAKE2b under a purpose label, not the audit key itself: a package signature can never
be mistaken for (or replayed as) an audit checkpoint signature and the reverse, yet there is
no second secret file to lose or back up. Whoever holds the audit seed holds this key; a
rotation of the audit key rotates it too, and the old public key must stay published for the
packages it signed.
"""

from __future__ import annotations

import base64
import hashlib

from corridor.vault import crypto

_PURPOSE = b"corridor|evidence-signing|v1"
_PUBLIC_ALG = b"Ed"
_PREHASHED_ALG = b"ED"


class SignatureInvalid(Exception):
    """The signature does not verify (its text names what is wrong)."""


def evidence_seed() -> bytes:
    from corridor.audit.checkpoints import signing_seed

    return crypto.keyed_hash(signing_seed(), _PURPOSE, crypto.KEY_BYTES)


def key_id(public_key: bytes) -> bytes:
    """minisign's 8-byte key id: ours is the first 8 bytes of BLAKE2b of the public key."""
    return crypto.digest(public_key)[:8]


def key_id_hex(public_key: bytes) -> str:
    # minisign prints the id as a little-endian 64-bit number in upper-case hex
    return key_id(public_key)[::-1].hex().upper()


def public_key_minisign(public_key: bytes) -> str:
    """The public key file `minisign -p` reads (two lines)."""
    blob = base64.b64encode(_PUBLIC_ALG + key_id(public_key) + public_key).decode("ascii")
    return f"untrusted comment: minisign public key {key_id_hex(public_key)}\n{blob}\n"


def evidence_public_key() -> bytes:
    return crypto.signing_public_key(evidence_seed())


def sign_minisign(seed: bytes, message_hash: bytes, trusted_comment: str) -> str:
    """A minisign signature file over a file whose BLAKE2b-512 is `message_hash`."""
    if "\n" in trusted_comment or "\r" in trusted_comment:
        raise ValueError("a trusted comment is one line")
    public = crypto.signing_public_key(seed)
    signature = crypto.sign(seed, message_hash)
    global_sig = crypto.sign(seed, signature + trusted_comment.encode("utf-8"))
    sig_blob = base64.b64encode(_PREHASHED_ALG + key_id(public) + signature).decode("ascii")
    return (
        f"untrusted comment: signature from corridor secret key {key_id_hex(public)}\n"
        f"{sig_blob}\n"
        f"trusted comment: {trusted_comment}\n"
        f"{base64.b64encode(global_sig).decode('ascii')}\n"
    )


def file_prehash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=64).digest()


def public_key_parse(text: str) -> bytes:
    lines = [line for line in text.splitlines() if line.strip()]
    blob = lines[-1] if lines else ""
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError as exc:
        raise SignatureInvalid("the public key is not base64") from exc
    if len(raw) != 42 or raw[:2] != _PUBLIC_ALG:
        raise SignatureInvalid("the public key is not a minisign Ed25519 key")
    return raw[10:]


def verify_minisign(public_key: bytes, data: bytes, signature_text: str) -> str:
    """Verify a minisign signature (prehashed or legacy); returns the trusted comment."""
    lines = signature_text.splitlines()
    if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
        raise SignatureInvalid("the signature file is not in minisign's format")
    try:
        raw = base64.b64decode(lines[1], validate=True)
        global_sig = base64.b64decode(lines[3], validate=True)
    except ValueError as exc:
        raise SignatureInvalid("the signature is not base64") from exc
    if len(raw) != 74:
        raise SignatureInvalid("the signature has the wrong length")
    alg, kid, signature = raw[:2], raw[2:10], raw[10:]
    if kid != key_id(public_key):
        raise SignatureInvalid("the signature was made by another key")
    if alg == _PREHASHED_ALG:
        message = file_prehash(data)
    elif alg == _PUBLIC_ALG:
        message = data
    else:
        raise SignatureInvalid("unknown signature algorithm")
    if not crypto.signature_valid(public_key, message, signature):
        raise SignatureInvalid("the signature does not match the file")
    trusted = lines[2][len("trusted comment: ") :]
    if not crypto.signature_valid(public_key, signature + trusted.encode("utf-8"), global_sig):
        raise SignatureInvalid("the trusted comment was altered")
    return trusted
