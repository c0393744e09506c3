"""PlainCase: the columns of cases.Case in clear, with the same primary key and index.

Only bench/vault_bench.py installs this app (it has no migrations; the bench creates its
table with `migrate --run-syncdb` in a throwaway database). Never part of the product.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class PlainCase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    full_name = models.TextField()
    aliases = models.JSONField(default=list)
    phone = models.TextField(blank=True)
    location = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    stage = models.CharField(max_length=16, default="request")
    risk_level = models.CharField(max_length=8, default="medium")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["compartment", "-created_at"])]
