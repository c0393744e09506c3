"""Relocation writes: each one transaction with its audit entry.

Bad input raises a ValidationError with a translated message before anything is written.
Recording a refused visa or a failed or completed journey may move the case along the
pipeline (`case_move_to_stage`) inside the same transaction: if the move is refused, the
record is rolled back with it, so the case and its papers never disagree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, Stage
from corridor.cases.pipeline import TransitionRefused
from corridor.relocation.models import (
    Application,
    ApplicationOutcome,
    Country,
    CountryPathway,
    Document,
    DocumentKind,
    DocumentStatus,
    Pathway,
    RiskFlag,
    TravelKind,
    TravelLeg,
    TravelOutcome,
)

COUNTRY_CODE = re.compile(r"[A-Z]{2}")
NAME_MAX = 100
TEXT_MAX = 20000
REASON_MAX = 5000  # a refusal or failure becomes the reason of a pipeline move: same limit
DECIDED = (ApplicationOutcome.GRANTED, ApplicationOutcome.REFUSED)
# International legs: a failure on either sends a case in departure back to the shelter.
ABROAD = (TravelKind.DEPARTURE, TravelKind.ARRIVAL)


# --- the country registry ----------------------------------------------------------------


def _country_check(
    *,
    code: str,
    name_en: str,
    name_ru: str,
    notes: str,
    pathways: Mapping[str, str],
    pk: int | None,
) -> None:
    errors = []
    if not COUNTRY_CODE.fullmatch(code):
        errors.append(_("The country code is two Latin capital letters (ISO 3166), e.g. DE."))
    elif Country.objects.filter(code=code).exclude(pk=pk or 0).exists():
        errors.append(_("A country with this code is already in the registry."))
    if not name_en.strip() or not name_ru.strip():
        errors.append(_("Give the country's name in English and in Russian."))
    if len(name_en) > NAME_MAX or len(name_ru) > NAME_MAX:
        errors.append(_("A country name is at most 100 characters."))
    if len(notes) > TEXT_MAX or any(len(n) > TEXT_MAX for n in pathways.values()):
        errors.append(_("The notes are too long."))
    if set(pathways) - set(Pathway.values):
        errors.append(_("Unknown pathway."))
    if errors:
        raise ValidationError(errors)


def _pathways_set(country: Country, pathways: Mapping[str, str]) -> None:
    country.pathways.exclude(pathway__in=list(pathways)).delete()
    for pathway, notes in pathways.items():
        CountryPathway.objects.update_or_create(
            country=country, pathway=pathway, defaults={"notes": notes.strip()}
        )


def country_create(
    *,
    actor_id: int | None,
    code: str,
    name_en: str,
    name_ru: str,
    notes: str = "",
    pathways: Mapping[str, str] | None = None,
) -> Country:
    """Add a destination country; `pathways` maps Pathway codes to notes about each."""
    pathways = dict(pathways or {})
    code = code.strip().upper()
    _country_check(
        code=code, name_en=name_en, name_ru=name_ru, notes=notes, pathways=pathways, pk=None
    )
    with transaction.atomic():
        country = Country.objects.create(
            code=code, name_en=name_en.strip(), name_ru=name_ru.strip(), notes=notes.strip()
        )
        _pathways_set(country, pathways)
        audit_record(
            actor_id=actor_id,
            action="country.create",
            object_type="country",
            object_id=str(country.pk),
        )
    return country


def country_update(
    *,
    actor_id: int,
    country: Country,
    code: str,
    name_en: str,
    name_ru: str,
    notes: str,
    pathways: Mapping[str, str],
) -> Country:
    """Replace a country's names, notes and pathways (those not given are removed)."""
    pathways = dict(pathways)
    code = code.strip().upper()
    _country_check(
        code=code, name_en=name_en, name_ru=name_ru, notes=notes, pathways=pathways, pk=country.pk
    )
    with transaction.atomic():
        fresh = Country.objects.select_for_update(no_key=True).get(pk=country.pk)
        # The entry first: a new code changes a unique column, which locks the row as a
        # delete does, and the applications and journeys that refer to the country check
        # it at commit, holding the audit head. Holding the head first, this save can only
        # wait for such a check to finish, never for one that waits on it (decision 0018).
        audit_record(
            actor_id=actor_id,
            action="country.update",
            object_type="country",
            object_id=str(fresh.pk),
        )
        fresh.code, fresh.name_en, fresh.name_ru = code, name_en.strip(), name_ru.strip()
        fresh.notes = notes.strip()
        fresh.save()
        _pathways_set(fresh, pathways)
    return fresh


