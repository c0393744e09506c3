"""The organisation recovery key as the stock `age` tool names it (decision 0024).

age's X25519 recipients and identities are the same raw 32-byte Curve25519 keys libsodium's
sealed boxes use, written in Bech32 (BIP 173, without its 90-character limit): `age1...` for
the public half, `AGE-SECRET-KEY-1...` (upper case) for the private half. Bech32 is an
encoding with a checksum, not a cryptographic primitive; the reference algorithm is below.
"""

from __future__ import annotations

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                check ^= generator
    return check


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _bits_convert(data: bytes | list[int], source: int, target: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maximum = (1 << target) - 1
    for value in data:
        acc = (acc << source) | value
        bits += source
        while bits >= target:
            bits -= target
            out.append((acc >> bits) & maximum)
    if pad and bits:
        out.append((acc << (target - bits)) & maximum)
    elif not pad and (bits >= source or (acc << (target - bits)) & maximum):
        raise ValueError("invalid padding in bech32 data")
    return out


def bech32_encode(hrp: str, payload: bytes) -> str:
    data = _bits_convert(payload, 8, 5, True)
    checksum = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    data += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data)


def bech32_decode(text: str) -> tuple[str, bytes]:
    lowered = text.strip().lower()
    hrp, sep, rest = lowered.rpartition("1")
    if not sep or not hrp or len(rest) < 6 or any(c not in _CHARSET for c in rest):
        raise ValueError("not a bech32 string")
    data = [_CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise ValueError("bech32 checksum does not match")
    return hrp, bytes(_bits_convert(data[:-6], 5, 8, False))


def age_recipient(public_key: bytes) -> str:
    """`age1...`: the recipient string of an X25519 public key."""
    if len(public_key) != 32:
        raise ValueError("an X25519 public key has 32 bytes")
    return bech32_encode("age", public_key)


def age_identity(private_key: bytes) -> str:
    """`AGE-SECRET-KEY-1...`: the identity string of an X25519 private key."""
    if len(private_key) != 32:
        raise ValueError("an X25519 private key has 32 bytes")
    return bech32_encode("age-secret-key-", private_key).upper()


def age_recipient_parse(text: str) -> bytes:
    """The 32-byte public key of an `age1...` recipient, or ValueError."""
    try:
        hrp, payload = bech32_decode(text)
    except ValueError:
        hrp, payload = "", b""
    if hrp != "age" or len(payload) != 32 or text.strip() != text.strip().lower():
        raise ValueError(f"not an age X25519 recipient (age1...): {text.strip()[:12]}...")
    return payload
