"""`manage.py backup --out FILE [--recipient age1...]`: an encrypted, signed snapshot (T1, T6).

The database and media files, encrypted in the age format to the organisation recovery key
(and to any extra recipient), written while the application runs; FILE.minisig beside it.
Progress goes to standard error. Decision 0024.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.lifecycle.agekeys import age_recipient_parse
from corridor.lifecycle.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Write an age-encrypted, signed backup of the database and media files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="the backup file to write")
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="a further age X25519 recipient (age1...) who can decrypt the backup",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for text in options["recipient"]:
            try:
                age_recipient_parse(text)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc

        def progress(message: str) -> None:
            print(f"backup: {message}", file=sys.stderr, flush=True)

        try:
            result = backup_create(
                options["out"], extra_recipients=options["recipient"], progress=progress
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {result.path} ({result.size} bytes, {result.media_files} media "
            f"files), encrypted to {len(result.recipients)} recipient(s), signed in "
            f"{result.path.name}.minisig."
        )
