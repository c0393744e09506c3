"""Documentation of abuses, in the shape of the HURIDOCS Events Standard Formats.

An **event** is made of **acts**, each one thing done to one victim; **persons** are victims,
perpetrators (a person, a unit or an institution), witnesses and sources; an **involvement**
ties a perpetrator to an act; **source information** says which testimony or document supports
an event or act; **chains** link events. **Testimonies** carry their **consents**, per use, and
the withdrawals of those consents (`corridor.documentation.consent`). **Referrals** are
HURIDOCS interventions: who was sent what, through whom, what was asked, and the answers.

Every record is a vault record in a documentation compartment (T1, T3): titles, descriptions,
names, exact places, exact days, testimonies and reasons are encrypted. What statistics and
the worker need stays in clear: act types and other vocabulary terms, the month (or year) of a
date and its precision, the coarse region, links between records, deadlines and statuses.
Vocabularies are data (`Term`), loaded with their HURIDOCS micro-thesaurus codes by a data
migration; the organisation adds its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from corridor.vault.classification import OPERATIONAL
from corridor.vault.fields import EncryptedTextField
from corridor.vault.models import VaultRecord

# --- vocabularies ------------------------------------------------------------------------


class Vocabulary(models.TextChoices):
    """The vocabularies kept as data; the number is the HURIDOCS micro-thesaurus."""

    ACT_TYPE = "act_type", _("Type of act")  # micro-thesaurus 4, ESF field 2109
    METHOD = "method", _("Method of violence")  # 5, field 2114
    VICTIM_STATUS = "victim_status", _("Status at the end of the act")  # 25, field 2123
    PERPETRATOR_TYPE = "perpetrator_type", _("Type of perpetrator")  # 24, field 2412
    INVOLVEMENT_DEGREE = "involvement_degree", _("Degree of involvement")  # 18, field 2409
    SOURCE_CONNECTION = "source_connection", _("Source connection to information")  # 19, 2509
    RELIABILITY = "reliability", _("Reliability")  # 42, fields 2553 and 0953
    VIOLATION_STATUS = "violation_status", _("Violation status")  # 41, field 0151
    CHAIN_TYPE = "chain_type", _("Type of chain of events")  # 22, field 2209
    INTERVENTION_TYPE = "intervention_type", _("Type of intervention")  # 20, field 2609
    RESPONSE = "response", _("Response")  # 27, field 2613
    REGION = "region", _("Region")  # local geographical area (ISO 3166-2 codes), field 0112


class Term(models.Model):
    """One term of a vocabulary: a stable key, its HURIDOCS code, English and Russian labels.

    Reference data, never about a person (operational). `code` is the 12-digit HURIDOCS
    micro-thesaurus code, or the ISO 3166-2 code of a region; it is empty for a term HURIDOCS
    has no code for (the organisation's own, or a few of the 2017 act types: decision 0019).
    A term in use is retired (`active=False`), never deleted.
    """

    vocabulary = models.CharField(max_length=24, choices=Vocabulary.choices)
    key = models.SlugField(max_length=48)
    code = models.CharField(max_length=16, blank=True, default="")
    label_en = models.CharField(max_length=200)
    label_ru = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)
    builtin = models.BooleanField(default=False)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "vocabulary": OPERATIONAL,
        "key": OPERATIONAL,
        "code": OPERATIONAL,
        "label_en": OPERATIONAL,
        "label_ru": OPERATIONAL,
        "position": OPERATIONAL,
        "active": OPERATIONAL,
        "builtin": OPERATIONAL,
    }

    class Meta:
        ordering: ClassVar = ["vocabulary", "position", "label_en"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["vocabulary", "key"], name="term_key_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The label in the language of this request (Russian or English)."""
        return self.label_ru if (get_language() or "").startswith("ru") else self.label_en


def _term(vocabulary: str, related_name: str = "+", *, null: bool = True) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        Term,
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"vocabulary": vocabulary},
    )


class DatePrecision(models.TextChoices):
    """How much of a date is known (HURIDOCS date type, micro-thesaurus 48: see HURIDOCS_CODES).

    The month (or the year) is operational, for statistics; the exact day is sensitive.
    """

    EXACT = "exact", _("Exact day")
    MONTH = "month", _("Month known, day unknown")
    YEAR = "year", _("Year known, month and day unknown")
    UNKNOWN = "unknown", _("Date unknown")


DATE_PRECISION_CODES = {
    DatePrecision.EXACT: "",
    DatePrecision.MONTH: "020000000000",  # Unknown day
    DatePrecision.YEAR: "030000000000",  # Unknown month and day
    DatePrecision.UNKNOWN: "",
}


