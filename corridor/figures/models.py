"""Published statistics (decision 0030): releases, their frozen numbers, the privacy ledger.

Nothing here is sensitive on its own: a release holds noisy counts over public categories,
the ledger holds the epsilon each release spent. True counts are never stored.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import OPERATIONAL


class ReleaseFrozen(Exception):
    """A published release, or one of its numbers, cannot be changed."""


class PrivacyBudget(models.Model):
    """The epsilon the organisation allows itself to spend on releases about one year."""

    year = models.PositiveSmallIntegerField(unique=True)
    epsilon = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "year": OPERATIONAL,
        "epsilon": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", _("Prepared, not published")
    PUBLISHED = "published", _("Published")


class Release(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    year = models.PositiveSmallIntegerField()
    first_month = models.DateField()
    last_month = models.DateField()
    tables = models.JSONField()  # keys of corridor.figures.tables.TABLES, in order
    epsilon = models.FloatField()  # for the whole release, split evenly over its tables
    status = models.CharField(max_length=10, choices=ReleaseStatus.choices, default="draft")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        name: OPERATIONAL
        for name in (
            "id", "year", "first_month", "last_month", "tables", "epsilon", "status",
            "prepared_by", "prepared_at", "published_by", "published_at",
        )
    }  # fmt: skip

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = Release.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == ReleaseStatus.PUBLISHED:
                raise ReleaseFrozen(str(self.pk))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if Release.objects.filter(pk=self.pk, status=ReleaseStatus.PUBLISHED).exists():
            raise ReleaseFrozen(str(self.pk))
        return super().delete(*args, **kwargs)


class ReleaseValue(models.Model):
    """One published number, with its accuracy: the noise is within ±accuracy at 95%."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="values")
    table = models.CharField(max_length=32)
    category = models.CharField(max_length=48)  # a month, a country code or a term key
    position = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField()
    accuracy = models.PositiveIntegerField()

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        name: OPERATIONAL
        for name in ("id", "release", "table", "category", "position", "value", "accuracy")
    }

    class Meta:
        ordering: ClassVar = ["release", "position"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReleaseFrozen(str(self.pk))
        super().save(*args, **kwargs)


class LedgerEntry(models.Model):
    """What one release spent of its year's budget. Written with the publication, never after."""

    budget = models.ForeignKey(PrivacyBudget, on_delete=models.PROTECT, related_name="entries")
    release = models.OneToOneField(Release, on_delete=models.PROTECT, related_name="ledger")
    epsilon = models.FloatField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        name: OPERATIONAL for name in ("id", "budget", "release", "epsilon", "at", "actor")
    }
