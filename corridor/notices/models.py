"""A staff member's choice to be told by e-mail that something waits (decision 0039).

The address is sealed under the server's own secret (corridor.vault.serverbox): the worker
must read it with nobody logged in, and a copy of the database alone must not list the
team's mailboxes. `told_about` holds the ids of the alerts and overdue tasks the last notice
covered, so a new notice goes out only when something new waits.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from corridor.vault.classification import OPERATIONAL, SERVER_SEALED


class NoticeLanguage(models.TextChoices):
    RU = "ru", "Русский"
    EN = "en", "English"


class NoticeAddress(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    address_sealed = models.BinaryField()
    language = models.CharField(max_length=2, choices=NoticeLanguage.choices)
    set_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    told_about = models.JSONField(default=list, blank=True)
    failures = models.PositiveIntegerField(default=0)  # sends failed in a row

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "user": OPERATIONAL,
        "address_sealed": SERVER_SEALED,
        "language": OPERATIONAL,
        "set_at": OPERATIONAL,
        "last_sent_at": OPERATIONAL,
        "told_about": OPERATIONAL,
        "failures": OPERATIONAL,
    }

    def __str__(self) -> str:
        return f"notices of user {self.user_id}"
