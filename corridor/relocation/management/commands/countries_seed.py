"""`manage.py countries_seed`: add the starting list of destination countries (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from corridor.relocation.countries import countries_seed


class Command(BaseCommand):
    help = "Add the seed destination countries that are not in the registry yet."

    def handle(self, *args: Any, **options: Any) -> None:
        added = countries_seed()
        self.stdout.write(f"{len(added)} countries added")
