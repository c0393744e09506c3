"""A donor report as it was asked for: the source, the period and the rates it was converted
at, so the same report reads the same later (decision 0029)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from corridor.cases.models import FundingSource
from corridor.vault.classification import OPERATIONAL


class DonorReport(models.Model):
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="reports")
    first_month = models.DateField()
    last_month = models.DateField()
    target_currency = models.CharField(max_length=3, blank=True, default="")
    rates = models.JSONField(default=dict)  # {"USD": "0.92"}: one unit in the target currency
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        name: OPERATIONAL
        for name in (
            "id", "source", "first_month", "last_month", "target_currency", "rates",
            "created_by", "created_at",
        )
    }  # fmt: skip
