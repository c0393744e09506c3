"""Retention actions: set a compartment's periods, place and release legal holds (0024)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.intake.models import Submission
from corridor.lifecycle.models import HeldObject, HoldBasis, LegalHold, Purge, RetentionPolicy
from corridor.vault.models import Compartment

MAX_MONTHS = 1200
MAX_DAYS = 36500


def _period(value: int | None, maximum: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(
            _("A retention period must be a whole number from 1 to %(max)s.") % {"max": maximum}
        )
    return value


def retention_policy_set(
    *,
    actor_id: int,
    compartment: Compartment,
    closed_case_months: int | None,
    declined_days: int | None,
) -> RetentionPolicy:
    """Set (or clear: None keeps for ever) a compartment's retention periods."""
    months = _period(closed_case_months, MAX_MONTHS)
    days = _period(declined_days, MAX_DAYS)
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.update_or_create(
            compartment=compartment,
            defaults={
                "closed_case_months": months,
                "declined_days": days,
                "updated_at": timezone.now(),
                "updated_by_id": actor_id,
            },
        )
        audit_record(
            actor_id=actor_id,
            action="retention.policy_set",
            object_type="compartment",
            object_id=str(compartment.pk),
        )
    return policy


def _held_exists(object_type: str, object_id: uuid.UUID) -> bool:
    if object_type == HeldObject.CASE:
        return Case.objects.filter(pk=object_id).exists()
    if object_type == HeldObject.SUBMISSION:
        return Submission.objects.filter(pk=object_id, thread__isnull=True).exists()
    return False


def legal_hold_place(
    *, actor_id: int, object_type: str, object_id: uuid.UUID, basis: str
) -> LegalHold:
    """Exempt a case or a request from every purge until the hold is released."""
    if basis not in HoldBasis.values:
        raise ValidationError(_("Choose the legal basis of the hold."))
    if object_type not in HeldObject.values or not _held_exists(object_type, object_id):
        raise ValidationError(_("There is no such case or request."))
    with transaction.atomic():
        if Purge.objects.filter(object_id=object_id).exists():
            raise ValidationError(_("This record was already purged: nothing is left to hold."))
        if LegalHold.objects.filter(
            object_type=object_type, object_id=object_id, released_at__isnull=True
        ).exists():
            raise ValidationError(_("This record is already under a legal hold."))
        hold = LegalHold.objects.create(
            object_type=object_type, object_id=object_id, basis=basis, placed_by_id=actor_id
        )
        audit_record(
            actor_id=actor_id,
            action="retention.hold_place",
            object_type=object_type,
            object_id=str(object_id),
        )
    return hold


def legal_hold_release(*, actor_id: int, hold: LegalHold) -> LegalHold:
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update(no_key=True).get(pk=hold.pk)
        if locked.released_at is not None:
            raise ValidationError(_("This hold was already released."))
        locked.released_at = timezone.now()
        locked.released_by_id = actor_id
        locked.save(update_fields=["released_at", "released_by"])
        audit_record(
            actor_id=actor_id,
            action="retention.hold_release",
            object_type=locked.object_type,
            object_id=str(locked.object_id),
        )
    return locked
