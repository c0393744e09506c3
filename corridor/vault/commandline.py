"""Unlocking one member's keys for a management command that acts as them."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.vault.actions import WrongPassphrase, user_keys_unlock
from corridor.vault.keyring import Keyring


def passphrase_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--passphrase-file", type=Path, help="read the member's passphrase from this file"
    )


def member_keyring(user: Any, passphrase_file: Path | None) -> Keyring:
    """The user's keyring, from the passphrase in `passphrase_file` or typed at a prompt."""
    if passphrase_file:
        passphrase = passphrase_file.read_text(encoding="utf-8").strip()
    else:
        passphrase = getpass.getpass(f"Passphrase of {user.username}: ")
    try:
        private_key = user_keys_unlock(user_id=user.pk, passphrase=passphrase)
    except WrongPassphrase as exc:
        raise CommandError("Wrong passphrase.") from exc
    return Keyring(user_id=user.pk, private_key=private_key)
