"""The worker's pass over referral deadlines: mark the ones whose answer is overdue.

Like `corridor.tasks.worker`: candidates are read, then each is claimed with a conditional
UPDATE that repeats the condition it was found by, so two workers mark a referral once and
write one audit entry. Operational columns only (dates, statuses, flags): no key is needed.
A referral marked overdue stands on its owner's list and in the navigation until an answer
is recorded or its deadline moves (decision 0019: why this is not a `tasks.Task`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from corridor.audit.log import audit_record
from corridor.documentation.models import AWAITING_ANSWER, Referral

BATCH = 500


def _overdue(today: date) -> dict[str, object]:
    return {"overdue": False, "status__in": AWAITING_ANSWER, "answer_due_on__lt": today}


def referral_overdue_candidates(today: date, limit: int = BATCH) -> list[uuid.UUID]:
    found = Referral.objects.filter(**_overdue(today)).order_by("answer_due_on")
    return list(found.values_list("pk", flat=True)[:limit])


def referral_overdue_claim(referral_id: uuid.UUID, today: date) -> bool:
    """Mark one referral overdue; False if another worker did, or an answer came meanwhile."""
    with transaction.atomic():
        won = Referral.objects.filter(pk=referral_id, **_overdue(today)).update(overdue=True)
        if won:
            audit_record(
                action="doc_referral.overdue",
                object_type="doc_referral",
                object_id=str(referral_id),
            )
    return bool(won)


def referral_deadlines_pass(now: datetime | None = None) -> int:
    """One pass: the number of referrals marked overdue."""
    today = timezone.localdate(now if now is not None else timezone.now())
    marked = 0
    while batch := referral_overdue_candidates(today):
        marked += sum(referral_overdue_claim(referral_id, today) for referral_id in batch)
        if len(batch) < BATCH:
            break
    return marked
