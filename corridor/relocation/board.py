"""The country board: for each destination country, how many cases wait at each stage, how
long cases stay there (median and worst), and how its applications were decided.

Attribution: a case counts for the country of its most recent open application (pending or
granted; the most recently recorded one wins); a case with none is on no country's row.
Time at a stage is a case's total over every visit to that stage (a refused visa brings it
back), from the exact times of its transitions, each visit lasting until the next transition
and the last one up to now (the rule of `corridor.cases.durations.stage_intervals`). Median
and worst are over the cases attributed to the country that spent time at that stage.

Only operational columns are read (codes, ids, times): nothing is decrypted here (the view
opens the few most recent refusal reasons, `refusals_recent`, for members who may read them). The database
does the per-case work (attribution, visit lengths with a window function, totals per case
and stage, in exact integer microseconds); Python receives one row per (case, stage) pair
without the case id, and takes medians and maxima. Five queries, in the compartments the
user is a member of (docs/decisions/0008-relocation.md).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count

from corridor.cases.models import Case, CaseTransition, Stage
from corridor.relocation.models import (
    OPEN_OUTCOMES,
    Application,
    ApplicationOutcome,
    Country,
)

# Stages a case waits in; declined, arrived and closed are ends, counted but not timed.
TIMED_STAGES: tuple[Stage, ...] = tuple(
    stage for stage in Stage if stage not in (Stage.DECLINED, Stage.ARRIVED, Stage.CLOSED)
)
# The stages that belong to a destination: from the shelter where people wait for their
# papers to the departure. Request, vetting, acceptance and evacuation come before any
# country is chosen, so the board does not repeat them under each destination (issue 13).
DESTINATION_STAGES: tuple[Stage, ...] = (
    Stage.SHELTERED,
    Stage.DOCUMENTS,
    Stage.APPLICATION,
    Stage.DEPARTURE,
)
#: Most recent refusal reasons shown per country (each opened and audited).
REFUSALS_SHOWN = 10
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


@dataclass(frozen=True)
class DecisionDay:
    """The applications to one country decided on one day, and the grants so far."""

    day: date
    granted: int
    refused: int
    granted_so_far: int


@dataclass
class CountryFigures:
    country: Country
    cases: int = 0
    arrived: int = 0
    closed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # applications by outcome
    stages: list[StageFigures] = field(default_factory=list)
    decisions: list[DecisionDay] = field(default_factory=list)  # oldest first

    @property
    def destination_stages(self) -> list[StageFigures]:
        return [figures for figures in self.stages if figures.stage in DESTINATION_STAGES]

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


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _attributed_sql(
    compartment_ids: Sequence[int], stage: str | None = None
) -> tuple[str, list[Any]]:
    """(case_id, country_id) of every case with an open application in the compartments:
    the most recently recorded one (created_at, then id), as `case_countries` decides.
    With `stage`, only the cases at that stage now, filtered before the ranking (the
    compartment-and-stage index of the cases, not every application)."""
    at_stage = (
        f" AND a.case_id IN (SELECT id FROM {Case._meta.db_table}"  # noqa: S608 (names only)
        f" WHERE compartment_id IN ({_placeholders(compartment_ids)}) AND stage = %s)"
        if stage
        else ""
    )
    sql = (
        "SELECT case_id, country_id FROM ("  # noqa: S608 (names and placeholders only)
        " SELECT a.case_id, a.country_id, ROW_NUMBER() OVER ("
        "  PARTITION BY a.case_id ORDER BY a.created_at DESC, a.id DESC) AS latest"
        f" FROM {Application._meta.db_table} a"
        f" WHERE a.compartment_id IN ({_placeholders(compartment_ids)})"
        f" AND a.outcome IN ({_placeholders(OPEN_OUTCOMES)}){at_stage}"
        ") ranked WHERE latest = 1"
    )
    params: list[Any] = [*compartment_ids, *OPEN_OUTCOMES]
    if stage:
        params += [*compartment_ids, str(stage)]
    return sql, params  # values are parameters, never text


def _microseconds_sql(column: str) -> str:
    """A timestamp column as integer microseconds since 1970, exactly, on either backend."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    # SQLite keeps Django's UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": the whole seconds
    # (parsed without the fraction: SQLite's clock rounds to milliseconds, so .9996 would
    # count as the next second), then the six digits of the fraction, padded (none: 0).
    return (
        f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column} || '000000', 21, 6) AS INTEGER))"
    )


