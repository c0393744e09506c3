"""The figures of the role home pages, from operational columns only: nothing is decrypted.

Every function runs a fixed number of queries whatever the number of cases (counted in
`tests/test_home.py` at two data sizes): the database counts, Python only arranges. Each takes
the compartment ids the viewer is a member of, so nobody counts another compartment's work.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from corridor.cases.models import Case, Outcome, Stage, StageMonthCount
from corridor.reports.period import Period
from corridor.tasks.models import Alert, Task

# The funnel's steps: a case counts for a step once it reached that stage in the period.
# "Abroad" is the move to departure (the person has left the country), "arrived" the move to
# arrived at the destination (docs/decisions/0029-home-pages-charts-money-time.md).
FUNNEL_STAGES: tuple[tuple[str, Stage], ...] = (
    ("vetted", Stage.VETTING),
    ("accepted", Stage.ACCEPTED),
    ("evacuated", Stage.EVACUATION),
    ("sheltered", Stage.SHELTERED),
    ("abroad", Stage.DEPARTURE),
    ("arrived", Stage.ARRIVED),
)


@dataclass
class Funnel:
    requests: int = 0  # cases opened in the period, plus requests the desk never opened a case for
    steps: list[tuple[str, Stage, int]] = field(default_factory=list)
    closed: list[tuple[Outcome, int]] = field(default_factory=list)

    @property
    def closed_total(self) -> int:
        return sum(n for _o, n in self.closed)


def funnel_compute(*, compartment_ids: list[int], period: Period, desk: bool) -> Funnel:
    """Three queries (two without the intake desk): the kept counts of moves
    (`cases.stagecounts`), closes, and requests not opened.

    A case counts once for each stage, in the month it first entered it (moved back and
    forward again it is not counted again: decision 0037).

    `desk`: the viewer is a member of the intake desk, so requests that never became a case
    (declined, spam, still waiting) count as requests too.
    """
    funnel = Funnel()
    moves = (
        StageMonthCount.objects.filter(
            compartment_id__in=compartment_ids, month__gte=period.first, month__lte=period.last
        )
        .values("stage")
        .annotate(n=Sum("count"))
        .order_by()
    )
    reached = {row["stage"]: row["n"] for row in moves}
    funnel.requests = reached.get(Stage.REQUEST, 0)
    funnel.steps = [(key, stage, reached.get(stage, 0)) for key, stage in FUNNEL_STAGES]
    closes = (
        Case.objects.filter(
            compartment_id__in=compartment_ids,
            stage=Stage.CLOSED,
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        )
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_outcome = {row["outcome"]: row["n"] for row in closes}
    funnel.closed = [(o, by_outcome[o]) for o in Outcome if by_outcome.get(o)]
    if desk:
        from corridor.intake.models import Submission

        funnel.requests += Submission.objects.filter(
            thread__isnull=True,
            case_id__isnull=True,
            received_hour__gte=period.start,
            received_hour__lt=period.end,
        ).count()
    return funnel


def stage_months(*, compartment_ids: list[int], period: Period) -> dict[str, dict[date, int]]:
    """stage -> month -> cases that entered the stage that month (one query, of the kept
    counts)."""
    rows = (
        StageMonthCount.objects.filter(
            compartment_id__in=compartment_ids, month__gte=period.first, month__lte=period.last
        )
        .values("month", "stage")
        .annotate(n=Sum("count"))
        .order_by()
    )
    table: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        if row["n"]:
            table[row["stage"]][row["month"]] = row["n"]
    return table


def open_alerts_of(
    *, user_id: int, coordinator: bool, compartment_ids: Collection[int]
) -> QuerySet[Alert]:
    """Unresolved alerts this user is to act on: addressed to them, to nobody (coordinators),
    or about a case assigned to them."""
    mine = Q(for_user_id=user_id) | Q(case__assignee_id=user_id)
    if coordinator:
        mine |= Q(for_user__isnull=True)
    return Alert.objects.filter(
        resolved_at__isnull=True, case__compartment_id__in=compartment_ids
    ).filter(mine)


def open_alerts(*, user_id: int, coordinator: bool, compartment_ids: list[int]) -> int:
    """How many `open_alerts_of` (one query)."""
    return open_alerts_of(
        user_id=user_id, coordinator=coordinator, compartment_ids=compartment_ids
    ).count()


def overdue_tasks_of(
    *, compartment_ids: Collection[int], owner_id: int | None = None
) -> QuerySet[Task]:
    tasks = Task.objects.filter(
        compartment_id__in=compartment_ids, done_at__isnull=True, overdue=True
    )
    if owner_id is not None:
        tasks = tasks.filter(owner_id=owner_id)
    return tasks


def overdue_tasks(*, compartment_ids: list[int], owner_id: int | None = None) -> int:
    return overdue_tasks_of(compartment_ids=compartment_ids, owner_id=owner_id).count()


@dataclass(frozen=True)
class MyTasks:
    open: int
    overdue: int
    due_this_week: int


def my_tasks(*, user_id: int, compartment_ids: list[int], today: date) -> MyTasks:
    """One query: open, overdue and due in the next seven days of the user's own tasks."""
    counts = Task.objects.filter(
        owner_id=user_id, done_at__isnull=True, compartment_id__in=compartment_ids
    ).aggregate(
        n_open=Count("id"),
        n_overdue=Count("id", filter=Q(overdue=True)),
        n_week=Count("id", filter=Q(overdue=False, due_on__lte=today + timedelta(days=7))),
    )
    return MyTasks(counts["n_open"], counts["n_overdue"], counts["n_week"])


