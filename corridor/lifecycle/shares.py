"""The organisation recovery private key from k SLIP-39 shares, for backups (decision 0024).

Kept apart from the vault's recovery keyring on purpose: a restore runs before any database
exists, so the key cannot be checked against the stored organisation; it is checked against
the recovery public key named in the backup instead (corridor.lifecycle.backups).
"""

from __future__ import annotations

from collections.abc import Iterable

from shamir_mnemonic import MnemonicError, combine_mnemonics

from corridor.vault import crypto


class SharesError(Exception):
    """The shares did not rebuild a 32-byte key."""


def shares_read(lines: Iterable[str]) -> list[str]:
    """One share per line, ended by an empty line after the first share or end of input."""
    shares: list[str] = []
    for line in lines:
        if not line.strip():
            if shares:
                break
            continue
        shares.append(" ".join(line.split()))
    return shares


def recovery_private_key(shares: list[str]) -> tuple[bytes, bytes]:
    """(private, public) recovery key rebuilt from the shares, in memory only."""
    try:
        private = combine_mnemonics(shares)
    except (MnemonicError, ValueError) as exc:
        raise SharesError(str(exc)) from exc
    if len(private) != crypto.KEY_BYTES:
        raise SharesError("the shares do not hold a 32-byte recovery key")
    return private, crypto.public_key_of(private)
