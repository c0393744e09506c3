"""Print the current TOTP code of a demo user, for newcomers without an authenticator app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.demo.build import DEMO_STAFF


class Command(BaseCommand):
    help = "Print the current six-digit code of a demo user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or options["username"] not in {s[0] for s in DEMO_STAFF}:
            raise CommandError("Only for demo users outside production.")
        device = TOTPDevice.objects.filter(
            user__username=options["username"], confirmed=True
        ).first()
        if device is None:
            raise CommandError("No such demo user.")
        self.stdout.write(f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}")
