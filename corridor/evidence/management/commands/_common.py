"""What the evidence commands share: acting as a lawyer with their keys unlocked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.vault.commandline import member_keyring, passphrase_argument
from corridor.vault.keyring import Keyring


def member_arguments(parser: CommandParser) -> None:
    parser.add_argument("--user", required=True, help="the lawyer whose keys are used")
    passphrase_argument(parser)


def lawyer_keyring(
    options: dict[str, Any], permission: str = "evidence.edit"
) -> tuple[Any, Keyring]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
    if user is None:
        raise CommandError("No such active user.")
    if not user.may(permission):
        raise CommandError("This user's role may not export evidence (lawyers only).")
    return user, member_keyring(user, options["passphrase_file"])
