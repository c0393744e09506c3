"""Shelters, requests for a place, and placements.

A shelter lives in a compartment: its name and secret address open only for its members.
Requests and placements live in the shelter's compartment too, so the board (its members)
can read a request's account; the person's name stays under the case's own compartment key.
Dates, capacity, decisions and links are operational: occupancy needs no key.

A placement occupies a bed from `starts_on` up to, not including, the day the person leaves
(`ends_on`; while open, up to `planned_end`, or up to today for someone who overstays): see
`corridor.shelters.occupancy`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import Case
from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import EncryptedTextField
from corridor.vault.models import VaultRecord

STAY_CAP_DAYS = 42  # the six weeks of the 2017 shelter
WARN_DAYS_BEFORE = 7
DECISION_WITHIN_DAYS = 3  # the 2017 board decided within three days


class Shelter(VaultRecord):
    name = EncryptedTextField()
    address = EncryptedTextField()  # secret: a safe-house location
    capacity = models.PositiveSmallIntegerField()
    stay_cap_days = models.PositiveSmallIntegerField(default=STAY_CAP_DAYS)
    warn_days_before = models.PositiveSmallIntegerField(default=WARN_DAYS_BEFORE)
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("shelter", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "capacity": OPERATIONAL,
        "stay_cap_days": OPERATIONAL,
        "warn_days_before": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    # An approval nobody acted on within APPROVAL_LAPSE_DAYS, or a request or approval
    # withdrawn with a reason: neither holds a claim on a bed any more (decision 0033).
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Days an approval waits for a placement before it lapses (the worker lapses it).
APPROVAL_LAPSE_DAYS = 14


class PlacementRequest(VaultRecord):
    """A request for a place for a case, decided by the shelter's board."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placement_requests")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="requests")
    need = EncryptedTextField()  # the requester's account of why, and for how long
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = EncryptedTextField()  # the board's reason
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("placement_request", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "shelter": OPERATIONAL,
        "requested_at": OPERATIONAL,
        "requested_by": OPERATIONAL,
        "decision": OPERATIONAL,
        "decided_at": OPERATIONAL,
        "decided_by": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["shelter", "decision", "requested_at"])]

    def waited(self, now: datetime) -> timedelta:
        """How long the request waited for the board (so far, if still pending)."""
        return (self.decided_at or now) - self.requested_at

    def waited_too_long(self, now: datetime) -> bool:
        return self.waited(now) > timedelta(days=DECISION_WITHIN_DAYS)


class Placement(VaultRecord):
    """A stay: placed on `starts_on`, leaves on `ends_on` (empty while the person is there)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="placements")
    request = models.OneToOneField(
        PlacementRequest, on_delete=models.PROTECT, related_name="placement"
    )
    starts_on = models.DateField()
    cap_on = models.DateField()  # starts_on + the shelter's stay cap: leave by this day
    planned_end = models.DateField()  # the planned leaving day: cap_on, or earlier
    ends_on = models.DateField(null=True, blank=True)
    note = EncryptedTextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("placement", "pk"),)
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "shelter": OPERATIONAL,
        "request": OPERATIONAL,
        "starts_on": OPERATIONAL,
        "planned_end": OPERATIONAL,
        "cap_on": OPERATIONAL,
        "ends_on": OPERATIONAL,
        "placed_by": OPERATIONAL,
        "ended_by": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["shelter", "starts_on"]),
            models.Index(fields=["case", "starts_on"]),
        ]
