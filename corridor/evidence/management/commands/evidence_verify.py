"""Check a bag (directory, tar, or with --identity the age file): manifests, signature and
custody trails (and a timestamp it carries, with --tsa-ca), naming the first thing wrong.
Exit 0 if intact, 1 if not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.evidence.verify import BagInvalid, path_check
from corridor.vault import signing


class Command(BaseCommand):
    help = "Verify an evidence package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--identity", type=Path, help="age identity file, for a .age file")
        parser.add_argument("--public-key", type=Path, help="minisign public key file to trust")
        parser.add_argument(
            "--tsa-ca",
            help="CA file of the timestamp authority, to check a timestamp the bag carries "
            "(default: CORRIDOR_TSA_CA_FILE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if options["public_key"]:
            try:
                public = signing.public_key_parse(options["public_key"].read_text())
            except (OSError, signing.SignatureInvalid) as exc:
                raise CommandError(f"public key: {exc}") from exc
        else:
            public = signing.evidence_public_key()
        identity = None
        if options["identity"]:
            lines = [
                line.strip()
                for line in options["identity"].read_text().splitlines()
                if line.strip().startswith("AGE-SECRET-KEY-")
            ]
            if not lines:
                raise CommandError("The identity file holds no AGE-SECRET-KEY.")
            identity = lines[0]
        try:
            tsa_ca = options["tsa_ca"] or settings.CORRIDOR_TSA_CA_FILE
            checked = path_check(path, public, identity, tsa_ca)
        except BagInvalid as exc:
            self.stderr.write(f"INVALID: {exc}")
            sys.exit(1)
        for line in checked:
            self.stdout.write(line)
        self.stdout.write("OK: the package is intact.")
