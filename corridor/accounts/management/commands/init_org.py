"""Initialise this server's organisation and its first administrator.

Prints the SLIP-39 recovery shares once. Give each to a different trustee, on paper,
outside the country; any `threshold` of them restore access (manage.py recover_access).
Prints the audit public key too: checkpoints verify only against it (decision 0013).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.accounts.actions import UsernameTaken, organisation_init
from corridor.accounts.models import User
from corridor.audit.checkpoints import pinned_public_keys, signing_public_key


class Command(BaseCommand):
    help = "Create the organisation keys, the first administrator, and print recovery shares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="organisation name")
        parser.add_argument("--admin", required=True, help="username of the first administrator")
        parser.add_argument("--threshold", type=int, default=3, help="shares needed to recover (k)")
        parser.add_argument("--shares", type=int, default=5, help="shares to create (n)")
        parser.add_argument(
            "--passphrase-file", type=Path, help="read the admin passphrase from this file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["passphrase_file"]:
            passphrase = options["passphrase_file"].read_text(encoding="utf-8").strip()
        else:
            passphrase = getpass.getpass("Passphrase for the administrator: ")
            if getpass.getpass("Repeat it: ") != passphrase:
                raise CommandError("The passphrases differ.")
        try:
            validate_password(passphrase, User(username=options["admin"]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            admin, shares = organisation_init(
                name=options["name"],
                admin_username=options["admin"],
                admin_passphrase=passphrase,
                threshold=options["threshold"],
                shares=options["shares"],
            )
        except (ValueError, UsernameTaken, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Organisation created. Administrator: {admin.username}")
        self.stdout.write(
            f"Recovery shares: any {options['threshold']} of these {len(shares)} restore access."
        )
        self.stdout.write("They are shown only now. Write each down for a different trustee.\n")
        for number, share in enumerate(shares, start=1):
            self.stdout.write(f"Share {number}:\n{share}\n")
        self.stdout.write(
            "Audit public key: audit_verify trusts a checkpoint only if this key signed it. "
            f"Give each trustee a copy too:\n{signing_public_key().hex()}\n"
        )
        if not pinned_public_keys():
            self.stdout.write(
                "Pin it before relying on audit_verify: set CORRIDOR_AUDIT_PUBLIC_KEY to this "
                "value (or CORRIDOR_AUDIT_PUBLIC_KEY_FILE to a file holding it).\n"
            )
        self.stdout.write("Log in at /accounts/login/ to set up the authenticator app.")
