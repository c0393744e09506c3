"""Documentation writes: each one transaction with its audit entry.

Bad input raises ValidationError with translated messages, before anything is written. Every
record goes into the compartment of the record it belongs to (an act into its event's); links
between records of two compartments are refused, so a record never points at what its readers
cannot open. Consent writes are in `corridor.documentation.consent`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.documentation.models import (
    AWAITING_ANSWER,
    Act,
    Confidentiality,
    DatePrecision,
    Event,
    EventChain,
    Involvement,
    Person,
    PersonKind,
    PersonRole,
    RecipientKind,
    Referral,
    ReferralAnswer,
    ReferralStatus,
    SourceInformation,
    Term,
    Testimony,
    Vocabulary,
)
from corridor.vault.keyring import Keyring
from corridor.vault.models import Compartment, Membership, VaultRecord

TITLE_MAX = 300
TEXT_MAX = 50000  # a testimony can be long
NOTE_MAX = 5000
LANGUAGE = re.compile(r"[a-z]{2,3}")
REGION_CODE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


# --- checks shared by the writes --------------------------------------------------------


def _too_long(limit: int, *values: str) -> list[str]:
    return [_("A text is too long.")] if any(len(value) > limit for value in values) else []


def _term_check(term: Term | None, vocabulary: str, *, required: bool = False) -> list[str]:
    if term is None:
        missing = _("Choose a term for: %(what)s.") % {"what": Vocabulary(vocabulary).label}
        return [missing] if required else []
    if term.vocabulary != vocabulary or not term.active:
        return [_("This term is not in the vocabulary: %(what)s.") % {"what": term.label}]
    return []


def _same_compartment(record: VaultRecord, *others: VaultRecord | None) -> list[str]:
    if any(o is not None and o.compartment_id != record.compartment_id for o in others):
        return [_("Records of different compartments cannot be linked.")]
    return []


def _member(actor_id: int, compartment_id: int) -> bool:
    return Membership.objects.filter(
        user_id=actor_id, user__is_active=True, compartment_id=compartment_id
    ).exists()


def date_parts(precision: str, value: date | None, what: str) -> tuple[date | None, str]:
    """(operational month, encrypted exact day) of a date known to `precision`.

    For a month or a year, any day in it may be given: only the month (or the year) is kept.
    """
    if precision not in DatePrecision.values:
        raise ValidationError(_("Unknown date precision."))
    if precision == DatePrecision.UNKNOWN:
        return None, ""
    if value is None:
        raise ValidationError(
            _("Enter the %(what)s (any day of the month or year, if only that is known).")
            % {"what": what}
        )
    if value > timezone.localdate():
        raise ValidationError(_("The %(what)s cannot be in the future.") % {"what": what})
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1), ""
    if precision == DatePrecision.MONTH:
        return value.replace(day=1), ""
    return value.replace(day=1), value.isoformat()


def _dates_set(
    record: Event | Act,
    *,
    start_precision: str,
    start_date: date | None,
    end_precision: str,
    end_date: date | None,
) -> None:
    start_month, start_day = date_parts(start_precision, start_date, _("start date"))
    end_month, end_day = date_parts(end_precision, end_date, _("end date"))
    if start_month and end_month and end_month < start_month:
        raise ValidationError(_("The end cannot be before the start."))
    if start_day and end_day and end_day < start_day:
        raise ValidationError(_("The end cannot be before the start."))
    record.start_month, record.start_precision, record.start_day = (
        start_month,
        start_precision,
        start_day,
    )
    record.end_month, record.end_precision, record.end_day = end_month, end_precision, end_day


def _audited(actor_id: int | None, action: str, object_type: str, object_id: object) -> None:
    audit_record(
        actor_id=actor_id, action=action, object_type=object_type, object_id=str(object_id)
    )


# --- events ------------------------------------------------------------------------------


def _event_fields_set(
    event: Event,
    *,
    title: str,
    description: str,
    exact_place: str,
    region: Term | None,
    violation_status: Term | None,
    confidentiality: str,
    start_precision: str,
    start_date: date | None,
    end_precision: str,
    end_date: date | None,
) -> None:
    errors = []
    if not title.strip():
        errors.append(_("An event needs a title."))
    errors += _too_long(TITLE_MAX, title) + _too_long(TEXT_MAX, description, exact_place)
    errors += _term_check(region, Vocabulary.REGION)
    errors += _term_check(violation_status, Vocabulary.VIOLATION_STATUS)
    if confidentiality not in Confidentiality.values:
        errors.append(_("Unknown confidentiality."))
    if errors:
        raise ValidationError(errors)
    _dates_set(
        event,
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
    )
    event.title, event.description = title.strip(), description.strip()
    event.exact_place = exact_place.strip()
    event.region, event.violation_status = region, violation_status
    event.confidentiality = confidentiality


def event_create(
    *,
    actor_id: int,
    compartment: Compartment,
    title: str,
    description: str = "",
    exact_place: str = "",
    region: Term | None = None,
    violation_status: Term | None = None,
    confidentiality: str = Confidentiality.SHAREABLE,
    start_precision: str = DatePrecision.UNKNOWN,
    start_date: date | None = None,
    end_precision: str = DatePrecision.UNKNOWN,
    end_date: date | None = None,
) -> Event:
    """A new event in a documentation compartment the actor is a member of."""
    if not _member(actor_id, compartment.pk):
        raise ValidationError(_("You are not a member of this compartment."))
    event = Event(compartment=compartment, created_by_id=actor_id)
    _event_fields_set(
        event,
        title=title,
        description=description,
        exact_place=exact_place,
        region=region,
        violation_status=violation_status,
        confidentiality=confidentiality,
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
    )
    with transaction.atomic():
        event.save()
        _audited(actor_id, "doc_event.create", "doc_event", event.pk)
    return event


def event_update(
    *,
    actor_id: int,
    event: Event,
    title: str,
    description: str,
    exact_place: str,
    region: Term | None,
    violation_status: Term | None,
    confidentiality: str,
    start_precision: str,
    start_date: date | None,
    end_precision: str,
    end_date: date | None,
) -> Event:
    _event_fields_set(
        event,
        title=title,
        description=description,
        exact_place=exact_place,
        region=region,
        violation_status=violation_status,
        confidentiality=confidentiality,
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
    )
    event.updated_at = timezone.now()
    with transaction.atomic():
        event.save()
        _audited(actor_id, "doc_event.update", "doc_event", event.pk)
    return event


# --- persons -----------------------------------------------------------------------------


def _person_check(*, name: str, role: str, kind: str, texts: Iterable[str]) -> None:
    errors = []
    if not name.strip():
        errors.append(_("A person needs a name (or a description such as “unknown officer”)."))
    if role not in PersonRole.values:
        errors.append(_("Unknown role."))
    if kind not in PersonKind.values:
        errors.append(_("Unknown kind of person."))
    elif kind != PersonKind.PERSON and role != PersonRole.PERPETRATOR:
        errors.append(_("Only a perpetrator can be a unit or an institution."))
    errors += _too_long(NOTE_MAX, name, *texts)
    if errors:
        raise ValidationError(errors)


def person_create(
    *,
    actor_id: int,
    compartment: Compartment,
    name: str,
    role: str,
    kind: str = PersonKind.PERSON,
    other_names: str = "",
    description: str = "",
) -> Person:
    if not _member(actor_id, compartment.pk):
        raise ValidationError(_("You are not a member of this compartment."))
    _person_check(name=name, role=role, kind=kind, texts=(other_names, description))
    with transaction.atomic():
        person = Person(compartment=compartment, role=role, kind=kind, created_by_id=actor_id)
        person.name, person.other_names = name.strip(), other_names.strip()
        person.description = description.strip()
        person.save()
        _audited(actor_id, "doc_person.create", "doc_person", person.pk)
    return person


def person_update(
    *,
    actor_id: int,
    person: Person,
    name: str,
    role: str,
    kind: str,
    other_names: str,
    description: str,
) -> Person:
    _person_check(name=name, role=role, kind=kind, texts=(other_names, description))
    with transaction.atomic():
        person.name, person.other_names = name.strip(), other_names.strip()
        person.description, person.role, person.kind = description.strip(), role, kind
        person.save()
        _audited(actor_id, "doc_person.update", "doc_person", person.pk)
    return person


def _holds_key(keyring: Keyring, compartment_id: int) -> bool:
    version = Compartment.objects.values_list("key_version", flat=True).get(pk=compartment_id)
    return keyring.may_open(compartment_id, version)


def person_link_case(
    *, actor_id: int, keyring: Keyring, person: Person, case: Case | None
) -> Person:
    """Say that this person is (or, with None, is no longer) the person of a case.

    Only someone whose keyring opens both the person's compartment and the case's may link
    them (T3): the link tells the readers of each side that the other exists.
    """
    needed = [person.compartment_id] + ([case.compartment_id] if case is not None else [])
    if not all(_holds_key(keyring, compartment_id) for compartment_id in needed):
        raise ValidationError(
            _("Linking needs the keys of both the case's and the documentation's compartments.")
        )
    if case is not None and person.kind != PersonKind.PERSON:
        raise ValidationError(_("Only an individual can be the person of a case."))
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(case=case)
        person.case = case
        action = "doc_person.link" if case is not None else "doc_person.unlink"
        _audited(actor_id, action, "doc_person", person.pk)
    return person


# --- acts, involvements, sources, chains --------------------------------------------------


def act_create(
    *,
    actor_id: int,
    event: Event,
    victim: Person,
    act_type: Term | None,
    methods: Iterable[Term] = (),
    start_precision: str = DatePrecision.UNKNOWN,
    start_date: date | None = None,
    end_precision: str = DatePrecision.UNKNOWN,
    end_date: date | None = None,
    exact_place: str = "",
    region: Term | None = None,
    victim_status: Term | None = None,
    stated_reason: str = "",
    consequences: str = "",
) -> Act:
    """One thing done to one victim within `event` (in the event's compartment)."""
    act = Act(event=event, compartment_id=event.compartment_id, created_by_id=actor_id)
    _act_fields_set(
        act,
        victim=victim,
        act_type=act_type,
        methods=list(methods),
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
        exact_place=exact_place,
        region=region,
        victim_status=victim_status,
        stated_reason=stated_reason,
        consequences=consequences,
    )
    with transaction.atomic():
        act.save()
        act.methods.set(list(methods))
        _audited(actor_id, "doc_act.create", "doc_act", act.pk)
    return act


def _act_fields_set(
    act: Act,
    *,
    victim: Person,
    act_type: Term | None,
    methods: list[Term],
    start_precision: str,
    start_date: date | None,
    end_precision: str,
    end_date: date | None,
    exact_place: str,
    region: Term | None,
    victim_status: Term | None,
    stated_reason: str,
    consequences: str,
) -> None:
    errors = _same_compartment(act, victim)
    if victim.kind != PersonKind.PERSON:
        errors.append(_("A victim is an individual, not a unit or an institution."))
    errors += _term_check(act_type, Vocabulary.ACT_TYPE, required=True)
    for method in methods:
        errors += _term_check(method, Vocabulary.METHOD)
    errors += _term_check(region, Vocabulary.REGION)
    errors += _term_check(victim_status, Vocabulary.VICTIM_STATUS)
    errors += _too_long(TEXT_MAX, exact_place, stated_reason, consequences)
    if errors:
        raise ValidationError(errors)
    _dates_set(
        act,
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
    )
    act.victim, act.act_type, act.region, act.victim_status = (
        victim,
        act_type,
        region,
        victim_status,
    )
    act.exact_place, act.stated_reason = exact_place.strip(), stated_reason.strip()
    act.consequences = consequences.strip()


def act_update(
    *,
    actor_id: int,
    act: Act,
    victim: Person,
    act_type: Term | None,
    methods: Iterable[Term],
    start_precision: str,
    start_date: date | None,
    end_precision: str,
    end_date: date | None,
    exact_place: str,
    region: Term | None,
    victim_status: Term | None,
    stated_reason: str,
    consequences: str,
) -> Act:
    _act_fields_set(
        act,
        victim=victim,
        act_type=act_type,
        methods=list(methods),
        start_precision=start_precision,
        start_date=start_date,
        end_precision=end_precision,
        end_date=end_date,
        exact_place=exact_place,
        region=region,
        victim_status=victim_status,
        stated_reason=stated_reason,
        consequences=consequences,
    )
    with transaction.atomic():
        act.save()
        act.methods.set(list(methods))
        _audited(actor_id, "doc_act.update", "doc_act", act.pk)
    return act


def involvement_add(
    *,
    actor_id: int,
    act: Act,
    perpetrator: Person,
    degree: Term | None,
    perpetrator_type: Term | None = None,
    remarks: str = "",
) -> Involvement:
    """A perpetrator (a person, unit or institution) and their part in the act."""
    involvement = Involvement(act=act, compartment_id=act.compartment_id, created_by_id=actor_id)
    errors = _same_compartment(involvement, perpetrator)
    if perpetrator.role != PersonRole.PERPETRATOR:
        errors.append(_("Record this person as a perpetrator first."))
    errors += _term_check(degree, Vocabulary.INVOLVEMENT_DEGREE, required=True)
    errors += _term_check(perpetrator_type, Vocabulary.PERPETRATOR_TYPE)
    errors += _too_long(NOTE_MAX, remarks)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        involvement.perpetrator, involvement.degree = perpetrator, degree
        involvement.perpetrator_type = perpetrator_type
        involvement.remarks = remarks.strip()
        involvement.save()
        _audited(actor_id, "doc_involvement.create", "doc_involvement", involvement.pk)
    return involvement


def source_add(
    *,
    actor_id: int,
    event: Event,
    connection: Term | None,
    act: Act | None = None,
    testimony: Testimony | None = None,
    source: Person | None = None,
    document: str = "",
    reliability: Term | None = None,
    remarks: str = "",
) -> SourceInformation:
    """Which testimony, person or document supports the event (or one of its acts)."""
    info = SourceInformation(
        event=event, compartment_id=event.compartment_id, created_by_id=actor_id
    )
    errors = _same_compartment(info, act, testimony, source)
    if act is not None and act.event_id != event.pk:
        errors.append(_("This act is not part of this event."))
    if testimony is None and source is None and not document.strip():
        errors.append(_("Name the testimony, the person or the document that is the source."))
    errors += _term_check(connection, Vocabulary.SOURCE_CONNECTION, required=True)
    errors += _term_check(reliability, Vocabulary.RELIABILITY)
    errors += _too_long(NOTE_MAX, document, remarks)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        info.act, info.testimony, info.source = act, testimony, source
        info.connection, info.reliability = connection, reliability
        info.document, info.remarks = document.strip(), remarks.strip()
        info.save()
        _audited(actor_id, "doc_source.create", "doc_source", info.pk)
    return info


def chain_add(
    *, actor_id: int, from_event: Event, to_event: Event, chain_type: Term | None, remarks: str = ""
) -> EventChain:
    """One event leads to, causes or encompasses another."""
    chain = EventChain(
        from_event=from_event, compartment_id=from_event.compartment_id, created_by_id=actor_id
    )
    errors = _same_compartment(chain, to_event)
    if from_event.pk == to_event.pk:
        errors.append(_("An event cannot be chained to itself."))
    elif EventChain.objects.filter(from_event=from_event, to_event=to_event).exists():
        errors.append(_("These events are already chained."))
    errors += _term_check(chain_type, Vocabulary.CHAIN_TYPE, required=True)
    errors += _too_long(NOTE_MAX, remarks)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        chain.to_event, chain.chain_type, chain.remarks = to_event, chain_type, remarks.strip()
        chain.save()
        _audited(actor_id, "doc_chain.create", "doc_chain", chain.pk)
    return chain


# --- testimonies -------------------------------------------------------------------------


def testimony_create(
    *, actor_id: int, person: Person, text: str, language: str, taken_by: str, taken_on: date
) -> Testimony:
    """What `person` told, in their words, in the person's compartment."""
    language = language.strip().lower()
    errors = []
    if not text.strip():
        errors.append(_("A testimony needs its text."))
    if not LANGUAGE.fullmatch(language):
        errors.append(_("The language is a two- or three-letter ISO 639 code, e.g. ru or ce."))
    if not taken_by.strip():
        errors.append(_("Say who took the testimony."))
    if taken_on > timezone.localdate():
        errors.append(_("A testimony cannot be dated in the future."))
    errors += _too_long(TEXT_MAX, text) + _too_long(NOTE_MAX, taken_by)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        testimony = Testimony(
            person=person,
            compartment_id=person.compartment_id,
            language=language,
            taken_on=taken_on,
            recorded_by_id=actor_id,
        )
        testimony.text, testimony.taken_by = text.strip(), taken_by.strip()
        testimony.save()
        _audited(actor_id, "doc_testimony.create", "doc_testimony", testimony.pk)
    return testimony


# --- referrals ---------------------------------------------------------------------------


def _referral_check(
    *,
    compartment_id: int,
    recipient: str,
    recipient_kind: str,
    intervention_type: Term | None,
    sent_on: date,
    answer_due_on: date | None,
    owner_id: int,
    texts: Iterable[str],
) -> list[str]:
    errors = []
    if not recipient.strip():
        errors.append(_("Say who the referral was sent to."))
    if recipient_kind not in RecipientKind.values:
        errors.append(_("Unknown kind of recipient."))
    errors += _term_check(intervention_type, Vocabulary.INTERVENTION_TYPE, required=True)
    if sent_on > timezone.localdate():
        errors.append(_("A referral cannot be sent in the future."))
    if answer_due_on is not None and answer_due_on < sent_on:
        errors.append(_("The answer cannot be due before the referral was sent."))
    if not _member(owner_id, compartment_id):
        errors.append(_("The person following it up must be a member of its compartment."))
    return errors + _too_long(NOTE_MAX, recipient, *texts)


def referral_create(
    *,
    actor_id: int,
    compartment: Compartment,
    intervention_type: Term | None,
    recipient: str,
    recipient_kind: str,
    sent_on: date,
    owner_id: int,
    through: str = "",
    sent_what: str = "",
    asked: str = "",
    answer_due_on: date | None = None,
    parent: Referral | None = None,
    events: Iterable[Event] = (),
    victims: Iterable[Person] = (),
) -> Referral:
    """A report sent to an authority or body (HURIDOCS intervention), sent by the actor."""
    events, victims = list(events), list(victims)
    if not _member(actor_id, compartment.pk):
        raise ValidationError(_("You are not a member of this compartment."))
    referral = Referral(compartment=compartment)
    errors = _referral_check(
        compartment_id=compartment.pk,
        recipient=recipient,
        recipient_kind=recipient_kind,
        intervention_type=intervention_type,
        sent_on=sent_on,
        answer_due_on=answer_due_on,
        owner_id=owner_id,
        texts=(through, sent_what, asked),
    )
    errors += _same_compartment(referral, parent, *events, *victims)
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))
    with transaction.atomic():
        referral.intervention_type, referral.recipient_kind = intervention_type, recipient_kind
        referral.recipient, referral.through = recipient.strip(), through.strip()
        referral.sent_what, referral.asked = sent_what.strip(), asked.strip()
        referral.sent_on, referral.answer_due_on, referral.parent = sent_on, answer_due_on, parent
        referral.sent_by_id = referral.created_by_id = actor_id
        referral.owner_id = owner_id
        referral.save()
        referral.events.set(events)
        referral.victims.set(victims)
        _audited(actor_id, "doc_referral.create", "doc_referral", referral.pk)
    return referral


