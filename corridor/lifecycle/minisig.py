"""Detached signatures in minisign's format, made with the organisation's signing key.

A backup is signed after it is written, so its integrity can be checked without decrypting
it, by `backup_verify` or by the stock `minisign -V` (decision 0024). The format is minisign's
prehashed one ("ED"): an Ed25519 signature over BLAKE2b-512 of the file, then a global
signature over that signature and the trusted comment, which names what was signed. The key
is the pinned audit signing key (decision 0013); its minisign public key is the same 32 bytes
with an 8-byte key id derived from them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from corridor.vault import crypto

CHUNK = 1 << 20


class SignatureError(Exception):
    """The signature file is missing, malformed, or does not verify."""


def key_id(public_key: bytes) -> bytes:
    return hashlib.blake2b(public_key, digest_size=8, person=b"corridor-minisig").digest()


def public_key_text(public_key: bytes) -> str:
    """The minisign public key (the string `minisign -P` takes)."""
    return base64.b64encode(b"Ed" + key_id(public_key) + public_key).decode("ascii")


def file_digest(path: Path) -> bytes:
    hasher = hashlib.blake2b(digest_size=64)
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            hasher.update(block)
    return hasher.digest()


def sign_file(seed: bytes, path: Path, trusted_comment: str, digest: bytes | None = None) -> str:
    """The text of `path`.minisig (pass `digest` if it was computed while writing)."""
    if "\n" in trusted_comment:
        raise ValueError("a trusted comment is one line")
    public = crypto.signing_public_key(seed)
    digest = digest if digest is not None else file_digest(path)
    signature = crypto.sign(seed, digest)
    comment = trusted_comment.encode("utf-8")
    global_signature = crypto.sign(seed, signature + comment)
    return (
        f"untrusted comment: signature from the corridor key {key_id(public).hex().upper()}\n"
        f"{base64.b64encode(b'ED' + key_id(public) + signature).decode('ascii')}\n"
        f"trusted comment: {trusted_comment}\n"
        f"{base64.b64encode(global_signature).decode('ascii')}\n"
    )


@dataclass(frozen=True)
class Verified:
    public_key: bytes
    trusted_comment: str


def verify_file(path: Path, signature_text: str, public_keys: list[bytes]) -> Verified:
    """Check `signature_text` over `path` under one of `public_keys`, or SignatureError."""
    lines = signature_text.splitlines()
    if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
        raise SignatureError("the signature file is not in minisign format")
    try:
        blob = base64.b64decode(lines[1], validate=True)
        global_signature = base64.b64decode(lines[3], validate=True)
    except ValueError as exc:
        raise SignatureError("the signature file is not in minisign format") from exc
    if len(blob) != 74 or blob[:2] != b"ED" or len(global_signature) != 64:
        raise SignatureError("the signature is not a prehashed Ed25519 minisign signature")
    ident, signature = blob[2:10], blob[10:]
    candidates = [key for key in public_keys if key_id(key) == ident]
    if not candidates:
        raise SignatureError(
            f"the backup is signed by key {ident.hex().upper()}, which is not the pinned "
            "signing key of this organisation"
        )
    comment = lines[2][len("trusted comment: ") :]
    digest = file_digest(path)
    for key in candidates:
        if crypto.signature_valid(key, digest, signature):
            if not crypto.signature_valid(
                key, signature + comment.encode("utf-8"), global_signature
            ):
                raise SignatureError("the trusted comment of the signature was altered")
            return Verified(key, comment)
    raise SignatureError(
        "the signature does not match the file: it was altered or truncated after signing"
    )