class Confidentiality(models.TextChoices):
    """HURIDOCS confidentiality (fields 0108, 2108): may this record leave the organisation?"""

    SHAREABLE = "shareable", _("May be shared, with consent")
    CONFIDENTIAL = "confidential", _("Confidential: never leaves the organisation")


class PersonRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    PERPETRATOR = "perpetrator", _("Perpetrator")
    WITNESS = "witness", _("Witness")
    SOURCE = "source", _("Source")


class PersonKind(models.TextChoices):
    """HURIDOCS counting unit (micro-thesaurus 7): a perpetrator may be a unit or institution."""

    PERSON = "person", _("Individual")
    UNIT = "unit", _("Unit")
    INSTITUTION = "institution", _("Institution")


COUNTING_UNIT_CODES = {
    PersonKind.PERSON: "010000000000",
    PersonKind.UNIT: "030000000000",  # group, organisation or institution
    PersonKind.INSTITUTION: "030000000000",
}


# --- the record --------------------------------------------------------------------------


class DatedRecord(VaultRecord):
    """A start and an end, each as an operational month and an encrypted exact day.

    `*_month` is the first day of the month (of January, for a year-precision date), or null
    when unknown; `*_day` holds the ISO date, only for an exact date.
    """

    start_month = models.DateField(null=True, blank=True)
    start_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    start_day = EncryptedTextField()
    end_month = models.DateField(null=True, blank=True)
    end_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    end_day = EncryptedTextField()

    DATE_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "start_month": OPERATIONAL,
        "start_precision": OPERATIONAL,
        "end_month": OPERATIONAL,
        "end_precision": OPERATIONAL,
    }

    class Meta:
        abstract = True

    @staticmethod
    def _when(precision: str, month: Any, day: str) -> str:
        if precision == DatePrecision.EXACT and day:
            return day
        if month is None or precision == DatePrecision.UNKNOWN:
            return "?"
        return f"{month:%Y}" if precision == DatePrecision.YEAR else f"{month:%Y-%m}"

    @property
    def period(self) -> str:
        """The dates as known: "2017-03-27", "2017-03", "2017", "?" ("start – end")."""
        start = self._when(self.start_precision, self.start_month, self.start_day)
        if self.end_precision == DatePrecision.UNKNOWN:
            return start
        return f"{start} – {self._when(self.end_precision, self.end_month, self.end_day)}"


class Event(DatedRecord):
    """HURIDOCS event format: what happened, where (a region in clear, the place encrypted)."""

    title = EncryptedTextField()
    description = EncryptedTextField()
    exact_place = EncryptedTextField()
    region = _term(Vocabulary.REGION)
    violation_status = _term(Vocabulary.VIOLATION_STATUS)
    confidentiality = models.CharField(
        max_length=16, choices=Confidentiality.choices, default=Confidentiality.SHAREABLE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        **DatedRecord.DATE_CLASSIFICATION,
        "region": OPERATIONAL,
        "violation_status": OPERATIONAL,
        "confidentiality": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
        "updated_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("doc_event", "pk"),)

    class Meta:
        ordering: ClassVar = ["-start_month", "-created_at"]
        indexes: ClassVar = [models.Index(fields=["compartment", "-start_month"])]


class Person(VaultRecord):
    """A victim, perpetrator, witness or source (HURIDOCS person format).

    `case` links the person to a Corridor case (the same man who was evacuated); only someone
    who holds the keys of both compartments may set it (`actions.person_link_case`). The link
    is an id in clear, so the case page can find the documentation about its person; what
    either record says stays under its own compartment's key.
    """

    name = EncryptedTextField()
    other_names = EncryptedTextField()
    description = EncryptedTextField()  # what identifies them: age, work, a unit's number
    role = models.CharField(max_length=12, choices=PersonRole.choices)
    kind = models.CharField(max_length=12, choices=PersonKind.choices, default=PersonKind.PERSON)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "role": OPERATIONAL,
        "kind": OPERATIONAL,
        "case": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("doc_person", "pk"),)

    class Meta:
        ordering: ClassVar = ["created_at"]
        indexes: ClassVar = [models.Index(fields=["case"])]