def referral_update(
    *,
    actor_id: int,
    referral: Referral,
    status: str,
    answer_due_on: date | None,
    owner_id: int,
) -> Referral:
    """Change a referral's status, deadline or the person following it up.

    A deadline moved to a day not yet passed, or a status that no longer awaits an answer,
    takes the referral off the overdue list; the worker puts it back if the new day passes.
    """
    errors = []
    if status not in ReferralStatus.values:
        errors.append(_("Unknown status."))
    if answer_due_on is not None and answer_due_on < referral.sent_on:
        errors.append(_("The answer cannot be due before the referral was sent."))
    if not _member(owner_id, referral.compartment_id):
        errors.append(_("The person following it up must be a member of its compartment."))
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    still_late = status in AWAITING_ANSWER and answer_due_on is not None and answer_due_on < today
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=status,
            answer_due_on=answer_due_on,
            owner_id=owner_id,
            overdue=referral.overdue and still_late,
        )
        _audited(actor_id, "doc_referral.update", "doc_referral", referral.pk)
    referral.refresh_from_db(fields=["status", "answer_due_on", "owner", "overdue"])
    return referral


def referral_answer_add(
    *,
    actor_id: int,
    referral: Referral,
    received_on: date,
    status_after: str,
    response: Term | None = None,
    summary: str = "",
    document: str = "",
) -> ReferralAnswer:
    """An answer came: its date, its kind, what it said; the referral takes its new status."""
    errors = []
    if received_on > timezone.localdate():
        errors.append(_("An answer cannot be received in the future."))
    if received_on < referral.sent_on:
        errors.append(_("An answer cannot be received before the referral was sent."))
    if status_after not in ReferralStatus.values:
        errors.append(_("Unknown status."))
    errors += _term_check(response, Vocabulary.RESPONSE)
    errors += _too_long(NOTE_MAX, summary, document)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        answer = ReferralAnswer(
            referral=referral,
            compartment_id=referral.compartment_id,
            received_on=received_on,
            response=response,
            status_after=status_after,
            recorded_by_id=actor_id,
        )
        answer.summary, answer.document = summary.strip(), document.strip()
        answer.save()
        Referral.objects.filter(pk=referral.pk).update(status=status_after, overdue=False)
        _audited(actor_id, "doc_answer.create", "doc_answer", answer.pk)
    referral.status, referral.overdue = status_after, False
    return answer


