"""Case writes: each one transaction with its audit entry; bad input changes nothing.

The actions do not check roles: views do (`require_permission`, and `pipeline.Move.permission`
for a move), and other apps' actions call these on behalf of a user their own view checked
(intake accepts a request, relocation records a refused visa).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import User
from corridor.accounts.roles import PERMISSIONS
from corridor.audit.log import audit_record, audit_record_many
from corridor.cases import person
from corridor.cases.currencies import currency_valid
from corridor.cases.models import (
    Case,
    CaseAttachment,
    CaseRequest,
    CaseTransition,
    Expense,
    ExpenseCategory,
    Outcome,
    RequestChannel,
    RequestLanguage,
    RiskLevel,
    Stage,
    ThreatSource,
)
from corridor.cases.pipeline import Move, TransitionRefused, move_require, stage_expect
from corridor.cases.search import case_search_terms_rebuild
from corridor.cases.signals import case_move_checking, case_moved
from corridor.vault.models import Compartment, Membership

REASON_MAX = 5000
NOTE_MAX = 20000
AMOUNT_MAX = Decimal("9999999999.99")


#: The roles a case may be assigned to: those that may edit it and move it along (decision 0032).
ASSIGNABLE_ROLES = tuple(str(role) for role in PERMISSIONS["case.edit"] & PERMISSIONS["case.move"])


def _not_in_future(at: datetime) -> None:
    if at > timezone.now():
        raise ValidationError(_("This time is in the future."), code="future")


def _note_clean(value: str, limit: int = NOTE_MAX) -> str:
    text = str(value).strip()
    if len(text) > limit:
        raise ValidationError(_("This text is too long."), code="too_long")
    return text


def case_create(
    *,
    actor_id: int,
    compartment: Compartment,
    full_name: str,
    phone: str = "",
    aliases: list[str] | None = None,
    location: str = "",
    notes: str = "",
    risk_level: str = RiskLevel.MEDIUM,
    messengers: list[str] | None = None,
    threat_source: str = ThreatSource.UNKNOWN,
    dependants: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> Case:
    """Open a case at stage "request" (recorded as its first transition), assigned to the actor."""
    at = at or timezone.now()
    _not_in_future(at)
    case = Case(
        compartment=compartment,
        risk_level=person.choice_clean(risk_level, RiskLevel),
        threat_source=person.choice_clean(threat_source, ThreatSource),
        assignee_id=actor_id,
        stage=Stage.REQUEST,
        stage_entered_at=at,
        created_at=at,
    )
    values = {
        "full_name": person.full_name_clean(full_name),
        "phone": person.phone_clean(phone),
        "aliases": person.lines_clean(aliases or []),
        "messengers": person.lines_clean(messengers or []),
        "location": _note_clean(location),
        "dependants": person.dependants_clean(dependants or []),
        "notes": _note_clean(notes),
    }
    with transaction.atomic():
        for name, value in values.items():
            setattr(case, name, value)
        case.save()
        _transition_record(case=case, actor_id=actor_id, seq=1, to_stage=Stage.REQUEST, at=at)
        case_search_terms_rebuild(case)
        audit_record(
            actor_id=actor_id, action="case.create", object_type="case", object_id=str(case.pk)
        )
    return case


# --- what follows the person into the case (decision 0040) -----------------------------------

# The media types a carried file may have: the ones intake's cleaner produces.
ATTACHMENT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}
)
REQUEST_TEXT_FIELDS = ("contact", "messenger", "message", "birth_date", "partner")
CHECKLIST_FIELDS = ("interview_notes", "evidence_seen", "references", "verifying_partner")


@dataclass(frozen=True)
class CarriedFile:
    """A file of the request as the caller opened it, to be re-encrypted in the case."""

    carried_from: uuid.UUID
    filename: str
    media_type: str
    content: bytes


def case_request_carry(
    *,
    actor_id: int,
    case: Case,
    submission_id: uuid.UUID,
    channel: str,
    received_hour: datetime,
    language: str = "",
    fields: dict[str, str] | None = None,
    other: Sequence[tuple[str, str]] = (),
    follow_ups: Sequence[str] = (),
    checklist: dict[str, str] | None = None,
    checked_by_id: int | None = None,
    checked_at: datetime | None = None,
    files: Sequence[CarriedFile] = (),
) -> CaseRequest:
    """Give the case what its request said, the desk's checklist and the request's files.

    Every value is written anew under data keys wrapped by the case's compartment key (the
    actor's keyring must hold it: the approver's does, triage checks that), so nothing of it
    needs the desk's keys again. One audit entry for the request's fields and checklist, one
    per file (`case_attachment.carry`), in the caller's transaction or one of its own.
    """
    fields, checklist = fields or {}, checklist or {}
    bad_type = [f for f in files if f.media_type not in ATTACHMENT_TYPES]
    if bad_type:
        raise ValidationError(_("A file of this type cannot be kept with a case."), code="type")
    origin = CaseRequest(
        compartment_id=case.compartment_id,
        case=case,
        submission_id=submission_id,
        channel=person.choice_clean(channel, RequestChannel),
        received_hour=received_hour,
        language=language if language in RequestLanguage.values else "",
        checked_by_id=checked_by_id,
        checked_at=checked_at,
    )
    for name in REQUEST_TEXT_FIELDS:
        setattr(origin, name, _note_clean(fields.get(name) or ""))
    for name in CHECKLIST_FIELDS:
        setattr(origin, name, _note_clean(checklist.get(name) or ""))
    origin.other = [[str(key), _note_clean(value)] for key, value in other if value]
    origin.follow_ups = [_note_clean(text) for text in follow_ups if text]
    with transaction.atomic():
        origin.save()
        attachments = []
        for position, file in enumerate(files):
            attachment = CaseAttachment(
                compartment_id=case.compartment_id,
                case=case,
                position=position,
                carried_from=file.carried_from,
                media_type=file.media_type,
            )
            attachment.filename = file.filename
            attachment.content = file.content
            attachment.save()
            attachments.append(attachment)
        audit_record(
            actor_id=actor_id,
            action="case_request.carry",
            object_type="case_request",
            object_id=str(origin.pk),
        )
        audit_record_many(
            actor_id=actor_id,
            action="case_attachment.carry",
            object_type="case_attachment",
            object_ids=[str(a.pk) for a in attachments],
        )
    return origin


# Fields case_update may change, with the check each value passes.
_EDITABLE: dict[str, Callable[[Any], Any]] = {
    "full_name": person.full_name_clean,
    "aliases": person.lines_clean,
    "phone": person.phone_clean,
    "messengers": person.lines_clean,
    "location": _note_clean,
    "dependants": person.dependants_clean,
    "notes": _note_clean,
    "risk_level": lambda value: person.choice_clean(value, RiskLevel),
    "threat_source": lambda value: person.choice_clean(value, ThreatSource),
}
_SEARCHED = ("full_name", "aliases", "phone")
_INDEXES = {"full_name": ["name_index"], "phone": ["phone_index"]}


def case_update(*, actor_id: int, case: Case, **changes: Any) -> Case:
    """Change a person's details (any of `_EDITABLE`); search terms follow their names."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"case_update cannot change {sorted(unknown)}")
    cleaned = {name: _EDITABLE[name](value) for name, value in changes.items()}
    changed = [name for name, value in cleaned.items() if getattr(case, name) != value]
    if not changed:
        return case
    with transaction.atomic():
        for name in changed:
            setattr(case, name, cleaned[name])
        fields = [*changed, *(index for name in changed for index in _INDEXES.get(name, []))]
        case.save(update_fields=fields)
        if set(changed) & set(_SEARCHED):
            case_search_terms_rebuild(case)
        audit_record(
            actor_id=actor_id, action="case.edit", object_type="case", object_id=str(case.pk)
        )
    return case


