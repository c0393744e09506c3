"""Restore access from k recovery shares (T6): after a lockdown or a lost server.

Shares are read from standard input, one share per line, ended by an empty line or end of
input. The recovery key is rebuilt in memory for the length of this command only.

- `--user NAME`: re-seal every compartment to NAME (a first administrator who re-grants).
- `--members [--user NAME ...]`: the recovery drill after a lockdown: re-seal each
  compartment to its recorded members (only the named users, if any are named). The intake
  desk and the search indexes come back with their compartments' keys.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.vault.actions import (
    RecoveryError,
    access_restore,
    access_restore_members,
    recovery_keyring,
)
from corridor.vault.models import UserKeyPair


class Command(BaseCommand):
    help = "Re-seal compartment keys from k SLIP-39 recovery shares on stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", action="append", default=[], help="username (repeat with --members)"
        )
        parser.add_argument(
            "--members",
            action="store_true",
            help="re-seal each compartment to its recorded members (after a lockdown)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["user"]
        names = [names] if isinstance(names, str) else list(names)
        if not options["members"] and len(names) != 1:
            raise CommandError("Name one --user, or use --members (with any --user).")
        users = []
        for name in names:
            user = get_user_model().objects.filter(username=name).first()
            if user is None or not UserKeyPair.objects.filter(user=user).exists():
                raise CommandError(
                    f"No such user with a key pair: {name}. "
                    "Invite the user and let them log in first."
                )
            users.append(user)
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
            raise CommandError(
                f"The shares did not rebuild the recovery key: {exc}. Nothing was changed."
            ) from exc
        if options["members"]:
            count = access_restore_members(
                recovery=recovery, user_ids=[u.pk for u in users] if users else None
            )
            self.stdout.write(f"Access restored to recorded members: {count} key wraps sealed.")
            return
        count = access_restore(recovery=recovery, user_id=users[0].pk)
        self.stdout.write(f"Access restored for {users[0].username}: {count} compartments.")