def _visits_sql() -> str:
    """`seq:microseconds` of each visit, comma-separated, in any order (Python sorts)."""
    item = "CAST(seq AS TEXT) || ':' || CAST(us AS TEXT)"
    if connection.vendor == "postgresql":
        return f"string_agg({item}, ',')"
    return f"group_concat({item}, ',')"


def case_countries(compartment_ids: Sequence[int]) -> dict[Any, int]:
    """case id -> country id of its most recent open application (the attribution rule).

    Keys are case ids as the driver returns them (hex text on SQLite, UUID on PostgreSQL).
    The board itself does this in SQL; this is the rule in one call, for tests and tools.
    """
    compartment_ids = list(compartment_ids)
    if not compartment_ids:
        return {}
    sql, params = _attributed_sql(compartment_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _waiting(compartment_ids: list[int]) -> Counter[tuple[int, str]]:
    """(country id, stage) -> attributed cases at that stage now."""
    attributed, params = _attributed_sql(compartment_ids)
    sql = (
        f"WITH attributed AS ({attributed})"  # noqa: S608 (names and placeholders only)
        " SELECT attributed.country_id, c.stage, COUNT(*)"
        f" FROM attributed JOIN {Case._meta.db_table} c ON c.id = attributed.case_id"
        f" WHERE c.compartment_id IN ({_placeholders(compartment_ids)})"
        " GROUP BY attributed.country_id, c.stage"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *compartment_ids])
        return Counter({(country_id, stage): n for country_id, stage, n in cursor.fetchall()})


def _seconds(
    compartment_ids: list[int], now: datetime
) -> defaultdict[tuple[int, str], list[float]]:
    """(country id, timed stage) -> each attributed case's total seconds at that stage.

    A visit lasts from its transition to the case's next one (by seq), the last one up to
    now (never below zero). Totals are exact in the database; the seconds are then the same
    floats as `stage_intervals` gives, summed visit by visit in seq order, so medians and
    worsts agree with the case page to the microsecond.
    """
    attributed, params = _attributed_sql(compartment_ids)
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    sql = (
        f"WITH attributed AS ({attributed}),"  # noqa: S608 (names and placeholders only)
        " moves AS ("
        "  SELECT t.case_id, attributed.country_id, t.seq, t.to_stage,"
        f"   {_microseconds_sql('t.at')} AS at_us"
        f"  FROM attributed JOIN {CaseTransition._meta.db_table} t"
        "   ON t.case_id = attributed.case_id"
        f"  WHERE t.compartment_id IN ({_placeholders(compartment_ids)})),"
        " visits AS ("
        "  SELECT case_id, country_id, seq, to_stage, COALESCE("
        "   LEAD(at_us) OVER (PARTITION BY case_id ORDER BY seq),"
        f"   {greatest}(%s, at_us)) - at_us AS us"
        "  FROM moves)"
        " SELECT country_id, to_stage, COUNT(*), CAST(SUM(us) AS BIGINT),"
        f"  CASE WHEN COUNT(*) > 1 THEN {_visits_sql()} END"
        " FROM visits"
        f" WHERE to_stage IN ({_placeholders(TIMED_STAGES)})"
        " GROUP BY case_id, country_id, to_stage"
    )
    seconds: defaultdict[tuple[int, str], list[float]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *compartment_ids, now_us, *TIMED_STAGES])
        for country_id, stage, n, total_us, visits in cursor.fetchall():
            if n == 1:
                # timedelta.total_seconds() divides the exact microseconds the same way
                seconds[(country_id, stage)].append(total_us / 1_000_000)
                continue
            total = 0.0  # visits added in seq order, as a running float total does
            for _seq, us in sorted(tuple(map(int, v.split(":"))) for v in visits.split(",")):
                total += us / 1_000_000
            seconds[(country_id, stage)].append(total)
    return seconds


