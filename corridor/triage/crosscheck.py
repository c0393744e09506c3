"""Who may ask every compartment about a request, how often, and the record that they did.

A cross-compartment check (corridor.cases.crosscheck) tells a desk member that a request's
phone or name is a case in a compartment they may not hold. Only members of the desk
compartment hold its key, so nobody else can run it; each member may check at most
`CORRIDOR_CROSSCHECK_PER_HOUR` distinct requests an hour, and the first check of a request
in an hour is audited as `triage.crosscheck` (decision 0011). Looking at the same request
again within the hour is neither counted nor audited again: it answers nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from corridor.audit.log import audit_record_many
from corridor.triage.models import CrossCheck


def _hour(now: datetime | None = None) -> datetime:
    return (now or timezone.now()).replace(minute=0, second=0, microsecond=0)


def crosscheck_allow(
    *, actor_id: int, submission_ids: Iterable[uuid.UUID], now: datetime | None = None
) -> set[uuid.UUID]:
    """The requests this member may check now: counted (and audited) in one transaction.

    Requests already checked this hour pass again; new ones pass while the member's count
    for the hour stays within the limit; the rest are refused (the page says so).
    """
    hour = _hour(now)
    wanted = list(dict.fromkeys(submission_ids))
    if not wanted:
        return set()
    limit = settings.CORRIDOR_CROSSCHECK_PER_HOUR
    with transaction.atomic():
        # One row per member and hour is locked first, so two pages of one member count in turn.
        counted = CrossCheck.objects.select_for_update().filter(user_id=actor_id, hour=hour)
        seen = set(counted.values_list("submission_id", flat=True))
        room = max(limit - len(seen), 0)
        new = [pk for pk in wanted if pk not in seen][:room]
        try:
            with transaction.atomic():
                CrossCheck.objects.bulk_create(
                    CrossCheck(user_id=actor_id, submission_id=pk, hour=hour) for pk in new
                )
        except IntegrityError:  # a page of the same member counted some a moment ago
            new = [
                pk
                for pk in new
                if CrossCheck.objects.get_or_create(user_id=actor_id, submission_id=pk, hour=hour)[
                    1
                ]
            ]
        if new:
            audit_record_many(
                actor_id=actor_id,
                action="triage.crosscheck",
                object_type="intake.Submission",
                object_ids=[str(pk) for pk in new],
            )
    return {pk for pk in wanted if pk in seen or pk in new}
