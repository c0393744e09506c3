"""`manage.py audit_checkpoint`: sign the current chain head (run it from cron, then export)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from corridor.audit.checkpoints import SignedCheckpoint, checkpoint_create


class Command(BaseCommand):
    help = "Create a signed checkpoint of the audit chain head and print it as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = SignedCheckpoint.from_model(checkpoint_create())
        except ImproperlyConfigured as exc:  # the signing key is not the pinned one
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(checkpoint.as_json(), indent=2))