def case_assign(*, actor_id: int, case: Case, assignee_id: int | None) -> Case:
    """Give the case to an active member of its compartment who may work it (or to nobody)."""
    if assignee_id is not None:
        member = Membership.objects.filter(
            user_id=assignee_id, compartment_id=case.compartment_id
        ).exists()
        active = User.objects.filter(pk=assignee_id, is_active=True).exists()
        if not (member and active):
            raise ValidationError(
                _("Only an active member of the case's compartment can be assigned."),
                code="not_member",
            )
        if not User.objects.filter(pk=assignee_id, role__in=ASSIGNABLE_ROLES).exists():
            raise ValidationError(
                _("Only someone whose role may work a case can be assigned to it."),
                code="may_not_work",
            )
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee_id=assignee_id)
        case.assignee_id = assignee_id
        audit_record(
            actor_id=actor_id, action="case.assign", object_type="case", object_id=str(case.pk)
        )
    return case


def _transition_record(
    *,
    case: Case,
    actor_id: int | None,
    seq: int,
    to_stage: str,
    at: datetime,
    from_stage: str = "",
    backward: bool = False,
    reason: str = "",
    outcome: str = "",
) -> CaseTransition:
    from corridor.cases.stagecounts import transition_counted

    transition_counted(
        compartment_id=case.compartment_id, case_id=case.pk, to_stage=to_stage, at=at
    )
    transition = CaseTransition(
        compartment_id=case.compartment_id,
        case=case,
        seq=seq,
        from_stage=from_stage,
        to_stage=to_stage,
        backward=backward,
        actor_id=actor_id,
        at=at,
        outcome=outcome,
    )
    transition.reason = reason
    transition.save()
    return transition


