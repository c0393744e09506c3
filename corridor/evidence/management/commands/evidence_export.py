"""Write a package: one age-encrypted tar (`--age-recipient`), or with `--plain` the bare bag
directory (a deliberate, audited choice). Nothing is left at OUT if the export fails."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.evidence.management.commands._common import lawyer_keyring, member_arguments
from corridor.evidence.models import Package
from corridor.evidence.packages import ExportFailed, package_export_age, package_export_plain
from corridor.vault.keyring import keyring_activated
from corridor.vault.reads import reads_check, reads_ledger


class Command(BaseCommand):
    help = "Export an evidence package (age-encrypted tar, or --plain bag directory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package_id")
        parser.add_argument("--age-recipient", action="append", default=[])
        parser.add_argument("--plain", action="store_true", help="write the bare bag directory")
        parser.add_argument("--out", required=True, type=Path)
        member_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            package_id = uuid.UUID(options["package_id"])
        except ValueError as exc:
            raise CommandError("Not a package id.") from exc
        if options["plain"] == bool(options["age_recipient"]):
            raise CommandError("Give --age-recipient KEY, or --plain for an unencrypted bag.")
        user, keyring = lawyer_keyring(options)
        package = Package.objects.filter(pk=package_id).first()
        if package is None or not keyring.may_open(package.compartment_id, package.key_version):
            raise CommandError("No such package among this user's compartments.")
        out: Path = options["out"]
        with keyring_activated(keyring), reads_ledger() as ledger:
            try:
                if options["plain"]:
                    plan = package_export_plain(actor_id=user.pk, package=package, out=out)
                else:
                    plan = package_export_age(
                        actor_id=user.pk,
                        package=package,
                        recipients=options["age_recipient"],
                        out=out,
                    )
            except (ExportFailed, ValidationError) as exc:
                raise CommandError(str(exc)) from exc
            reads_check(ledger, actor_id=user.pk)
        for refused in plan.refused:
            self.stdout.write(f"refused {refused.kind} {refused.object_id}: {refused.reason}")
        self.stdout.write(f"Wrote {out}")