# --- dates -------------------------------------------------------------------------------


def case_began_on(case: Case) -> date:
    """The day the case began (case_create dates its first transition the same)."""
    return timezone.localdate(case.created_at)


def _not_before_case(began: date, **dates: date | None) -> list[str]:
    return [
        _("No date may be before the case began (%(date)s).") % {"date": began.isoformat()}
        for value in dates.values()
        if value is not None and value < began
    ][:1]


def application_dates_check(
    *,
    began: date,
    today: date,
    submitted_on: date | None,
    interview_on: date | None,
    decision_on: date | None,
    outcome: str,
) -> None:
    """The date rules of an application; raises ValidationError naming each broken rule."""
    errors = _not_before_case(
        began, submitted_on=submitted_on, interview_on=interview_on, decision_on=decision_on
    )
    if submitted_on is None and (interview_on or decision_on):
        errors.append(_("Enter the date the application was submitted first."))
    if submitted_on and interview_on and interview_on < submitted_on:
        errors.append(_("The interview cannot be before the application was submitted."))
    if submitted_on and decision_on and decision_on < submitted_on:
        errors.append(_("The decision cannot be before the application was submitted."))
    if (submitted_on and submitted_on > today) or (decision_on and decision_on > today):
        errors.append(_("The submission and decision dates cannot be in the future."))
    if outcome in DECIDED and decision_on is None:
        errors.append(_("A granted or refused application needs the date of the decision."))
    if outcome == ApplicationOutcome.PENDING and decision_on is not None:
        errors.append(_("A pending application has no decision date yet."))
    if errors:
        raise ValidationError(errors)


# --- documents ---------------------------------------------------------------------------


def _document_check(
    *, kind: str, status: str, risk_flags: list[str], risk_note: str, holder_note: str
) -> None:
    errors = []
    if kind not in DocumentKind.values:
        errors.append(_("Unknown kind of document."))
    if status not in DocumentStatus.values:
        errors.append(_("Unknown document status."))
    if set(risk_flags) - set(RiskFlag.values):
        errors.append(_("Unknown risk flag."))
    if RiskFlag.OTHER in risk_flags and not risk_note.strip():
        errors.append(_("Describe the other risk in the risk note."))
    if len(risk_note) > TEXT_MAX or len(holder_note) > TEXT_MAX:
        errors.append(_("The notes are too long."))
    if errors:
        raise ValidationError(errors)


def _flags(risk_flags: Iterable[str]) -> list[str]:
    """Distinct codes in the order RiskFlag lists them."""
    given = set(risk_flags)
    return [code for code in RiskFlag.values if code in given] + sorted(
        given - set(RiskFlag.values)
    )


def _document_write(
    *,
    actor_id: int,
    document: Document,
    action: str,
    kind: str,
    status: str,
    holder_note: str,
    expires_on: date | None,
    risk_flags: Iterable[str],
    risk_note: str,
) -> Document:
    """Fill in and save a document (new, or the locked copy being changed) with its audit
    entry, inside the caller's transaction."""
    flags = _flags(risk_flags)
    _document_check(
        kind=kind, status=status, risk_flags=flags, risk_note=risk_note, holder_note=holder_note
    )
    document.kind, document.status, document.expires_on = kind, status, expires_on
    document.risk_flags = flags
    document.holder_note = holder_note.strip()
    document.risk_note = risk_note.strip()
    document.save()
    audit_record(
        actor_id=actor_id, action=action, object_type="document", object_id=str(document.pk)
    )
    return document


def document_create(
    *,
    actor_id: int,
    case: Case,
    kind: str,
    status: str,
    holder_note: str = "",
    expires_on: date | None = None,
    risk_flags: Iterable[str] = (),
    risk_note: str = "",
    at: datetime | None = None,
) -> Document:
    """Record a paper; `at` is when it was recorded (default now)."""
    with transaction.atomic():
        document = Document(case=case, compartment_id=case.compartment_id)
        if at is not None:
            document.created_at = document.updated_at = at
        return _document_write(
            actor_id=actor_id,
            document=document,
            action="document.create",
            kind=kind,
            status=status,
            holder_note=holder_note,
            expires_on=expires_on,
            risk_flags=risk_flags,
            risk_note=risk_note,
        )


