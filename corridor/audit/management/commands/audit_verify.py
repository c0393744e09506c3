"""`manage.py audit_verify [--checkpoints FILE]`: prove the chain intact or name the first break."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.audit.checkpoints import chain_verify, checkpoints_load

EXIT_BROKEN = 1
EXIT_BAD_FILE = 2


class Command(BaseCommand):
    help = "Verify the audit chain and its signed checkpoints; exit 1 naming the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="an exported checkpoint file (audit_export) kept off the server",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        exported = None
        if options["checkpoints"] is not None:
            try:
                exported = checkpoints_load(options["checkpoints"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(
                    f"cannot read checkpoints: {exc}", returncode=EXIT_BAD_FILE
                ) from exc
        result = chain_verify(exported)
        if not result.ok:
            raise CommandError(f"audit chain broken: {result.message}", returncode=EXIT_BROKEN)
        self.stdout.write(result.message)
