"""Retention by crypto-shredding (decision 0024, design: "Emergency controls", T1, T3).

A record due under its compartment's policy, and under no legal hold, is purged by
destroying the data key of the record and of every vault record hanging from it
(`wrapped_data_key` emptied: nothing, not even the recovery key, opens its ciphertext any
more), by emptying what is sealed without a data key of its own (an intake request sealed to
the intake key, its attachments), and by deleting the keyed hashes that would still answer
"is this phone in there?". The operational columns (stage, dates, countries, costs) stay for
the statistics. Each purge is one transaction with its audit entry and its `Purge` row.

On SQLite the purging connection sets `secure_delete`, so the freed cells that held the key
bytes are overwritten with zeros, and the WAL is checkpointed and truncated after a run.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from corridor.audit.log import audit_record
from corridor.cases.models import Case, Stage
from corridor.intake.models import Submission, SubmissionStatus
from corridor.lifecycle.models import HeldObject, LegalHold, Purge, PurgeRule, RetentionPolicy
from corridor.vault.classification import KEYED_HASH, SEALED
from corridor.vault.fields import BlindIndexField
from corridor.vault.models import VaultRecord

Progress = Callable[[str], None]
DECLINED_REQUEST_STATUSES = (SubmissionStatus.DECLINED, SubmissionStatus.SPAM)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st → the month's last)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: datetime, months: int) -> datetime:
    return months_before(moment, -months)


@dataclass(frozen=True)
class Due:
    object_type: str
    object_id: uuid.UUID
    compartment_id: int
    rule: str
    since: datetime  # closed, or declined, at
    due_at: datetime
    held: bool


def _held(object_type: str) -> set[uuid.UUID]:
    return set(
        LegalHold.objects.filter(object_type=object_type, released_at__isnull=True).values_list(
            "object_id", flat=True
        )
    )


def _purged(object_type: str) -> set[uuid.UUID]:
    return set(Purge.objects.filter(object_type=object_type).values_list("object_id", flat=True))


def retention_schedule(
    now: datetime | None = None,
    *,
    horizon_days: int = 0,
    compartment_ids: Iterable[int] | None = None,
) -> list[Due]:
    """Everything due by `now` + `horizon_days`, soonest first (held records included, marked)."""
    now = now or timezone.now()
    until = now + timedelta(days=horizon_days)
    policies = RetentionPolicy.objects.all()
    if compartment_ids is not None:
        policies = policies.filter(compartment_id__in=list(compartment_ids))
    found: list[Due] = []
    held_cases, held_requests = _held(HeldObject.CASE), _held(HeldObject.SUBMISSION)
    purged_cases, purged_requests = _purged(HeldObject.CASE), _purged(HeldObject.SUBMISSION)
    for policy in policies:
        if policy.closed_case_months is not None:
            cutoff = months_before(until, policy.closed_case_months)
            for pk, closed in Case.objects.filter(
                compartment_id=policy.compartment_id, stage=Stage.CLOSED, closed_at__lte=cutoff
            ).values_list("pk", "closed_at"):
                if pk not in purged_cases and closed is not None:
                    due = months_after(closed, policy.closed_case_months)
                    found.append(
                        Due(HeldObject.CASE, pk, policy.compartment_id, PurgeRule.CLOSED,
                            closed, due, pk in held_cases)
                    )  # fmt: skip
        if policy.declined_days is not None:
            period = timedelta(days=policy.declined_days)
            for pk, since in Case.objects.filter(
                compartment_id=policy.compartment_id,
                stage=Stage.DECLINED,
                stage_entered_at__lte=until - period,
            ).values_list("pk", "stage_entered_at"):
                if pk not in purged_cases:
                    found.append(
                        Due(HeldObject.CASE, pk, policy.compartment_id, PurgeRule.DECLINED_CASE,
                            since, since + period, pk in held_cases)
                    )  # fmt: skip
            for pk, since in Submission.objects.filter(
                intake_key__compartment_id=policy.compartment_id,
                thread__isnull=True,
                case_id__isnull=True,
                status__in=DECLINED_REQUEST_STATUSES,
                received_hour__lte=until - period,
            ).values_list("pk", "received_hour"):
                if pk not in purged_requests:
                    found.append(
                        Due(HeldObject.SUBMISSION, pk, policy.compartment_id,
                            PurgeRule.DECLINED_REQUEST, since, since + period, pk in held_requests)
                    )  # fmt: skip
    found.sort(key=lambda due: (due.due_at, str(due.object_id)))
    return found


# Evidence of abuses is kept until a lawyer decides (decision 0019): a person documented
# there may be linked to a case, and the case's purge must not reach the testimony.
KEPT_APPS = frozenset({"documentation"})


def _dependants(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every model with a foreign key to `model`, but evidence."""
    found = []
    for other in apps.get_models():
        if other._meta.app_label in KEPT_APPS:
            continue
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model and other is not model:
                found.append((other, field.name))
    return found