def _move_check(move: Move, reason: str, outcome: str) -> None:
    if move.needs_reason and not reason:
        raise TransitionRefused(
            _("Give a reason: declines, backward moves and closes need one."), code="no_reason"
        )
    if move.needs_outcome and outcome not in Outcome.values:
        raise TransitionRefused(_("Choose how the case ended."), code="no_outcome")
    if not move.needs_outcome and outcome:
        raise TransitionRefused(
            _("An outcome is recorded only when a case is closed."), code="outcome_not_closing"
        )


def _time_check(at: datetime, began: datetime, last: datetime | None) -> None:
    if at > timezone.now():
        raise TransitionRefused(_("A move cannot be dated in the future."), code="future")
    if at < began:
        raise TransitionRefused(
            _("A move cannot be dated before the case began."), code="before_case"
        )
    if last is not None and at < last:
        raise TransitionRefused(
            _("A move cannot be dated before the case's last move."), code="before_last"
        )


def case_move_to_stage(
    *,
    actor_id: int,
    case: Case,
    to_stage: str,
    reason: str = "",
    outcome: str = "",
    at: datetime | None = None,
    expected_stage: str | None = None,
) -> CaseTransition:
    """Move the case along the pipeline (pipeline.MOVES), recording who, when and why.

    Raises TransitionRefused, changing nothing, for a move the table does not hold, a missing
    reason or outcome, or a time in the future, before the case began or before its last
    move; and, given `expected_stage` (the stage a view checked the mover's permission for),
    if the case is no longer there; or if a receiver of `signals.case_move_checking` refuses
    it (a move back to "sheltered" with no bed). The case row is locked first, so two moves at once
    cannot both apply; FOR NO KEY UPDATE, so the foreign-key checks of other writers'
    expenses, tasks and alerts on this case, made at their commit while they hold the audit
    head, never wait for a move that waits for the head (decision 0018). Safe inside an
    outer transaction (this one becomes a savepoint).
    """
    at = at or timezone.now()
    reason = _note_clean(reason, REASON_MAX)
    with transaction.atomic():
        row = (
            Case.objects.select_for_update(no_key=True)
            .values("stage", "created_at")
            .get(pk=case.pk)
        )
        stage_expect(row["stage"], expected_stage)
        move = move_require(row["stage"], to_stage)
        _move_check(move, reason, outcome)
        last = case.transitions.order_by("-seq").values_list("seq", "at").first()
        _time_check(at, row["created_at"], last[1] if last else None)
        case_move_checking.send(
            Case, case=case, source=move.source, target=to_stage, backward=move.backward, at=at
        )
        closing = to_stage == Stage.CLOSED
        updates = {
            "stage": to_stage,
            "stage_entered_at": at,
            "outcome": outcome if closing else "",
            "closed_at": at if closing else None,
        }
        Case.objects.filter(pk=case.pk).update(**updates)
        for name, value in updates.items():
            setattr(case, name, value)
        transition = _transition_record(
            case=case,
            actor_id=actor_id,
            seq=(last[0] if last else 0) + 1,
            from_stage=move.source,
            to_stage=to_stage,
            backward=move.backward,
            at=at,
            reason=reason,
            outcome=outcome if closing else "",
        )
        audit_record(
            actor_id=actor_id, action=move.permission, object_type="case", object_id=str(case.pk)
        )
        case_moved.send(Case, case=case, transition=transition, actor_id=actor_id)
    return transition


