"""Time in each stage, exact to the microsecond, from the recorded transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.cases.actions import case_move_to_stage
from corridor.cases.durations import StageInterval, stage_intervals, time_in_stages
from corridor.cases.models import CaseTransition
from corridor.cases.tests.conftest import Desk
from corridor.cases.timeline import duration_text
from corridor.vault.keyring import keyring_activated

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class Moved:
    to_stage: str
    at: datetime


def test_it_closes_each_interval_at_the_next_move_and_leaves_the_last_open() -> None:
    moves = [
        Moved("request", T0),
        Moved("vetting", T0 + timedelta(hours=5)),
        Moved("accepted", T0 + timedelta(days=3, hours=5, microseconds=7)),
    ]
    now = T0 + timedelta(days=10)
    assert stage_intervals(moves, now) == [
        StageInterval("request", T0, T0 + timedelta(hours=5), 5 * 3600.0),
        StageInterval(
            "vetting",
            T0 + timedelta(hours=5),
            T0 + timedelta(days=3, hours=5, microseconds=7),
            3 * 86400 + 0.000007,
        ),
        StageInterval(
            "accepted",
            T0 + timedelta(days=3, hours=5, microseconds=7),
            None,
            (timedelta(days=6, hours=19) - timedelta(microseconds=7)).total_seconds(),
        ),
    ]


def test_it_adds_up_repeated_visits_to_a_stage() -> None:
    moves = [
        Moved("application", T0),
        Moved("departure", T0 + timedelta(days=20)),
        Moved("application", T0 + timedelta(days=21)),  # visa refused
        Moved("departure", T0 + timedelta(days=50)),
    ]
    totals = time_in_stages(moves, T0 + timedelta(days=52))
    assert totals == {"application": 49 * 86400.0, "departure": 3 * 86400.0}


def test_it_never_gives_a_negative_open_interval() -> None:
    (interval,) = stage_intervals([Moved("request", T0)], T0 - timedelta(seconds=5))
    assert interval.seconds == 0.0 and interval.left_at is None


@given(
    gaps=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
        min_size=1,
        max_size=12,
    ),
    tail=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_it_accounts_for_every_microsecond_between_the_first_move_and_now(
    gaps: list[timedelta], tail: timedelta
) -> None:
    at, moves = T0, []
    for index, gap in enumerate(gaps):
        moves.append(Moved(f"stage{index % 3}", at))
        at += gap
    now = moves[-1].at + tail
    intervals = stage_intervals(moves, now)
    total = sum((interval.duration for interval in intervals), timedelta())
    assert total == now - T0
    assert [interval.entered_at for interval in intervals] == [move.at for move in moves]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "under a minute"),
        (125 * 60, "2 hours 5 minutes"),
        (86400 + 3600, "1 day 1 hour"),
        (3 * 86400 + 59, "3 days"),
    ],
)
def test_it_writes_a_duration_for_people(seconds: float, text: str, settings: object) -> None:
    from django.utils import translation

    with translation.override("en"):
        assert duration_text(seconds) == text


@pytest.mark.django_db
def test_it_times_the_stages_of_a_stored_case_exactly(desk: Desk) -> None:
    # Given a case opened at `began` and moved at explicit times
    case = desk.case()
    moves = [("vetting", timedelta(hours=6)), ("accepted", timedelta(days=2, minutes=30))]
    with keyring_activated(desk.coordinator.keyring):
        for stage, offset in moves:
            case_move_to_stage(
                actor_id=desk.coordinator.user.pk, case=case, to_stage=stage, at=desk.began + offset
            )
    # When the intervals are read back from the stored transitions
    stored = list(CaseTransition.objects.filter(case=case).order_by("seq"))
    now = desk.began + timedelta(days=5)
    # Then each figure is the exact difference of the recorded times
    assert [(i.stage, i.seconds) for i in stage_intervals(stored, now)] == [
        ("request", 6 * 3600.0),
        ("vetting", timedelta(days=2, minutes=30, hours=-6).total_seconds()),
        ("accepted", timedelta(days=2, hours=23, minutes=30).total_seconds()),
    ]


@pytest.mark.django_db
def test_it_times_a_reopened_case_with_moves_at_the_same_instant(desk: Desk) -> None:
    # Given a case vetted the instant it began, closed, reopened a week later and, in the same
    # instant, declined
    case = desk.case()
    moves = [
        ("vetting", timedelta(0), {}),
        ("closed", timedelta(days=3), {"reason": "No answer", "outcome": "lost_contact"}),
        ("vetting", timedelta(days=10), {"reason": "Called again"}),
        ("declined", timedelta(days=10), {"reason": "Coerced call"}),
    ]
    with keyring_activated(desk.coordinator.keyring):
        for stage, offset, extra in moves:
            case_move_to_stage(
                actor_id=desk.coordinator.user.pk,
                case=case,
                to_stage=stage,
                at=desk.began + offset,
                **extra,
            )
    stored = list(CaseTransition.objects.filter(case=case).order_by("seq"))
    # When the stages are timed two days after the last moves
    totals = time_in_stages(stored, desk.began + timedelta(days=12))
    # Then the equal times cost nothing, the visits to vetting add up, and seq keeps the order
    assert [t.to_stage for t in stored] == ["request", "vetting", "closed", "vetting", "declined"]
    assert totals == {
        "request": 0.0,
        "vetting": 3 * 86400.0,
        "closed": 7 * 86400.0,
        "declined": 2 * 86400.0,
    }
