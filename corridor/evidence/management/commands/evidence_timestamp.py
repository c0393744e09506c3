"""Import an RFC 3161 timestamp response for the signature of a package's export, checked
with `openssl ts -verify` against CORRIDOR_TSA_CA_FILE before it is kept (decision 0036)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.evidence.management.commands._common import lawyer_keyring, member_arguments
from corridor.evidence.models import Package
from corridor.evidence.timestamps import (
    MAX_RESPONSE_BYTES,
    TimestampInvalid,
    package_timestamp_import,
)


class Command(BaseCommand):
    help = "Import a timestamp response (.tsr) for an exported package's signature."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package_id")
        parser.add_argument("response", type=Path, help="the TSA's response, RESPONSE.tsr")
        member_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            package_id = uuid.UUID(options["package_id"])
        except ValueError as exc:
            raise CommandError("Not a package id.") from exc
        path: Path = options["response"]
        try:
            if path.stat().st_size > MAX_RESPONSE_BYTES:
                raise CommandError("This file is too large to be a timestamp response.")
            response = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        user, keyring = lawyer_keyring(options)
        package = Package.objects.filter(pk=package_id).first()
        if package is None or not keyring.may_open(package.compartment_id, package.key_version):
            raise CommandError("No such package among this user's compartments.")
        try:
            package = package_timestamp_import(actor_id=user.pk, package=package, response=response)
        except TimestampInvalid as exc:
            raise CommandError(str(exc)) from exc
        when = package.timestamp_time.isoformat() if package.timestamp_time else "?"
        export = package.timestamp_export
        over = f", over the signature of the export of {export.at.isoformat()}" if export else ""
        self.stdout.write(f"Timestamp kept: {when} (RFC 3161){over}")
