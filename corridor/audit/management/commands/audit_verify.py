"""`manage.py audit_verify [--checkpoints FILE] [--public-key HEX]`: prove the chain intact or
name the first break.

Checkpoints verify only against the pinned public key (settings, or `--public-key` with the
copy a trustee holds); with none pinned the command says so, and fails in production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.audit.checkpoints import chain_verify, checkpoints_load, public_keys_parse

EXIT_BROKEN = 1
EXIT_BAD_FILE = 2
EXIT_UNVERIFIABLE = 3


class Command(BaseCommand):
    help = (
        "Verify the audit chain and its signed checkpoints against the pinned public key; "
        "exit 1 naming the first break or forged checkpoint, 3 if nothing is pinned."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="an exported checkpoint file (audit_export) kept off the server",
        )
        parser.add_argument(
            "--public-key",
            help="verify against this public key (64 hex digits, the copy init_org printed) "
            "instead of the configured CORRIDOR_AUDIT_PUBLIC_KEY",
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
        try:
            public_keys = (
                None
                if options["public_key"] is None
                else public_keys_parse(options["public_key"], "--public-key")
            )
            result = chain_verify(exported, public_keys)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=EXIT_UNVERIFIABLE) from exc
        if not result.ok:
            raise CommandError(f"audit chain broken: {result.message}", returncode=EXIT_BROKEN)
        if not result.pinned and settings.PRODUCTION:
            raise CommandError(result.message, returncode=EXIT_UNVERIFIABLE)
        self.stdout.write(result.message)
