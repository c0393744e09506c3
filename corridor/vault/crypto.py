"""The only module in Corridor that touches libsodium (through PyNaCl).

Every primitive here has a name in libsodium; nothing is home-made (design: "Key hierarchy").
Other apps never import this module directly: they use the vault's fields and actions, and
the audit chain uses the hashing and signing helpers at the bottom.
"""

from __future__ import annotations

import nacl.bindings as sodium
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.signing
import nacl.utils

# PyNaCl's compiled libsodium binding, for the one hot path that skips its Python wrapper.
from nacl._sodium import ffi as _ffi
from nacl._sodium import lib as _lib
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_BYTES = 32
_ABYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES


class DecryptionError(Exception):
    """A ciphertext did not open: wrong key, wrong associated data, or tampering."""


def random_bytes(size: int) -> bytes:
    return nacl.utils.random(size)


def random_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """XChaCha20-Poly1305 with a random 192-bit nonce, returned as nonce || ciphertext.

    The associated data names table, field and record, so a ciphertext copied into another
    row or field fails to open instead of showing one person's data as another's.
    """
    nonce = nacl.utils.random(NONCE_BYTES)
    return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def aead_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Open nonce || ciphertext, or raise DecryptionError.

    This is the vault's hot path (every field of every row shown), so it calls libsodium's
    `crypto_aead_xchacha20poly1305_ietf_decrypt` through PyNaCl's compiled cffi module
    directly, with the same length checks PyNaCl's wrapper makes: the wrapper's argument
    checks cost about 2.5 us a call, twice the decryption itself (docs/decisions/0005).
    `test_crypto.py` checks this path against `nacl.bindings` on random inputs.
    """
    if not isinstance(blob, bytes):
        blob = bytes(blob)
    if len(key) != KEY_BYTES or len(blob) < NONCE_BYTES + _ABYTES:
        raise DecryptionError("ciphertext or key has the wrong length")
    clen = len(blob) - NONCE_BYTES
    message = _ffi.new("unsigned char[]", max(clen - _ABYTES, 1))
    status = _lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        message, _ffi.NULL, _ffi.NULL,
        blob[NONCE_BYTES:], clen, aad, len(aad), blob[:NONCE_BYTES], key,
    )  # fmt: skip
    if status != 0:
        raise DecryptionError("ciphertext did not authenticate")
    return _ffi.buffer(message, clen - _ABYTES)[:]


def keypair_generate() -> tuple[bytes, bytes]:
    """An X25519 key pair as (public, private) raw bytes."""
    private = PrivateKey.generate()
    return bytes(private.public_key), bytes(private)


def keypair_from_seed(seed: bytes) -> tuple[bytes, bytes]:
    """The X25519 key pair (public, private) that a 32-byte secret seed always gives.

    For keys re-derived on demand instead of stored, such as the reply key of an intake
    codename (docs/decisions/0009-intake.md): libsodium's crypto_box_seed_keypair.
    """
    private = PrivateKey.from_seed(seed)
    return bytes(private.public_key), bytes(private)


def public_key_of(private_key: bytes) -> bytes:
    return bytes(PrivateKey(private_key).public_key)


def seal(public_key: bytes, message: bytes) -> bytes:
    """Anonymous sealed box: only the holder of the private key can open it."""
    return SealedBox(PublicKey(public_key)).encrypt(message)


def unseal(private_key: bytes, blob: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(blob)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise DecryptionError("sealed box did not open") from exc


def passphrase_key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """Argon2id key derivation for wrapping a private key under a passphrase.

    Separate salt from the login password hash, so the stored password hash says nothing
    about the wrapping key (T1).
    """
    return nacl.pwhash.argon2id.kdf(
        KEY_BYTES, passphrase.encode("utf-8"), salt, opslimit=opslimit, memlimit=memlimit
    )


def argon2id_derive(
    secret: bytes, salt: bytes, *, size: int, opslimit: int, memlimit: int
) -> bytes:
    """Argon2id output of `size` bytes: a slow hash of a secret someone types (a codename)."""
    return nacl.pwhash.argon2id.kdf(size, secret, salt, opslimit=opslimit, memlimit=memlimit)


_GENERICHASH_BYTES_MIN = sodium.crypto_generichash_BYTES_MIN
_GENERICHASH_BYTES_MAX = sodium.crypto_generichash_BYTES_MAX
_GENERICHASH_KEYBYTES_MAX = sodium.crypto_generichash_KEYBYTES_MAX


def keyed_hash(key: bytes, message: bytes, size: int) -> bytes:
    """Keyed BLAKE2b (libsodium's crypto_generichash_blake2b): search and blocking without
    a plaintext index.

    A re-key rebuilds every search term of a compartment (tens per case), so this calls
    libsodium through PyNaCl's compiled cffi module directly, like `aead_decrypt`: the
    wrapper's checks cost about 40 us a call, fifty times the hash (decision 0011). The
    same length checks are made here; `test_crypto.py` compares it with `nacl.hash.blake2b`.
    """
    if not (_GENERICHASH_BYTES_MIN <= size <= _GENERICHASH_BYTES_MAX):
        raise ValueError("keyed_hash: digest size out of range")
    if not key or len(key) > _GENERICHASH_KEYBYTES_MAX:
        raise ValueError("keyed_hash: key length out of range")
    out = _ffi.new("unsigned char[]", size)
    # No salt and no personalisation (NULL: libsodium reads them as zeros, as PyNaCl's
    # defaults of sixteen zero bytes do), so the digest is plain keyed BLAKE2b.
    status = _lib.crypto_generichash_blake2b_salt_personal(
        out, size, message, len(message), key, len(key), _ffi.NULL, _ffi.NULL
    )
    if status != 0:
        raise ValueError("keyed_hash failed")
    return _ffi.buffer(out, size)[:]


def index_key_derive(compartment_key: bytes, server_secret: bytes) -> bytes:
    """A compartment's index key: needs the compartment key AND the server's index secret.

    Two keyed BLAKE2b steps (libsodium's generichash, the primitive crypto_kdf is built on):
    the compartment key first gives a key of its own for indexing (so the index key is not
    the key that wraps data keys), then the server secret, kept outside the database, keys
    that. A database copy plus every key a user ever held cannot test a guess without the
    server secret; the server's disk alone cannot without a member's compartment key (T1, T3).
    """
    sub = keyed_hash(compartment_key, b"corridor|index-key|v1", KEY_BYTES)
    return keyed_hash(server_secret, b"corridor|index|" + sub, KEY_BYTES)


def digest(message: bytes) -> bytes:
    """Unkeyed BLAKE2b-256: stored fingerprints of random tokens."""
    return nacl.hash.blake2b(message, digest_size=32, encoder=RawEncoder)


def chain_hash(previous: bytes, payload: bytes) -> bytes:
    """Unkeyed BLAKE2b-256 over the previous link and this entry: the audit chain."""
    return nacl.hash.blake2b(previous + payload, digest_size=32, encoder=RawEncoder)


def signing_public_key(seed: bytes) -> bytes:
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    """Ed25519 detached signature (audit checkpoints, evidence packages)."""
    return nacl.signing.SigningKey(seed).sign(message).signature


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True


def blake2b_512(message: bytes) -> bytes:
    """Unkeyed BLAKE2b-512: the prehash minisign signs (its "ED" algorithm)."""
    return nacl.hash.blake2b(message, digest_size=64, encoder=RawEncoder)