def _sensitive_columns(model: type[models.Model]) -> tuple[list[str], bool]:
    """(keyed-hash index columns to empty, whether the model holds sealed or hashed data)."""
    classification = getattr(model, "DATA_CLASSIFICATION", {})
    blind = [f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    holds = any(kind in (SEALED, KEYED_HASH) for kind in classification.values())
    return blind, holds


def _shred_rows(model: type[models.Model], rows: models.QuerySet, depth: int = 0) -> int:
    """Destroy the keys of `rows` (vault records) or delete them (hashes and sealed blobs)."""
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    count = len(pks)
    if depth < 2:
        for dependant, field in _dependants(model):
            if dependant is Submission:
                continue
            count += _shred_rows(
                dependant, dependant._default_manager.filter(**{f"{field}__in": pks}), depth + 1
            )
    blind, holds = _sensitive_columns(model)
    scope = model._default_manager.filter(pk__in=pks)
    if issubclass(model, VaultRecord):
        scope.update(wrapped_data_key=b"", **dict.fromkeys(blind))
    elif holds:
        scope.delete()
    return count


def _submission_shred(pks: list[uuid.UUID]) -> int:
    """Empty what a request and its thread's follow-ups hold, sealed to the intake key."""
    threads = list(Submission.objects.filter(thread_id__in=pks).values_list("pk", flat=True))
    every = [*pks, *threads]
    count = len(every)
    for dependant, field in _dependants(Submission):
        if dependant is Submission:
            continue
        count += _shred_rows(
            dependant, dependant._default_manager.filter(**{f"{field}__in": every}), 1
        )
    Submission.objects.filter(pk__in=every).update(
        sealed=b"", codename_hash=None, reply_public_key=None
    )
    return count


def record_purge(due: Due, *, at: datetime | None = None) -> Purge | None:
    """Purge one due record now, unless a hold appeared or it was purged meanwhile."""
    at = at or timezone.now()
    with transaction.atomic():
        if (
            LegalHold.objects.filter(
                object_type=due.object_type, object_id=due.object_id, released_at__isnull=True
            ).exists()
            or Purge.objects.filter(object_id=due.object_id).exists()
        ):
            return None
        if due.object_type == HeldObject.CASE:
            case = (
                Case.objects.select_for_update(no_key=True)
                .filter(pk=due.object_id)
                .only("pk")
                .first()
            )
            if case is None:
                return None
            count = _shred_rows(Case, Case.objects.filter(pk=case.pk))
            # The request this case came from is still sealed to the intake key: it goes too.
            origin = list(
                Submission.objects.filter(case_id=case.pk, thread__isnull=True).values_list(
                    "pk", flat=True
                )
            )
            count += _submission_shred(origin)
        else:
            locked = Submission.objects.select_for_update(no_key=True).filter(pk=due.object_id)
            if not locked.exists():
                return None
            count = _submission_shred([due.object_id])
        purge = Purge.objects.create(
            object_type=due.object_type,
            object_id=due.object_id,
            compartment_id=due.compartment_id,
            rule=due.rule,
            purged_at=at,
            records=count,
        )
        audit_record(
            actor_id=None,
            action="retention.purge",
            object_type=due.object_type,
            object_id=str(due.object_id),
        )
    return purge


def _secure_delete_on() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def wal_truncate() -> None:
    """Copy the WAL into the file and cut it to nothing (outside a transaction only: inside
    one, SQLite refuses; a reader still open leaves it for SQLite's next checkpoint)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def retention_run(now: datetime | None = None, *, progress: Progress | None = None) -> int:
    """Purge everything due at `now` and not held; returns the number of records purged."""
    now = now or timezone.now()
    due = [item for item in retention_schedule(now) if not item.held]
    if not due:
        return 0
    _secure_delete_on()
    done = 0
    for number, item in enumerate(due, 1):
        if record_purge(item, at=now) is not None:
            done += 1
        if progress is not None and (number % 100 == 0 or number == len(due)):
            progress(f"retention: {number}/{len(due)} checked, {done} purged")
    wal_truncate()
    return done
