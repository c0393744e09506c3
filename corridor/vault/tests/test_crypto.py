"""Round trips and refusals of the primitives the vault is built on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.vault import crypto

KEY = crypto.random_key()


@given(st.binary(max_size=2048), st.binary(max_size=64))
@settings(max_examples=60, deadline=None)
def test_it_round_trips_any_plaintext_under_its_associated_data(
    plaintext: bytes, aad: bytes
) -> None:
    assert crypto.aead_decrypt(KEY, crypto.aead_encrypt(KEY, plaintext, aad), aad) == plaintext


@given(st.binary(min_size=1, max_size=256))
@settings(max_examples=40, deadline=None)
def test_it_refuses_other_associated_data(plaintext: bytes) -> None:
    blob = crypto.aead_encrypt(KEY, plaintext, b"corridor|cases_case|notes_sealed|1")
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(KEY, blob, b"corridor|cases_case|notes_sealed|2")


def test_it_refuses_a_flipped_bit() -> None:
    blob = bytearray(crypto.aead_encrypt(KEY, b"secret", b"ad"))
    blob[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(KEY, bytes(blob), b"ad")


def test_it_never_repeats_a_ciphertext_for_the_same_plaintext() -> None:
    assert crypto.aead_encrypt(KEY, b"same", b"ad") != crypto.aead_encrypt(KEY, b"same", b"ad")


def test_it_opens_a_sealed_box_only_with_the_matching_private_key() -> None:
    public, private = crypto.keypair_generate()
    _other_public, other_private = crypto.keypair_generate()
    blob = crypto.seal(public, b"compartment key")
    assert crypto.unseal(private, blob) == b"compartment key"
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(other_private, blob)


def test_it_derives_different_keys_for_different_passphrases_and_salts() -> None:
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    a = crypto.passphrase_key("correct horse battery", salt, 1, 8192)
    assert a == crypto.passphrase_key("correct horse battery", salt, 1, 8192)
    assert a != crypto.passphrase_key("correct horse batterz", salt, 1, 8192)
    assert a != crypto.passphrase_key(
        "correct horse battery", crypto.random_bytes(crypto.SALT_BYTES), 1, 8192
    )


def test_it_verifies_only_untampered_signatures() -> None:
    seed = crypto.random_key()
    public = crypto.signing_public_key(seed)
    signature = crypto.sign(seed, b"checkpoint 10")
    assert crypto.signature_valid(public, b"checkpoint 10", signature)
    assert not crypto.signature_valid(public, b"checkpoint 11", signature)


def test_it_keys_the_index_hash() -> None:
    other = crypto.random_key()
    assert crypto.keyed_hash(KEY, b"name", 16) != crypto.keyed_hash(other, b"name", 16)
    assert len(crypto.keyed_hash(KEY, b"name", 16)) == 16


@given(
    st.binary(min_size=1, max_size=64),
    st.binary(max_size=512),
    st.integers(min_value=16, max_value=64),
)
@settings(max_examples=80, deadline=None)
def test_it_hashes_exactly_what_pynacls_blake2b_hashes(
    key: bytes, message: bytes, size: int
) -> None:
    """The direct libsodium call of the re-key's hot path agrees with PyNaCl's wrapper."""
    import nacl.encoding
    import nacl.hash

    expected = nacl.hash.blake2b(
        message, digest_size=size, key=key, encoder=nacl.encoding.RawEncoder
    )
    assert crypto.keyed_hash(key, message, size) == expected


def test_it_refuses_a_keyed_hash_of_a_size_or_key_libsodium_refuses() -> None:
    for key, size in ((KEY, 15), (KEY, 65), (b"", 16), (b"k" * 65, 16)):
        with pytest.raises(ValueError):
            crypto.keyed_hash(key, b"name", size)


@given(st.binary(max_size=512), st.binary(max_size=64), st.booleans())
@settings(max_examples=80, deadline=None)
def test_it_opens_exactly_what_pynacl_opens(plaintext: bytes, aad: bytes, tamper: bool) -> None:
    """The direct libsodium call of the hot path agrees with PyNaCl's checked wrapper."""
    import nacl.bindings
    import nacl.exceptions

    blob = bytearray(crypto.aead_encrypt(KEY, plaintext, aad))
    if tamper:
        blob[len(blob) // 2] ^= 0x40
    nonce, ciphertext = bytes(blob[: crypto.NONCE_BYTES]), bytes(blob[crypto.NONCE_BYTES :])
    try:
        expected: bytes | None = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, aad, nonce, KEY
        )
    except nacl.exceptions.CryptoError:
        expected = None
    if expected is None:
        with pytest.raises(crypto.DecryptionError):
            crypto.aead_decrypt(KEY, bytes(blob), aad)
    else:
        assert crypto.aead_decrypt(KEY, bytes(blob), aad) == expected == plaintext


@given(st.binary(max_size=40))
def test_it_refuses_short_or_malformed_blobs_without_crashing(blob: bytes) -> None:
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(KEY, blob, b"ad")
    with pytest.raises(crypto.DecryptionError):
        crypto.aead_decrypt(b"short key", crypto.aead_encrypt(KEY, b"x", b"ad"), b"ad")