def my_cases(*, user_id: int, compartment_ids: list[int]) -> list[tuple[Stage, int, int]]:
    """(stage, cases assigned to the user, of which with an overdue task), open stages only,
    in pipeline order (one query)."""
    overdue = Task.objects.filter(case_id=OuterRef("pk"), done_at__isnull=True, overdue=True)
    rows = (
        Case.objects.filter(assignee_id=user_id, compartment_id__in=compartment_ids)
        .exclude(stage=Stage.CLOSED)
        .annotate(late=Exists(overdue))
        .values("stage")
        .annotate(n=Count("id"), n_late=Count("id", filter=Q(late=True)))
        .order_by()
    )
    found = {row["stage"]: (row["n"], row["n_late"]) for row in rows}
    return [(stage, *found[stage]) for stage in Stage if stage in found]


# --- shelters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShelterFigures:
    shelter: Any
    capacity: int
    occupied: int
    next_free: date | None  # today if a bed is free; None if none frees up within a year
    waiting: int  # placement requests waiting for the board


def shelters_figures(*, shelters: list[Any], today: date) -> list[ShelterFigures]:
    """Occupancy today, the next day a bed is free and the waiting list (two queries)."""
    from corridor.shelters.models import Decision, Placement, PlacementRequest
    from corridor.shelters.occupancy import occupancy_count, placement_last_day

    ids = [s.pk for s in shelters]
    placements: dict[Any, list[Placement]] = {pk: [] for pk in ids}
    current = (
        Placement.objects.filter(shelter_id__in=ids)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .only("id", "shelter_id", "starts_on", "planned_end", "ends_on")
    )
    for placement in current:
        placements[placement.shelter_id].append(placement)
    waiting = Counter(
        PlacementRequest.objects.filter(shelter_id__in=ids, decision=Decision.PENDING)
        .values_list("shelter_id", flat=True)
        .order_by()
    )
    figures = []
    for shelter in shelters:
        own = placements[shelter.pk]
        # Occupancy only falls the day after a stay's last day: those are the candidates.
        days = sorted({today} | {placement_last_day(p, today) + timedelta(days=1) for p in own})
        next_free = next(
            (
                day
                for day in days
                if day <= today + timedelta(days=366)
                and occupancy_count(own, day, today) < shelter.capacity
            ),
            None,
        )
        figures.append(
            ShelterFigures(
                shelter,
                shelter.capacity,
                occupancy_count(own, today, today),
                next_free,
                waiting[shelter.pk],
            )
        )
    return figures


# --- triage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskFigures:
    by_status: list[tuple[Any, int]]
    by_channel: list[tuple[Any, int]]
    duplicates: int  # open requests sharing a keyed hash with another request or a case
    unindexed: int  # open requests nobody has opened yet (no flags computed)
    oldest: datetime | None


def desk_figures() -> DeskFigures:
    """The inbox by status, channel and flag, without opening a request (three queries).

    Urgency is inside the sealed request, so it is counted on the inbox, which opens them.
    """
    from corridor.intake.models import Channel, Submission, SubmissionStatus
    from corridor.triage.models import SubmissionTerm
    from corridor.triage.views import FILTERS

    open_statuses = list(FILTERS["open"])
    heads = Submission.objects.filter(thread__isnull=True)
    statuses = dict(
        heads.values("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )
    twin = SubmissionTerm.objects.filter(digest=OuterRef("digest")).exclude(
        thread_id=OuterRef("thread_id")
    )
    flagged = SubmissionTerm.objects.filter(Exists(twin)).values("thread_id")
    opened = heads.filter(status__in=open_statuses)
    counts = opened.aggregate(
        n_duplicates=Count("id", filter=Q(pk__in=flagged)),
        n_unindexed=Count("id", filter=Q(triage_indexed__isnull=True)),
        first=Min("received_hour"),
    )
    channels = dict(
        opened.values("channel").annotate(n=Count("id")).order_by().values_list("channel", "n")
    )
    return DeskFigures(
        by_status=[(s, statuses[s]) for s in SubmissionStatus if statuses.get(s)],
        by_channel=[(c, channels[c]) for c in Channel if channels.get(c)],
        duplicates=counts["n_duplicates"],
        unindexed=counts["n_unindexed"],
        oldest=counts["first"],
    )


# --- documentation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentationFigures:
    referrals: list[tuple[Any, int, int]]  # (status, mine, of which overdue)
    events_by_month: list[tuple[date, int]]
    acts_by_type: list[tuple[str, int]]


def documentation_figures(*, user_id: int, compartment_ids: list[int]) -> DocumentationFigures:
    """The lawyer's work in counts: their referrals, events per month, acts by type (four
    queries: the terms' labels are public vocabulary)."""
    from corridor.documentation.models import Act, Event, Referral, ReferralStatus, Term

    referrals = (
        Referral.objects.filter(owner_id=user_id, compartment_id__in=compartment_ids)
        .values("status")
        .annotate(n=Count("id"), n_late=Count("id", filter=Q(overdue=True)))
        .order_by()
    )
    by_status = {row["status"]: (row["n"], row["n_late"]) for row in referrals}
    since = timezone.localdate().replace(day=1) - timedelta(days=365)
    events = (
        Event.objects.filter(compartment_id__in=compartment_ids, start_month__gte=since)
        .values("start_month")
        .annotate(n=Count("id"))
        .order_by("start_month")
    )
    acts = dict(
        Act.objects.filter(compartment_id__in=compartment_ids)
        .values("act_type_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("act_type_id", "n")
    )
    terms = Term.objects.filter(pk__in=list(acts)).order_by("position")
    return DocumentationFigures(
        referrals=[(s, *by_status[s]) for s in ReferralStatus if s in by_status],
        events_by_month=[(row["start_month"], row["n"]) for row in events],
        acts_by_type=[(term.label, acts[term.pk]) for term in terms],
    )
