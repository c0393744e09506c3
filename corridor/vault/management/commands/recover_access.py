"""Restore access to every compartment for a user, from k recovery shares (T6).

Shares are read from standard input, one share per line, ended by an empty line or end of
input. The recovery key is rebuilt in memory for the length of this command only.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.vault.actions import RecoveryError, access_restore, recovery_keyring
from corridor.vault.models import UserKeyPair


class Command(BaseCommand):
    help = "Re-seal all compartment keys to USER from k SLIP-39 recovery shares on stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username that receives access")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not UserKeyPair.objects.filter(user=user).exists():
            raise CommandError(
                "No such user with a key pair. Invite the user and let them log in first."
            )
        if sys.stdin.isatty():
            self.stderr.write("Type or paste the shares, one per line, then an empty line:")
        shares: list[str] = []
        for line in sys.stdin:
            if not line.strip():
                if shares:
                    break
                continue
            shares.append(line.strip())
        try:
            recovery = recovery_keyring(shares)
        except RecoveryError as exc:
            raise CommandError(f"The shares did not rebuild the recovery key: {exc}") from exc
        count = access_restore(recovery=recovery, user_id=user.pk)
        self.stdout.write(f"Access restored for {user.username}: {count} compartments.")
