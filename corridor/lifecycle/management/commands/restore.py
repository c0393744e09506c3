"""`manage.py restore FILE`: restore a backup into an empty database, with k recovery shares.

The shares are read from standard input, one per line, ended by an empty line (as for
recover_access). The signature is checked first; the database must be empty (run it before
`migrate`). Progress goes to standard error. Decision 0024.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.lifecycle.backups import BackupError, backup_restore
from corridor.lifecycle.shares import SharesError, recovery_private_key, shares_read


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database from k SLIP-39 shares on stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(message: str) -> None:
            print(f"restore: {message}", file=sys.stderr, flush=True)

        if sys.stdin.isatty():
            self.stderr.write("Type or paste the shares, one per line, then an empty line:")
        try:
            private, _public = recovery_private_key(shares_read(sys.stdin))
        except SharesError as exc:
            raise CommandError(f"The shares did not rebuild the recovery key: {exc}") from exc
        try:
            manifest = backup_restore(options["file"], private, progress=progress)
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc}") from exc
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} ({len(manifest['members'])} "
            "files). Run audit_verify next."
        )
