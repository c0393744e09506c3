"""Relocation: a person's papers, the destination countries and pathways, visa and
resettlement applications, and the travel that takes a person out.

The country registry is operational reference data (public policy, no person in it), so it
is a plain table. Everything tied to a case is a vault record in the case's compartment:
dates, codes and the destination country stay in clear for the country board (no key needed
to count and time), while holders, places, refusal and failure reasons are encrypted.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import EncryptedTextField
from corridor.vault.models import VaultRecord


class Pathway(models.TextChoices):
    HUMANITARIAN_VISA = "humanitarian_visa", _("Humanitarian visa")
    NATIONAL_VISA = "national_visa", _("National visa")
    RESETTLEMENT = "resettlement", _("Resettlement")
    ASYLUM_ON_ARRIVAL = "asylum_on_arrival", _("Asylum on arrival")
    OTHER = "other", _("Other")


class Country(models.Model):
    """A destination country: ISO 3166-1 alpha-2 code, names, public policy notes."""

    code = models.CharField(max_length=2, unique=True)
    name_en = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    # Public policy only (what the embassy asks for, how long it takes); never about a person.
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "code": OPERATIONAL,
        "name_en": OPERATIONAL,
        "name_ru": OPERATIONAL,
        "notes": OPERATIONAL,
        "created_at": OPERATIONAL,
    }

    class Meta:
        ordering: ClassVar = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the language of this request (Russian or English)."""
        return self.name_ru if (get_language() or "").startswith("ru") else self.name_en


class CountryPathway(models.Model):
    """A route a country offers (or is known to refuse), with what the team knows of it."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="pathways")
    pathway = models.CharField(max_length=24, choices=Pathway.choices)
    notes = models.TextField(blank=True, default="")

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "country": OPERATIONAL,
        "pathway": OPERATIONAL,
        "notes": OPERATIONAL,
    }

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["country", "pathway"], name="country_pathway_unique")
        ]


class DocumentKind(models.TextChoices):
    INTERNAL_PASSPORT = "internal_passport", _("Internal passport")
    INTERNATIONAL_PASSPORT = "international_passport", _("International passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    MILITARY_ID = "military_id", _("Military ID")
    VISA = "visa", _("Visa")
    OTHER = "other", _("Other")


class DocumentStatus(models.TextChoices):
    HELD_BY_PERSON = "held_by_person", _("Held by the person")
    HELD_BY_RELATIVE = "held_by_relative", _("Held by a relative")
    HELD_BY_POLICE = "held_by_police", _("Held by the police")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")
    NEEDED = "needed", _("Needed")


class RiskFlag(models.TextChoices):
    """Filings that get a person stopped at an airport or a border."""

    THEFT_COMPLAINT = "theft_complaint", _("Theft complaint filed by relatives")
    WANTED_LIST = "wanted_list", _("On a wanted list")
    OTHER = "other", _("Other risk")


class Document(VaultRecord):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    status = models.CharField(max_length=20, choices=DocumentStatus.choices)
    holder_note = EncryptedTextField()  # who holds it, where: locates people
    expires_on = models.DateField(null=True, blank=True)
    # Codes of RiskFlag only: the codes are operational, the story behind them is risk_note.
    risk_flags = models.JSONField(default=list, blank=True)
    risk_note = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("document", "pk"), ("case", "case_id"))
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "kind": OPERATIONAL,
        "status": OPERATIONAL,
        "expires_on": OPERATIONAL,
        "risk_flags": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": OPERATIONAL,
    }

    class Meta:
        ordering: ClassVar = ["created_at"]

    def risk_flag_labels(self) -> list[str]:
        labels = dict(RiskFlag.choices)
        return [str(labels.get(code, code)) for code in self.risk_flags]


class ApplicationOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Still leading somewhere: the board attributes a case to its most recent open application.
OPEN_OUTCOMES = (ApplicationOutcome.PENDING, ApplicationOutcome.GRANTED)


class Application(VaultRecord):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="applications")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="applications")
    pathway = models.CharField(max_length=24, choices=Pathway.choices)
    submitted_on = models.DateField(null=True, blank=True)
    interview_on = models.DateField(null=True, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=ApplicationOutcome.choices, default=ApplicationOutcome.PENDING
    )
    refusal_reason = EncryptedTextField()
    notes = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("application", "pk"), ("case", "case_id"))
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "country": OPERATIONAL,
        "pathway": OPERATIONAL,
        "submitted_on": OPERATIONAL,
        "interview_on": OPERATIONAL,
        "decision_on": OPERATIONAL,
        "outcome": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": OPERATIONAL,
    }

    class Meta:
        ordering: ClassVar = ["created_at"]
        indexes: ClassVar = [models.Index(fields=["compartment", "case"])]

    def wait_days(self, today: date | None = None) -> int | None:
        """Days from submission to the decision, or to today while it is pending."""
        if self.submitted_on is None:
            return None
        end = self.decision_on or today or timezone.localdate()
        return (end - self.submitted_on).days


class TravelKind(models.TextChoices):
    DEPARTURE = "departure", _("Departure abroad")
    ARRIVAL = "arrival", _("Arrival in the destination country")
    DOMESTIC = "domestic", _("Travel inside Russia")


class TravelOutcome(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class TravelLeg(VaultRecord):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="travel_legs")
    kind = models.CharField(max_length=12, choices=TravelKind.choices)
    from_place = EncryptedTextField()
    to_place = EncryptedTextField()
    planned_on = models.DateField(null=True, blank=True)
    travelled_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=TravelOutcome.choices, default=TravelOutcome.PLANNED
    )
    failure_reason = EncryptedTextField()
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="travel_legs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Set by the action that saved it, when the move it implies was refused (not a column).
    move_refused: str = ""

    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("travel_leg", "pk"), ("case", "case_id"))
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "case": OPERATIONAL,
        "kind": OPERATIONAL,
        "planned_on": OPERATIONAL,
        "travelled_on": OPERATIONAL,
        "outcome": OPERATIONAL,
        "country": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": OPERATIONAL,
    }

    class Meta:
        ordering: ClassVar = ["created_at"]
