"""`manage.py backup_verify FILE [--public-key HEX]`: signature and structure, no decryption.

Exit 0 if FILE.minisig verifies under the pinned signing key and the age structure is whole;
otherwise exit 1 with the reason. The same check without Corridor: `minisign -V -P KEY -m FILE`
with the key this command prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.audit.checkpoints import public_keys_parse
from corridor.lifecycle import minisig
from corridor.lifecycle.backups import BackupError, backup_verify


class Command(BaseCommand):
    help = "Check a backup's signature and structure without decrypting it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--public-key", help="verify against this Ed25519 public key (64 hex digits)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            keys = (
                None
                if options["public_key"] is None
                else public_keys_parse(options["public_key"], "--public-key")
            )
            structure = backup_verify(options["file"], keys)
        except (BackupError, ImproperlyConfigured) as exc:
            raise CommandError(f"Backup refused: {exc}") from exc
        self.stdout.write(
            f"Backup intact: signed by {structure.signed_by.hex()} (minisign key "
            f"{minisig.public_key_text(structure.signed_by)}); {structure.trusted_comment}; "
            f"{structure.recipients} recipient(s), {structure.payload} bytes encrypted."
        )
