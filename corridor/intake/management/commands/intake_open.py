"""Open the intake desk: the public form at /help/ starts taking requests.

Run once, by a member of the compartment whose members will read requests (the triage
desk). Their passphrase unlocks their keys for this one command, so the desk's first intake
private key can be encrypted under that compartment's key.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.accounts.models import User
from corridor.intake.actions import intake_desk_create
from corridor.vault.actions import WrongPassphrase, user_keys_unlock
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.models import Compartment


class Command(BaseCommand):
    help = "Open the intake desk on a compartment, as one of its members."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compartment", required=True, help="name of the desk compartment")
        parser.add_argument("--user", required=True, help="a member of that compartment")
        parser.add_argument(
            "--passphrase-file", type=Path, help="read the member's passphrase from this file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        compartment = Compartment.objects.filter(name=options["compartment"]).first()
        if user is None or compartment is None:
            raise CommandError("No such active user or compartment.")
        if options["passphrase_file"]:
            passphrase = options["passphrase_file"].read_text(encoding="utf-8").strip()
        else:
            passphrase = getpass.getpass(f"Passphrase of {user.username}: ")
        try:
            private_key = user_keys_unlock(user_id=user.pk, passphrase=passphrase)
        except WrongPassphrase as exc:
            raise CommandError("Wrong passphrase.") from exc
        try:
            with keyring_activated(Keyring(user_id=user.pk, private_key=private_key)):
                desk = intake_desk_create(actor_id=user.pk, compartment=compartment)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Intake desk open on {desk.compartment.name}: /help/ takes requests.")
