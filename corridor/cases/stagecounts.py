"""Kept counts of the cases entering each stage for the first time, per month (decision 0037).

The funnel and "cases entering each stage per month" used to count distinct cases over every
transition of the period: half a million rows for four years at 100,000 cases. They now read
`StageMonthCount`, one row per (compartment, stage, month), maintained here:

* `transition_counted` is called by the only writer of transitions
  (`cases.actions._transition_record`), in its transaction, before the new transition is
  saved: the (compartment, stage, month) row goes up by one unless the case entered that
  stage before (a move back and forward again, a second flight after a failed one, is not a
  second person reaching the stage), so a sum over any months counts each case once. The increment is one `INSERT ... ON CONFLICT DO UPDATE SET count =
  count + 1`, atomic in the database, so concurrent moves of different cases never lose a
  count; moves of one case are serialised by the lock `case_move_to_stage` takes on it.
* A purge (decision 0024) destroys a case's keys, not its operational rows: its transitions
  stay, and so do its counts, as the figures computed from the transitions always did.
* `stage_counts_rebuild` recomputes the whole table from the transitions (the command
  `manage.py stage_counts_rebuild`): after a bulk import, a change of
  `CORRIDOR_TIME_ZONE` (months are the organisation's), or to repair a drifted table.

Months are the organisation's, as `TruncMonth` gives them in the current time zone.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from corridor.cases.models import CaseTransition, StageMonthCount


def month_of(at: datetime) -> date:
    """The first day of the organisation's month that `at` falls in."""
    return timezone.localtime(at).date().replace(day=1)


def transition_counted(
    *, compartment_id: int, case_id: uuid.UUID, to_stage: str, at: datetime
) -> bool:
    """Count the case's move into `to_stage` at `at` (before the transition is saved); False
    if it was counted already (the case entered that stage before)."""
    month = month_of(at)
    if CaseTransition.objects.filter(case_id=case_id, to_stage=to_stage).exists():
        return False
    table = StageMonthCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (compartment_id, stage, month, count)"  # noqa: S608 (names)
            " VALUES (%s, %s, %s, 1)"
            " ON CONFLICT (compartment_id, stage, month)"
            f" DO UPDATE SET count = {table}.count + 1",
            [compartment_id, to_stage, month],
        )
    return True


def counts_from_transitions() -> dict[tuple[int, str, date], int]:
    """What the table should hold, computed from the transitions (one query, read in
    order): each case's first move into each stage, counted in its month and under the
    compartment the case was in then."""
    rows = CaseTransition.objects.order_by("at", "seq").values_list(
        "case_id", "to_stage", "compartment_id", "at"
    )
    seen: set[tuple[uuid.UUID, str]] = set()
    found: dict[tuple[int, str, date], int] = {}
    for case_id, stage, compartment_id, at in rows.iterator(chunk_size=10_000):
        if (case_id, stage) in seen:
            continue
        seen.add((case_id, stage))
        key = (compartment_id, stage, month_of(at))
        found[key] = found.get(key, 0) + 1
    return found


def counts_kept() -> dict[tuple[int, str, date], int]:
    return {
        (row.compartment_id, row.stage, row.month): row.count
        for row in StageMonthCount.objects.exclude(count=0)
    }


def stage_counts_rebuild() -> tuple[int, int]:
    """Recompute the table from the transitions; (rows written, rows that were wrong)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # no move is counted while we rebuild
                cursor.execute(
                    f"LOCK TABLE {StageMonthCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
                )
        wanted = counts_from_transitions()
        kept = counts_kept()
        wrong = sum(1 for key in set(wanted) | set(kept) if wanted.get(key) != kept.get(key))
        StageMonthCount.objects.all().delete()
        StageMonthCount.objects.bulk_create(
            StageMonthCount(compartment_id=c, stage=s, month=m, count=n)
            for (c, s, m), n in wanted.items()
        )
    return len(wanted), wrong
