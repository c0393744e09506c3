"""Plaintext twins of Corridor's encrypted models, for the benchmarks only.

PlainCase: the columns of cases.Case in clear, with the same primary key and index
(bench/vault_bench.py). TwinCase and its records: the case pipeline in clear
(bench/cases_bench.py). Only the benches install this app (it has no migrations; they create
its tables with `migrate --run-syncdb` in a throwaway database). Never part of the product.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from corridor.cases.models import ExpenseCategory, Outcome, RiskLevel, Stage, ThreatSource
from corridor.relocation.models import (
    Application,
    ApplicationOutcome,
    Document,
    DocumentKind,
    DocumentStatus,
    Pathway,
    TravelKind,
    TravelOutcome,
)


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


# --- The case pipeline in clear, for bench/cases_bench.py ---------------------------------
#
# Twins of cases.Case, CaseTransition, Expense and relocation's Document, Application and
# TravelLeg: the same columns and primary keys, the same choices (so the same templates
# render them), every sensitive field a plain column. Instead of keyed-hash search terms,
# the twin case has what a plaintext system would index: the linkage engine's order-free
# canonical name key (`name_parse(full_name).key`, Latin whatever the script) in a B-tree.


class TwinCase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    full_name = models.TextField()
    aliases = models.JSONField(default=list)
    phone = models.TextField(blank=True)
    messengers = models.JSONField(default=list)
    location = models.TextField(blank=True)
    dependants = models.JSONField(default=list)
    notes = models.TextField(blank=True)
    name_key = models.CharField(max_length=300, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices)
    threat_source = models.CharField(max_length=8, choices=ThreatSource.choices)
    outcome = models.CharField(max_length=16, blank=True, choices=Outcome.choices)
    closed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # What the list shows: the same columns as cases.Case.LIST_FIELDS, less the key columns.
    LIST_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "compartment",
        "full_name",
        "phone",
        "stage",
        "stage_entered_at",
        "risk_level",
        "assignee",
        "created_at",
    )

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["-created_at", "id"]),
            models.Index(fields=["compartment", "-created_at"]),
            models.Index(fields=["compartment", "stage", "-created_at"]),
            models.Index(fields=["name_key", "-created_at"]),  # B-tree: the plaintext search
        ]


class TwinTransition(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TwinCase, on_delete=models.CASCADE, related_name="transitions")
    seq = models.PositiveIntegerField()
    from_stage = models.CharField(max_length=16, blank=True, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    backward = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, blank=True, choices=Outcome.choices)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "seq"], name="twin_transition_seq_unique")
        ]


class TwinExpense(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TwinCase, on_delete=models.CASCADE, related_name="expenses")
    category = models.CharField(max_length=16, choices=ExpenseCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    spent_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)


class TwinDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TwinCase, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    status = models.CharField(max_length=20, choices=DocumentStatus.choices)
    holder_note = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    risk_flags = models.JSONField(default=list, blank=True)
    risk_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def risk_flag_labels(self) -> list[str]:
        return Document.risk_flag_labels(self)  # type: ignore[arg-type]


class TwinApplication(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TwinCase, on_delete=models.CASCADE, related_name="applications")
    country = models.ForeignKey("relocation.Country", on_delete=models.PROTECT, related_name="+")
    pathway = models.CharField(max_length=24, choices=Pathway.choices)
    submitted_on = models.DateField(null=True, blank=True)
    interview_on = models.DateField(null=True, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=ApplicationOutcome.choices)
    refusal_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def wait_days(self, today: Any = None) -> int | None:
        return Application.wait_days(self, today)  # type: ignore[arg-type]


class TwinTravelLeg(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    compartment = models.ForeignKey("vault.Compartment", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TwinCase, on_delete=models.CASCADE, related_name="travel_legs")
    kind = models.CharField(max_length=12, choices=TravelKind.choices)
    from_place = models.TextField(blank=True)
    to_place = models.TextField(blank=True)
    planned_on = models.DateField(null=True, blank=True)
    travelled_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=TravelOutcome.choices)
    failure_reason = models.TextField(blank=True)
    country = models.ForeignKey(
        "relocation.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
