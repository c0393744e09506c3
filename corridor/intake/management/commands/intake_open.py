"""Open the intake desk: the public form at /help/ starts taking requests.

Run once, by a member of the compartment whose members will read requests (the triage
desk). Their passphrase unlocks their keys for this one command, so the desk's first intake
private key can be encrypted under that compartment's key.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.accounts.models import User
from corridor.intake.actions import intake_desk_create
from corridor.vault.commandline import member_keyring, passphrase_argument
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Compartment


class Command(BaseCommand):
    help = "Open the intake desk on a compartment, as one of its members."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compartment", required=True, help="name of the desk compartment")
        parser.add_argument("--user", required=True, help="a member of that compartment")
        passphrase_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        compartment = Compartment.objects.filter(name=options["compartment"]).first()
        if user is None or compartment is None:
            raise CommandError("No such active user or compartment.")
        keyring = member_keyring(user, options["passphrase_file"])
        try:
            with keyring_activated(keyring):
                desk = intake_desk_create(actor_id=user.pk, compartment=compartment)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Intake desk open on {desk.compartment.name}: /help/ takes requests.")
