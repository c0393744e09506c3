"""Load the demo organisation (once) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from corridor.audit.checkpoints import audit_key_pin
from corridor.demo.build import demo_create, demo_logins
from corridor.vault.models import Organisation


class Command(BaseCommand):
    help = "Create the demo organisation on first run; print demo logins every run."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo never runs in the production profile.")
        if not Organisation.objects.exists():
            shares = demo_create()
            self.stdout.write("Demo organisation created. Demo recovery shares (2 of 3):")
            for share in shares:
                self.stdout.write(f"  {share}")
        elif not demo_logins():
            raise CommandError("This database holds a real organisation, not the demo.")
        else:
            audit_key_pin()  # a demo set up before keys were pinned (decision 0013)
        self.stdout.write("\nDemo logins at http://127.0.0.1:8000/ (demo data only):")
        for login in demo_logins():
            self.stdout.write(
                f"  {login.username:<12} role {login.role:<12} passphrase: {login.passphrase}\n"
                f"  {'':<12} TOTP secret: {login.totp_secret}\n"
                f"  {'':<12} {login.otpauth_uri}"
            )
        self.stdout.write(
            "Current code for a user: .venv/bin/python manage.py demo_totp USERNAME\n"
        )