def document_update(
    *,
    actor_id: int,
    document: Document,
    kind: str,
    status: str,
    holder_note: str,
    expires_on: date | None,
    risk_flags: Iterable[str],
    risk_note: str,
) -> Document:
    """Replace a document's details; returns the saved copy."""
    with transaction.atomic():
        fresh = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
        fresh.updated_at = timezone.now()
        return _document_write(
            actor_id=actor_id,
            document=fresh,
            action="document.update",
            kind=kind,
            status=status,
            holder_note=holder_note,
            expires_on=expires_on,
            risk_flags=risk_flags,
            risk_note=risk_note,
        )


# --- applications ------------------------------------------------------------------------


def _application_check(
    *,
    case: Case,
    country: Country,
    pathway: str,
    submitted_on: date | None,
    interview_on: date | None,
    decision_on: date | None,
    outcome: str,
    refusal_reason: str,
    notes: str,
) -> None:
    errors = []
    if pathway not in Pathway.values:
        errors.append(_("Unknown pathway."))
    if outcome not in ApplicationOutcome.values:
        errors.append(_("Unknown outcome."))
    if country is None or country.pk is None:
        errors.append(_("Choose the destination country."))
    if outcome == ApplicationOutcome.REFUSED and not refusal_reason.strip():
        errors.append(_("Say why the application was refused (or that no reason was given)."))
    if len(refusal_reason) > REASON_MAX or len(notes) > TEXT_MAX:
        errors.append(_("The notes are too long."))
    try:
        application_dates_check(
            began=case_began_on(case),
            today=timezone.localdate(),
            submitted_on=submitted_on,
            interview_on=interview_on,
            decision_on=decision_on,
            outcome=outcome,
        )
    except ValidationError as error:
        errors += error.messages
    if errors:
        raise ValidationError(errors)


def _application_write(
    *,
    actor_id: int,
    application: Application,
    action: str,
    at: datetime | None,
    country: Country,
    pathway: str,
    submitted_on: date | None,
    interview_on: date | None,
    decision_on: date | None,
    outcome: str,
    refusal_reason: str,
    notes: str,
) -> Application:
    """Check, fill in, save and audit an application (new, or the locked copy being changed),
    and send a case in departure back to application on a new refusal.

    Runs inside the caller's transaction; the case row is locked first so two staff
    recording at once cannot both move it.
    """
    case = Case.objects.select_for_update(no_key=True).get(pk=application.case_id)
    _application_check(
        case=case,
        country=country,
        pathway=pathway,
        submitted_on=submitted_on,
        interview_on=interview_on,
        decision_on=decision_on,
        outcome=outcome,
        refusal_reason=refusal_reason,
        notes=notes,
    )
    previous_outcome = application.outcome  # a new application's is the default, pending
    application.country, application.pathway, application.outcome = country, pathway, outcome
    application.submitted_on, application.interview_on = submitted_on, interview_on
    application.decision_on = decision_on
    application.refusal_reason = (
        refusal_reason.strip() if outcome == ApplicationOutcome.REFUSED else ""
    )
    application.notes = notes.strip()
    application.updated_at = timezone.now()
    application.save()
    audit_record(
        actor_id=actor_id, action=action, object_type="application", object_id=str(application.pk)
    )
    refused_now = (
        outcome == ApplicationOutcome.REFUSED and previous_outcome != ApplicationOutcome.REFUSED
    )
    if refused_now and case.stage == Stage.DEPARTURE:
        case_move_to_stage(
            actor_id=actor_id,
            case=case,
            to_stage=Stage.APPLICATION,
            reason=application.refusal_reason,
            at=at,
        )
    return application


