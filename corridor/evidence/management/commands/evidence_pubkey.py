"""The organisation's evidence signing key, in minisign's public key format."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from corridor.vault import signing


class Command(BaseCommand):
    help = "Print the organisation's evidence public key (minisign format)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(signing.public_key_minisign(signing.evidence_public_key()), ending="")
