"""What the emergency controls keep: the silent alert of a duress login (decision 0026)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from corridor.vault.classification import OPERATIONAL
from corridor.vault.models import Compartment


class DuressAlert(models.Model):
    """A colleague logged in with their duress passphrase: someone may be forcing them.

    Addressed, when raised, to every active administrator and to the coordinator on duty of
    each compartment the colleague held (every coordinator member, where nobody is on duty).
    Never shown to the colleague themselves, nor to any duress session. `compartments` are
    the ones the duress login took from them, so an administrator can give them back once
    the person is safe. Operational only: no plaintext, no keys.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    addressed_to = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    compartments = models.ManyToManyField(Compartment, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "user": OPERATIONAL,
        "raised_at": OPERATIONAL,
        "addressed_to": OPERATIONAL,
        "compartments": OPERATIONAL,
        "resolved_at": OPERATIONAL,
        "resolved_by": OPERATIONAL,
    }