class Act(DatedRecord):
    """HURIDOCS act format: one thing done to one victim within an event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="acts")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="acts_suffered")
    act_type = _term(Vocabulary.ACT_TYPE, null=False)
    methods = models.ManyToManyField(
        Term, blank=True, related_name="+", limit_choices_to={"vocabulary": Vocabulary.METHOD}
    )
    exact_place = EncryptedTextField()
    region = _term(Vocabulary.REGION)
    victim_status = _term(Vocabulary.VICTIM_STATUS)
    stated_reason = EncryptedTextField()  # HURIDOCS 2113: what the perpetrators said it was for
    consequences = EncryptedTextField()  # physical and psychological (2116, 2117)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        **DatedRecord.DATE_CLASSIFICATION,
        "event": OPERATIONAL,
        "victim": OPERATIONAL,
        "act_type": OPERATIONAL,
        "methods": OPERATIONAL,
        "region": OPERATIONAL,
        "victim_status": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("doc_act", "pk"), ("doc_event", "event_id"))

    class Meta:
        ordering: ClassVar = ["start_month", "created_at"]
        indexes: ClassVar = [models.Index(fields=["act_type", "start_month"])]


class Involvement(VaultRecord):
    """HURIDOCS involvement format: a perpetrator's part in an act."""

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="involvements")
    perpetrator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    degree = _term(Vocabulary.INVOLVEMENT_DEGREE, null=False)
    perpetrator_type = _term(Vocabulary.PERPETRATOR_TYPE)
    remarks = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "act": OPERATIONAL,
        "perpetrator": OPERATIONAL,
        "degree": OPERATIONAL,
        "perpetrator_type": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_involvement", "pk"),
        ("doc_act", "act_id"),
    )


class EventChain(VaultRecord):
    """HURIDOCS chain of events: one event leading to (or part of) another."""

    from_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="chains_out")
    to_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="chains_in")
    chain_type = _term(Vocabulary.CHAIN_TYPE, null=False)
    remarks = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "from_event": OPERATIONAL,
        "to_event": OPERATIONAL,
        "chain_type": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_chain", "pk"),
        ("doc_event", "from_event_id"),
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["from_event", "to_event"], name="event_chain_unique")
        ]


class Testimony(VaultRecord):
    """What a person told, in their words: who took it, when, in which language.

    Files (audio, video, photographs, medical records, scans) are evidence items that point
    here (corridor.evidence). Each use of a testimony needs its own consent (`Consent`).
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="testimonies")
    text = EncryptedTextField()
    language = models.CharField(max_length=8)  # ISO 639-1: ru, ce (Chechen), en...
    taken_by = EncryptedTextField()  # the interviewer, who may be a partner's
    taken_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "person": OPERATIONAL,
        "language": OPERATIONAL,
        "taken_on": OPERATIONAL,
        "recorded_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("doc_testimony", "pk"),)

    class Meta:
        ordering: ClassVar = ["taken_on", "created_at"]


class SourceInformation(VaultRecord):
    """HURIDOCS information format: which testimony, person or document supports an event or
    one of its acts, how the source is connected to it, and how reliable it is."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sources")
    act = models.ForeignKey(
        Act, null=True, blank=True, on_delete=models.CASCADE, related_name="sources"
    )
    testimony = models.ForeignKey(
        Testimony, null=True, blank=True, on_delete=models.PROTECT, related_name="supports"
    )
    source = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="information_given"
    )
    document = EncryptedTextField()  # a media report, an official document: what and where
    connection = _term(Vocabulary.SOURCE_CONNECTION, null=False)
    reliability = _term(Vocabulary.RELIABILITY)
    remarks = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "event": OPERATIONAL,
        "act": OPERATIONAL,
        "testimony": OPERATIONAL,
        "source": OPERATIONAL,
        "connection": OPERATIONAL,
        "reliability": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_source", "pk"),
        ("doc_event", "event_id"),
    )


# --- consent -----------------------------------------------------------------------------


class ConsentUse(models.TextChoices):
    """What a testimony may be used for; the keys are `consent.CONSENT_USES`."""

    STATISTICS = "statistics", _("Statistics only")
    INTERNATIONAL = "international", _("UN and international bodies")
    COURT = "court", _("Courts")
    DOMESTIC_AUTHORITY = "domestic_authority", _("Domestic authorities")
    MEDIA = "media", _("Media")
    PARTNER = "partner", _("Partner organisations")


class ConsentObtained(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form")
    RECORDED_ORAL = "recorded_oral", _("Recorded oral consent")


class Consent(VaultRecord):
    """The person's answer for one use of one testimony; the latest answer for a use counts.

    `granted` False records a refusal; `anonymised` allows the use only with redaction
    (pseudonyms for names, exact places coarsened). Never edited: a new answer is a new row.
    """

    testimony = models.ForeignKey(Testimony, on_delete=models.CASCADE, related_name="consents")
    use = models.CharField(max_length=20, choices=ConsentUse.choices)
    granted = models.BooleanField()
    anonymised = models.BooleanField(default=True)
    obtained_how = models.CharField(max_length=16, choices=ConsentObtained.choices)
    obtained_on = models.DateField()
    obtained_by = EncryptedTextField()
    note = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "testimony": OPERATIONAL,
        "use": OPERATIONAL,
        "granted": OPERATIONAL,
        "anonymised": OPERATIONAL,
        "obtained_how": OPERATIONAL,
        "obtained_on": OPERATIONAL,
        "recorded_by": OPERATIONAL,
        "recorded_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_consent", "pk"),
        ("doc_testimony", "testimony_id"),
    )

    class Meta:
        indexes: ClassVar = [models.Index(fields=["testimony", "use", "-recorded_at"])]


