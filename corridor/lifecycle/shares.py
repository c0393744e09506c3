"""The organisation recovery private key from k SLIP-39 shares, for backups (decision 0024).

Kept apart from the vault's recovery keyring on purpose: a restore runs before any database
exists, so the key cannot be checked against the stored organisation; it is checked against
the recovery public key named in the backup instead (corridor.lifecycle.backups).
"""

from __future__ import annotations

from collections.abc import Iterable

from corridor.vault import crypto
from corridor.vault.actions import RecoveryError, recovery_shares_combine


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
        private = recovery_shares_combine(shares)
    except RecoveryError as exc:
        raise SharesError(str(exc)) from exc
    return private, crypto.public_key_of(private)
