"""Retention: how long each compartment keeps closed cases and declined requests, legal
holds that exempt a record, and the record of each purge (decision 0024).

Nothing here is sensitive: ids, counts, dates and choices only.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import OPERATIONAL
from corridor.vault.models import Compartment


class RetentionPolicy(models.Model):
    """A compartment's periods; an empty period keeps those records for ever."""

    compartment = models.OneToOneField(
        Compartment, on_delete=models.CASCADE, related_name="retention_policy"
    )
    closed_case_months = models.PositiveSmallIntegerField(null=True, blank=True)
    declined_days = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "closed_case_months": OPERATIONAL,
        "declined_days": OPERATIONAL,
        "updated_at": OPERATIONAL,
        "updated_by": OPERATIONAL,
    }


class HeldObject(models.TextChoices):
    CASE = "case", _("Case")
    SUBMISSION = "submission", _("Request")


class HoldBasis(models.TextChoices):
    COURT = "court", _("Evidence for a court")
    INVESTIGATION = "investigation", _("Evidence for an investigation")
    OTHER = "other", _("Other legal reason")


class LegalHold(models.Model):
    """While not released, the record is never purged whatever its policy says."""

    object_type = models.CharField(max_length=16, choices=HeldObject.choices)
    object_id = models.UUIDField()
    basis = models.CharField(max_length=16, choices=HoldBasis.choices)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "object_type": OPERATIONAL,
        "object_id": OPERATIONAL,
        "basis": OPERATIONAL,
        "placed_by": OPERATIONAL,
        "placed_at": OPERATIONAL,
        "released_by": OPERATIONAL,
        "released_at": OPERATIONAL,
    }

    class Meta:
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"],
                condition=models.Q(released_at__isnull=True),
                name="legal_hold_one_active",
            )
        ]


class PurgeRule(models.TextChoices):
    CLOSED = "closed", _("Closed case")
    DECLINED_CASE = "declined_case", _("Declined case")
    DECLINED_REQUEST = "declined_request", _("Declined request")


class Purge(models.Model):
    """One record whose keys were destroyed: what, under which rule, when, how many rows."""

    object_type = models.CharField(max_length=16, choices=HeldObject.choices)
    object_id = models.UUIDField(unique=True)
    compartment = models.ForeignKey(Compartment, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=16, choices=PurgeRule.choices)
    purged_at = models.DateTimeField(default=timezone.now)
    records = models.PositiveIntegerField(default=0)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "object_type": OPERATIONAL,
        "object_id": OPERATIONAL,
        "compartment": OPERATIONAL,
        "rule": OPERATIONAL,
        "purged_at": OPERATIONAL,
        "records": OPERATIONAL,
    }
