"""`manage.py audit_export [--out FILE]`: the signed checkpoints, to be kept off the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from corridor.audit.checkpoints import checkpoints_export


class Command(BaseCommand):
    help = "Write every signed audit checkpoint and the public key as a JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="write here instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        document = checkpoints_export()
        if options["out"] is None:
            self.stdout.write(document, ending="")
        else:
            options["out"].write_text(document, encoding="utf-8")
