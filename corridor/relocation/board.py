"""The country board: for each destination country, how many cases wait at each stage, how
long cases stay there (median and worst), and how its applications were decided.

Attribution: a case counts for the country of its most recent open application (pending or
granted; the most recently recorded one wins); a case with none is on no country's row.
Time at a stage is a case's total over every visit to that stage (a refused visa brings it
back), from the exact times of its transitions (`corridor.cases.durations.stage_intervals`),
a visit still under way counting up to now. Median and worst are over the cases attributed
to the country that spent time at that stage.

Only operational columns are read (codes, ids, times): nothing is decrypted, and the work is
four queries and one pass over the transitions of the attributed cases, in the compartments
the user is a member of (docs/decisions/0008-relocation.md).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast

from corridor.cases.durations import stage_intervals
from corridor.cases.models import Case, CaseTransition, Stage
from corridor.relocation.models import (
    OPEN_OUTCOMES,
    Application,
    ApplicationOutcome,
    Country,
)

CHUNK = 10000
# Stages a case waits in; declined, arrived and closed are ends, counted but not timed.
TIMED_STAGES: tuple[Stage, ...] = tuple(
    stage for stage in Stage if stage not in (Stage.DECLINED, Stage.ARRIVED, Stage.CLOSED)
)


class Move(NamedTuple):
    to_stage: str
    at: datetime


@dataclass(frozen=True)
class StageFigures:
    stage: Stage
    waiting: int  # cases at this stage now
    timed: int  # cases that spent time at this stage
    median: timedelta | None
    worst: timedelta | None

    @property
    def median_days(self) -> float | None:
        return None if self.median is None else self.median / timedelta(days=1)

    @property
    def worst_days(self) -> float | None:
        return None if self.worst is None else self.worst / timedelta(days=1)


@dataclass
class CountryFigures:
    country: Country
    cases: int = 0
    arrived: int = 0
    closed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # applications by outcome
    stages: list[StageFigures] = field(default_factory=list)

    @property
    def applications(self) -> int:
        return sum(self.outcomes.values())

    @property
    def refused(self) -> int:
        return self.outcomes[ApplicationOutcome.REFUSED]

    @property
    def granted(self) -> int:
        return self.outcomes[ApplicationOutcome.GRANTED]

    @property
    def pending(self) -> int:
        return self.outcomes[ApplicationOutcome.PENDING]

    def stage(self, stage: str) -> StageFigures:
        return next(figures for figures in self.stages if figures.stage == stage)


def _raw_rows(queryset: QuerySet[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a values_list() query as the database driver returns them.

    Skips Django's per-value converters (UUID and datetime objects), which cost more than
    everything else at 100k cases. Ids come back in one form per backend (hex text on
    SQLite, UUID on PostgreSQL), which is all grouping needs.
    """
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. no compartment at all: the ORM would return no rows
        return
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def _moment(value: str) -> datetime:
    """A time read as text: PostgreSQL's is ISO with its offset (the session is UTC), SQLite's
    is UTC without one."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _open_applications(compartment_ids: Sequence[int]) -> QuerySet[Application]:
    return Application.objects.filter(compartment_id__in=compartment_ids, outcome__in=OPEN_OUTCOMES)


def case_countries(compartment_ids: Sequence[int]) -> dict[Any, int]:
    """case id -> country id of its most recent open application (one pass, in record order).

    Keys are case ids as the driver returns them (see `_raw_rows`).
    """
    rows = (
        _open_applications(compartment_ids)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "country_id")
    )
    return dict(_raw_rows(rows))  # later rows of a case overwrite earlier ones


def _time_per_stage(moves: Iterable[Move], now: datetime) -> dict[str, float]:
    totals: dict[str, float] = {}
    for interval in stage_intervals(moves, now):
        totals[interval.stage] = totals.get(interval.stage, 0.0) + interval.seconds
    return totals


def board_compute(*, compartment_ids: Sequence[int], now: datetime) -> list[CountryFigures]:
    """The board's rows, one per country in the registry, busiest first."""
    compartment_ids = list(compartment_ids)
    countries = {country.pk: CountryFigures(country) for country in Country.objects.all()}
    attributed = case_countries(compartment_ids)

    outcome_counts = (
        Application.objects.filter(compartment_id__in=compartment_ids)
        .values("country_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in outcome_counts:
        countries[row["country_id"]].outcomes[row["outcome"]] += row["n"]

    open_cases = _open_applications(compartment_ids).values("case_id")
    waiting: Counter[tuple[int, str]] = Counter()
    stages_now = Case.objects.filter(
        compartment_id__in=compartment_ids, pk__in=open_cases
    ).values_list("id", "stage")
    for case_id, stage in _raw_rows(stages_now):
        country_id = attributed.get(case_id)
        if country_id is not None:
            waiting[(country_id, stage)] += 1

    seconds: defaultdict[tuple[int, str], list[float]] = defaultdict(list)
    moves = (
        CaseTransition.objects.filter(compartment_id__in=compartment_ids, case_id__in=open_cases)
        .order_by("case_id", "seq")
        # As text: parsing ISO text in C is ten times faster than the drivers' datetime loaders
        .annotate(at_text=Cast("at", TextField()))
        .values_list("case_id", "to_stage", "at_text")
    )
    for case_id, rows in groupby(_raw_rows(moves), key=lambda row: row[0]):
        country_id = attributed.get(case_id)
        if country_id is None:
            continue
        case_moves = [Move(to_stage, _moment(at)) for _case, to_stage, at in rows]
        for stage, total in _time_per_stage(case_moves, now).items():
            seconds[(country_id, stage)].append(total)

    for country_id, figures in countries.items():
        figures.cases = sum(n for (c, _s), n in waiting.items() if c == country_id)
        figures.arrived = waiting[(country_id, Stage.ARRIVED)]
        figures.closed = waiting[(country_id, Stage.CLOSED)]
        for stage in TIMED_STAGES:
            values = seconds.get((country_id, stage), [])
            figures.stages.append(
                StageFigures(
                    stage=stage,
                    waiting=waiting[(country_id, stage)],
                    timed=len(values),
                    median=timedelta(seconds=statistics.median(values)) if values else None,
                    worst=timedelta(seconds=max(values)) if values else None,
                )
            )
    return sorted(countries.values(), key=lambda f: (-f.cases, -f.applications, f.country.name))