def _amount_clean(amount: Any) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter an amount such as 120.50."), code="amount") from exc
    if not value.is_finite() or value <= 0 or value > AMOUNT_MAX:
        raise ValidationError(_("The amount must be more than zero."), code="amount_positive")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("At most two decimal places."), code="amount_places")
    return value


def expense_add(
    *,
    actor_id: int,
    case: Case,
    category: str,
    amount: Decimal | str,
    currency: str,
    spent_on: date,
    note: str = "",
    funding_source_id: int | None = None,
) -> Expense:
    """Record money spent for the case, dated no earlier than the case and no later than today,
    charged to a funding source or to none."""
    expense = _expense_new(
        case=case,
        category=category,
        amount=amount,
        currency=currency,
        spent_on=spent_on,
        note=note,
        actor_id=actor_id,
        funding_source_id=funding_source_id,
    )
    with transaction.atomic():
        expense.save()
        audit_record(
            actor_id=actor_id, action="expense.create", object_type="case", object_id=str(case.pk)
        )
    return expense


def _expense_new(
    *,
    actor_id: int,
    case: Case,
    category: str,
    amount: Decimal | str,
    currency: str,
    spent_on: date,
    note: str,
    funding_source_id: int | None,
) -> Expense:
    """A checked, unsaved expense of `case`."""
    if category not in ExpenseCategory.values:
        raise ValidationError(_("This is not one of the choices."), code="choice")
    code = str(currency).strip().upper()
    if not currency_valid(code):
        raise ValidationError(
            _("Use a three-letter ISO 4217 currency code, such as EUR or RUB."), code="currency"
        )
    if spent_on < timezone.localdate(case.created_at):
        raise ValidationError(_("This date is before the case began."), code="before_case")
    if spent_on > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")
    expense = Expense(
        compartment_id=case.compartment_id,
        case=case,
        category=category,
        amount=_amount_clean(amount),
        currency=code,
        spent_on=spent_on,
        recorded_by_id=actor_id,
        funding_source_id=funding_source_id,
    )
    expense.note = _note_clean(note)
    return expense


def _expense_voidable(expense: Expense, reason: str) -> tuple[Expense, str]:
    """The expense locked, if it still stands, and the reason, if one was given."""
    reason = _note_clean(reason, REASON_MAX)
    if not reason:
        raise ValidationError(_("Say why this entry is wrong."), code="no_reason")
    locked = Expense.objects.select_for_update(no_key=True).get(pk=expense.pk)
    if locked.voided_at is not None:
        raise ValidationError(
            _("This entry was already voided or corrected."), code="already_voided"
        )
    return locked, reason


def expense_void(*, actor_id: int, expense: Expense, reason: str) -> Expense:
    """Take a wrong entry out of every total, keeping it and saying why (decision 0041)."""
    with transaction.atomic():
        locked, reason = _expense_voidable(expense, reason)
        locked.voided_at = timezone.now()
        locked.voided_by_id = actor_id
        locked.void_reason = reason
        locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit_record(
            actor_id=actor_id,
            action="expense.void",
            object_type="expense",
            object_id=str(locked.pk),
        )
    return locked


def expense_correct(
    *,
    actor_id: int,
    expense: Expense,
    reason: str,
    category: str,
    amount: Decimal | str,
    currency: str,
    spent_on: date,
    note: str = "",
    funding_source_id: int | None = None,
) -> Expense:
    """Replace a wrong entry by a corrected one in one step: the old entry is voided with the
    reason and points to the new one, which alone counts from now on (decision 0041)."""
    case = expense.case
    corrected = _expense_new(
        actor_id=actor_id,
        case=case,
        category=category,
        amount=amount,
        currency=currency,
        spent_on=spent_on,
        note=note,
        funding_source_id=funding_source_id,
    )
    with transaction.atomic():
        locked, reason = _expense_voidable(expense, reason)
        corrected.save()
        locked.voided_at = corrected.recorded_at
        locked.voided_by_id = actor_id
        locked.void_reason = reason
        locked.replaced_by = corrected
        locked.save(update_fields=["voided_at", "voided_by", "void_reason", "replaced_by"])
        audit_record(
            actor_id=actor_id,
            action="expense.correct",
            object_type="expense",
            object_id=str(locked.pk),
        )
    return corrected
