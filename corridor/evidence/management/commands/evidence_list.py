"""One package a line, its id first: id, status, kind of recipient, created, exports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from corridor.evidence.models import Package


class Command(BaseCommand):
    help = "List the evidence packages, one a line, id first."

    def handle(self, *args: Any, **options: Any) -> None:
        for package in Package.objects.order_by("created_at"):
            self.stdout.write(
                f"{package.pk}\t{package.status}\t{package.recipient_kind}\t"
                f"{package.created_at:%Y-%m-%d}\texports={package.exports.count()}"
            )
