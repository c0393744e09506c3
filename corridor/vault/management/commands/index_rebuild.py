"""Rebuild every keyed hash of the compartments one member holds, under their current keys.

Run after changing CORRIDOR_INDEX_SECRET (every stored hash is orphaned until then), after
upgrading a database from the organisation-wide index key to per-compartment keys, after an
upgrade that reads names or phones differently (the home page says so, decision 0045), or to
let cases written before the intake desk opened join its cross-compartment check. Each
compartment is rebuilt in one transaction with its audit entry; run it once per compartment
by one of its members (decision 0011).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.vault.actions import compartment_index_rebuild
from corridor.vault.commandline import member_keyring, passphrase_argument
from corridor.vault.keyring import NotAMember
from corridor.vault.models import Compartment


class Command(BaseCommand):
    help = "Rebuild the search hashes of every compartment a member holds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the member whose keys are used")
        passphrase_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError("No such active user.")
        keyring = member_keyring(user, options["passphrase_file"])
        held = dict(keyring.searchable())
        for compartment in Compartment.objects.filter(pk__in=held).order_by("name"):
            try:
                compartment_index_rebuild(
                    keyring=keyring, compartment=compartment, actor_id=user.pk
                )
            except NotAMember:
                self.stderr.write(
                    f"{compartment.name} was re-keyed during the run: the re-key rebuilt its"
                    " hashes; run the command again to be sure."
                )
                continue
            self.stdout.write(f"Rebuilt the search hashes of {compartment.name}.")
        if not held:
            self.stdout.write("This user holds no compartment: nothing to rebuild.")