# --- vocabularies ------------------------------------------------------------------------


def term_create(
    *, actor_id: int, vocabulary: str, label_en: str, label_ru: str, code: str = ""
) -> Term:
    """A term the organisation adds to a vocabulary (HURIDOCS code if it has one)."""
    code = code.strip()
    errors = []
    if vocabulary not in Vocabulary.values:
        errors.append(_("Unknown vocabulary."))
    if not label_en.strip() or not label_ru.strip():
        errors.append(_("Give the term in English and in Russian."))
    if len(label_en) > 200 or len(label_ru) > 200:
        errors.append(_("A term is at most 200 characters."))
    if code:
        pattern = REGION_CODE if vocabulary == Vocabulary.REGION else re.compile(r"\d{12}")
        if not pattern.fullmatch(code):
            errors.append(
                _("A HURIDOCS code is 12 digits; a region's is its ISO 3166-2 code, e.g. RU-CE.")
            )
        elif Term.objects.filter(vocabulary=vocabulary, code=code).exists():
            errors.append(_("This vocabulary already has a term with this code."))
    key = slugify(label_en).replace("-", "_")[:40] or uuid.uuid4().hex[:12]
    if Term.objects.filter(vocabulary=vocabulary, key=key).exists():
        errors.append(_("This vocabulary already has this term."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        term = Term.objects.create(
            vocabulary=vocabulary,
            key=key,
            code=code,
            label_en=label_en.strip(),
            label_ru=label_ru.strip(),
            position=1000,
        )
        _audited(actor_id, "doc_term.create", "doc_term", term.pk)
    return term