def _decision_days(compartment_ids: list[int]) -> dict[int, list[DecisionDay]]:
    """country id -> its grants and refusals per decision day, oldest first: one query."""
    rows = (
        Application.objects.filter(
            compartment_id__in=compartment_ids,
            outcome__in=(ApplicationOutcome.GRANTED, ApplicationOutcome.REFUSED),
            decision_on__isnull=False,
        )
        .values("country_id", "decision_on", "outcome")
        .annotate(n=Count("id"))
        .order_by("country_id", "decision_on")
    )
    per_day: dict[int, dict[date, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        per_day[row["country_id"]][row["decision_on"]][row["outcome"]] += row["n"]
    days: dict[int, list[DecisionDay]] = {}
    for country_id, by_day in per_day.items():
        so_far, found = 0, []
        for day in sorted(by_day):
            granted = by_day[day][ApplicationOutcome.GRANTED]
            so_far += granted
            found.append(DecisionDay(day, granted, by_day[day][ApplicationOutcome.REFUSED], so_far))
        days[country_id] = found
    return days


def refusals_recent(compartment_ids: Sequence[int]) -> dict[int, list[Application]]:
    """country id -> its most recent refused applications (up to REFUSALS_SHOWN), for the
    caller to open and audit: one query; the reasons are encrypted."""
    found: dict[int, list[Application]] = defaultdict(list)
    if not compartment_ids:
        return found
    refused = (
        Application.objects.filter(
            compartment_id__in=list(compartment_ids), outcome=ApplicationOutcome.REFUSED
        )
        .only(*Application.KEY_FIELDS, "country_id", "decision_on", "refusal_reason", "created_at")
        .order_by("country_id", "-decision_on", "-created_at")
    )
    for application in refused:
        if len(found[application.country_id]) < REFUSALS_SHOWN:
            found[application.country_id].append(application)
    return found


@dataclass
class DestinationWait:
    """One destination on the coordinator's home page: how long each case at the
    application stage now, attributed to it, has waited there since it entered it."""

    country: Country
    waiting: list[timedelta] = field(default_factory=list)

    @property
    def median_days(self) -> float:
        return statistics.median(w.total_seconds() for w in self.waiting) / 86400

    @property
    def worst_days(self) -> float:
        return max(self.waiting).total_seconds() / 86400


def destination_waits(*, compartment_ids: Sequence[int], now: datetime) -> list[DestinationWait]:
    """The home page's waits per destination in one query over the cases at the application
    stage only (the compartment-and-stage index), each attributed as the board attributes
    it and timed from `stage_entered_at`: the current stay, where the board sums every
    visit of every case (which reads every transition, too slow for a home page)."""
    compartment_ids = list(compartment_ids)
    if not compartment_ids:
        return []
    attributed, params = _attributed_sql(compartment_ids, Stage.APPLICATION)
    sql = (
        f"WITH attributed AS ({attributed})"  # noqa: S608 (names and placeholders only)
        " SELECT attributed.country_id, c.stage_entered_at"
        f" FROM attributed JOIN {Case._meta.db_table} c ON c.id = attributed.case_id"
    )
    rows: dict[int, DestinationWait] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    countries = Country.objects.in_bulk({country_id for country_id, _entered in found})
    for country_id, entered in found:
        if isinstance(entered, str):  # SQLite may return the text Django stored
            entered = datetime.fromisoformat(entered)
        if entered.tzinfo is None:  # SQLite keeps UTC without its offset
            entered = entered.replace(tzinfo=UTC)
        row = rows.setdefault(country_id, DestinationWait(countries[country_id]))
        row.waiting.append(max(now - entered, timedelta(0)))
    return sorted(rows.values(), key=lambda r: (-len(r.waiting), r.country.name))


def board_compute(*, compartment_ids: Sequence[int], now: datetime) -> list[CountryFigures]:
    """The board's rows, one per country in the registry, busiest first."""
    compartment_ids = list(compartment_ids)
    countries = {country.pk: CountryFigures(country) for country in Country.objects.all()}
    waiting: Counter[tuple[int, str]] = Counter()
    seconds: defaultdict[tuple[int, str], list[float]] = defaultdict(list)
    if compartment_ids:  # no compartment: nothing to read (and no empty IN () in SQL)
        outcome_counts = (
            Application.objects.filter(compartment_id__in=compartment_ids)
            .values("country_id", "outcome")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in outcome_counts:
            countries[row["country_id"]].outcomes[row["outcome"]] += row["n"]
        waiting = _waiting(compartment_ids)
        seconds = _seconds(compartment_ids, now)
        for country_id, days in _decision_days(compartment_ids).items():
            countries[country_id].decisions = days

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