def application_create(
    *,
    actor_id: int,
    case: Case,
    country: Country,
    pathway: str,
    submitted_on: date | None = None,
    interview_on: date | None = None,
    decision_on: date | None = None,
    outcome: str = ApplicationOutcome.PENDING,
    refusal_reason: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> Application:
    """Record an application. A refusal recorded for a case in departure moves it back to
    application (the refusal is the reason, `at` the time of the move, default now)."""
    with transaction.atomic():
        application = Application(case=case, compartment_id=case.compartment_id)
        if at is not None:
            application.created_at = at
        return _application_write(
            actor_id=actor_id,
            application=application,
            action="application.create",
            at=at,
            country=country,
            pathway=pathway,
            submitted_on=submitted_on,
            interview_on=interview_on,
            decision_on=decision_on,
            outcome=outcome,
            refusal_reason=refusal_reason,
            notes=notes,
        )


def application_update(
    *,
    actor_id: int,
    application: Application,
    country: Country,
    pathway: str,
    submitted_on: date | None,
    interview_on: date | None,
    decision_on: date | None,
    outcome: str,
    refusal_reason: str,
    notes: str,
    at: datetime | None = None,
) -> Application:
    """Replace an application's details; returns the saved copy (the one passed in is left
    as it was). A new refusal moves a case in departure back, as in application_create."""
    with transaction.atomic():
        return _application_write(
            actor_id=actor_id,
            application=Application.objects.select_for_update(no_key=True).get(pk=application.pk),
            action="application.update",
            at=at,
            country=country,
            pathway=pathway,
            submitted_on=submitted_on,
            interview_on=interview_on,
            decision_on=decision_on,
            outcome=outcome,
            refusal_reason=refusal_reason,
            notes=notes,
        )


def application_decide(
    *,
    actor_id: int,
    application: Application,
    outcome: str,
    decision_on: date | None,
    refusal_reason: str = "",
    at: datetime | None = None,
) -> Application:
    """Record only the decision (granted, refused, withdrawn) of an application."""
    return application_update(
        actor_id=actor_id,
        application=application,
        country=application.country,
        pathway=application.pathway,
        submitted_on=application.submitted_on,
        interview_on=application.interview_on,
        decision_on=decision_on,
        outcome=outcome,
        refusal_reason=refusal_reason,
        notes=application.notes or "",
        at=at,
    )


# --- travel ------------------------------------------------------------------------------


def _travel_check(
    *,
    case: Case,
    kind: str,
    outcome: str,
    planned_on: date | None,
    travelled_on: date | None,
    failure_reason: str,
    places: tuple[str, str],
) -> None:
    """Refuse a journey that does not hold together, each message keyed by its field (a form
    shows it by that field; issue 13)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if kind not in TravelKind.values:
        errors["kind"].append(_("Unknown kind of journey."))
    if outcome not in TravelOutcome.values:
        errors["outcome"].append(_("Unknown outcome."))
    errors[NON_FIELD_ERRORS] += _not_before_case(
        case_began_on(case), planned_on=planned_on, travelled_on=travelled_on
    )
    if outcome == TravelOutcome.PLANNED and travelled_on is not None:
        errors["travelled_on"].append(
            _("A planned journey has no travel date yet: use the planned date.")
        )
    if outcome != TravelOutcome.PLANNED and travelled_on is None:
        errors["travelled_on"].append(_("Enter the date of the journey."))
    if travelled_on and travelled_on > timezone.localdate():
        errors["travelled_on"].append(_("The date of travel cannot be in the future."))
    if outcome == TravelOutcome.FAILED and not failure_reason.strip():
        errors["failure_reason"].append(_("Say why the journey failed."))
    if len(failure_reason) > REASON_MAX:
        errors["failure_reason"].append(_("The notes are too long."))
    for name, text in zip(("from_place", "to_place"), places, strict=True):
        if len(text) > TEXT_MAX:
            errors[name].append(_("The notes are too long."))
    found = {name: messages for name, messages in errors.items() if messages}
    if found:
        raise ValidationError(found)


def _travel_date(outcome: str, planned_on: date | None, travelled_on: date | None) -> date | None:
    """A journey that happened or failed without its own date took place on the planned day,
    if that day has come (a failed flight is recorded with the date it was planned for)."""
    if (
        outcome != TravelOutcome.PLANNED
        and travelled_on is None
        and planned_on is not None
        and planned_on <= timezone.localdate()
    ):
        return planned_on
    return travelled_on


def _travel_write(
    *,
    actor_id: int,
    leg: TravelLeg,
    action: str,
    at: datetime | None,
    kind: str,
    from_place: str,
    to_place: str,
    planned_on: date | None,
    travelled_on: date | None,
    outcome: str,
    failure_reason: str,
    country: Country | None,
) -> TravelLeg:
    """Check, fill in, save and audit a journey (new, or the locked copy being changed), and
    move a case in departure: back to sheltered when an international leg failed, on to
    arrived when the arrival leg was completed (not back to sheltered if the person has no
    bed that day: `leg.move_refused` then says why). Inside the caller's transaction; the case
    row is locked first."""
    case = Case.objects.select_for_update(no_key=True).get(pk=leg.case_id)
    travelled_on = _travel_date(outcome, planned_on, travelled_on)
    _travel_check(
        case=case,
        kind=kind,
        outcome=outcome,
        planned_on=planned_on,
        travelled_on=travelled_on,
        failure_reason=failure_reason,
        places=(from_place, to_place),
    )
    changed = outcome != leg.outcome  # a new leg's is the default, planned: no move
    leg.kind, leg.outcome, leg.country = kind, outcome, country
    leg.planned_on, leg.travelled_on = planned_on, travelled_on
    leg.from_place, leg.to_place = from_place.strip(), to_place.strip()
    leg.failure_reason = failure_reason.strip() if outcome == TravelOutcome.FAILED else ""
    leg.updated_at = timezone.now()
    leg.save()
    audit_record(actor_id=actor_id, action=action, object_type="travel_leg", object_id=str(leg.pk))
    if not changed or case.stage != Stage.DEPARTURE:
        return leg
    if leg.outcome == TravelOutcome.FAILED and leg.kind in ABROAD:
        try:
            case_move_to_stage(
                actor_id=actor_id,
                case=case,
                to_stage=Stage.SHELTERED,
                reason=leg.failure_reason,
                at=at,
            )
        except TransitionRefused as refused:
            if refused.code != "no_bed":
                raise
            # No bed to go back to: the journey is recorded, the case stays in departure,
            # and the page says why (decision 0025).
            leg.move_refused = " ".join(refused.messages)
    elif leg.outcome == TravelOutcome.COMPLETED and leg.kind == TravelKind.ARRIVAL:
        case_move_to_stage(actor_id=actor_id, case=case, to_stage=Stage.ARRIVED, at=at)
    return leg


def travel_leg_create(
    *,
    actor_id: int,
    case: Case,
    kind: str,
    from_place: str = "",
    to_place: str = "",
    planned_on: date | None = None,
    travelled_on: date | None = None,
    outcome: str = TravelOutcome.PLANNED,
    failure_reason: str = "",
    country: Country | None = None,
    at: datetime | None = None,
) -> TravelLeg:
    """Record a journey. For a case in departure, a failed departure or arrival leg moves it
    back to sheltered (the failure is the reason) and a completed arrival leg moves it to
    arrived; `at` is the time of that move (default now)."""
    with transaction.atomic():
        leg = TravelLeg(case=case, compartment_id=case.compartment_id)
        if at is not None:
            leg.created_at = at
        return _travel_write(
            actor_id=actor_id,
            leg=leg,
            action="travel_leg.create",
            at=at,
            kind=kind,
            from_place=from_place,
            to_place=to_place,
            planned_on=planned_on,
            travelled_on=travelled_on,
            outcome=outcome,
            failure_reason=failure_reason,
            country=country,
        )


def travel_leg_update(
    *,
    actor_id: int,
    leg: TravelLeg,
    kind: str,
    from_place: str,
    to_place: str,
    planned_on: date | None,
    travelled_on: date | None,
    outcome: str,
    failure_reason: str,
    country: Country | None,
    at: datetime | None = None,
) -> TravelLeg:
    """Replace a journey's details; returns the saved copy. Moves the case as
    travel_leg_create does when the outcome changes."""
    with transaction.atomic():
        return _travel_write(
            actor_id=actor_id,
            leg=TravelLeg.objects.select_for_update(no_key=True).get(pk=leg.pk),
            action="travel_leg.update",
            at=at,
            kind=kind,
            from_place=from_place,
            to_place=to_place,
            planned_on=planned_on,
            travelled_on=travelled_on,
            outcome=outcome,
            failure_reason=failure_reason,
            country=country,
        )


def travel_leg_outcome_record(
    *,
    actor_id: int,
    leg: TravelLeg,
    outcome: str,
    travelled_on: date | None,
    failure_reason: str = "",
    at: datetime | None = None,
) -> TravelLeg:
    """Record only how a planned journey went (completed or failed)."""
    return travel_leg_update(
        actor_id=actor_id,
        leg=leg,
        kind=leg.kind,
        from_place=leg.from_place or "",
        to_place=leg.to_place or "",
        planned_on=leg.planned_on,
        travelled_on=travelled_on,
        outcome=outcome,
        failure_reason=failure_reason,
        country=leg.country,
        at=at,
    )
