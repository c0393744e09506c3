"""Lock the server down: destroy every key wrap held for users and every session (T2).

Asks to type the organisation's name; `--yes` skips the question (scripts).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.emergency.actions import organisation_lockdown
from corridor.vault.models import Organisation


class Command(BaseCommand):
    help = "Destroy every user's key wraps and every session; recovery needs k trustee shares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="do not ask for the name")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.first()
        if org is None:
            raise CommandError("This server has no organisation (run init_org first).")
        if not options["yes"]:
            typed = input(f'Type the organisation name "{org.name}" to lock the server down: ')
            if typed.strip() != org.name:
                raise CommandError("The name did not match. Nothing was changed.")
        started = time.perf_counter()
        result = organisation_lockdown(actor_id=None)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Locked down in {elapsed:.2f} s: {result.wraps} key wraps and "
            f"{result.sessions} sessions destroyed. Trustees: manage.py recover_access."
        )