class ConsentWithdrawal(VaultRecord):
    """A consent the person took back, with their reason. One per consent."""

    consent = models.OneToOneField(Consent, on_delete=models.CASCADE, related_name="withdrawal")
    reason = EncryptedTextField()
    withdrawn_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # How many earlier exports carried the testimony when it was withdrawn (who to tell)
    exports_found = models.PositiveIntegerField(default=0)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "consent": OPERATIONAL,
        "withdrawn_at": OPERATIONAL,
        "recorded_by": OPERATIONAL,
        "exports_found": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_withdrawal", "pk"),
        ("doc_consent", "consent_id"),
    )


# --- referrals (HURIDOCS intervention format) --------------------------------------------


class RecipientKind(models.TextChoices):
    """Who a referral goes to; each kind needs consent for the use it names (CONSENT_FOR)."""

    DOMESTIC_AUTHORITY = "domestic_authority", _("Domestic authority")
    OMBUDSMAN = "ombudsman", _("Ombudsman")
    COURT = "court", _("Court")
    INTERNATIONAL = "international", _("UN or international body")
    MEDIA = "media", _("Media")
    PARTNER = "partner", _("Partner organisation")


RECIPIENT_CONSENT_USE = {
    RecipientKind.DOMESTIC_AUTHORITY: ConsentUse.DOMESTIC_AUTHORITY,
    RecipientKind.OMBUDSMAN: ConsentUse.DOMESTIC_AUTHORITY,
    RecipientKind.COURT: ConsentUse.COURT,
    RecipientKind.INTERNATIONAL: ConsentUse.INTERNATIONAL,
    RecipientKind.MEDIA: ConsentUse.MEDIA,
    RecipientKind.PARTNER: ConsentUse.PARTNER,
}


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Refused")
    INVESTIGATION_OPENED = "investigation_opened", _("Investigation opened")
    CLOSED = "closed", _("Closed")


# Still waiting for an answer: the deadline can pass for these.
AWAITING_ANSWER = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)


class Referral(VaultRecord):
    """A report sent to an authority or body, tracked until it is answered.

    `answer_due_on` is the deadline for an answer: once it has passed with the referral still
    awaiting one, the worker marks it `overdue` (corridor.documentation.deadlines), and it
    stands on its owner's list until an answer comes. `parent` chains referrals (the
    ombudsman's forwarding of the organisation's report, a follow-up after a refusal).
    """

    intervention_type = _term(Vocabulary.INTERVENTION_TYPE, null=False)
    recipient = EncryptedTextField()
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    through = EncryptedTextField()  # the intermediary: "the federal ombudsman"
    sent_what = EncryptedTextField()  # letters, packages, their references
    asked = EncryptedTextField()  # what was asked: open an investigation, find the men...
    sent_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    answer_due_on = models.DateField(null=True, blank=True)
    overdue = models.BooleanField(default=False)  # set by the worker once the deadline passed
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    events = models.ManyToManyField(Event, blank=True, related_name="referrals")
    victims = models.ManyToManyField(Person, blank=True, related_name="referrals")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "intervention_type": OPERATIONAL,
        "recipient_kind": OPERATIONAL,
        "sent_on": OPERATIONAL,
        "sent_by": OPERATIONAL,
        "owner": OPERATIONAL,
        "status": OPERATIONAL,
        "answer_due_on": OPERATIONAL,
        "overdue": OPERATIONAL,
        "parent": OPERATIONAL,
        "events": OPERATIONAL,
        "victims": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (("doc_referral", "pk"),)

    class Meta:
        ordering: ClassVar = ["-sent_on", "-created_at"]
        indexes: ClassVar = [models.Index(fields=["overdue", "status", "answer_due_on"])]


class ReferralAnswer(VaultRecord):
    """An answer to a referral: when, what kind of response, what it said, its document."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="answers")
    received_on = models.DateField()
    response = _term(Vocabulary.RESPONSE)
    status_after = models.CharField(max_length=20, choices=ReferralStatus.choices)
    summary = EncryptedTextField()
    document = EncryptedTextField()  # the letter's number and date, where the file is kept
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "referral": OPERATIONAL,
        "received_on": OPERATIONAL,
        "response": OPERATIONAL,
        "status_after": OPERATIONAL,
        "recorded_by": OPERATIONAL,
        "created_at": OPERATIONAL,
    }
    AUDIT_AS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("doc_answer", "pk"),
        ("doc_referral", "referral_id"),
    )

    class Meta:
        ordering: ClassVar = ["received_on", "created_at"]
