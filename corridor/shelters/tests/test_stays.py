"""The cap on a stay (42 days by default, warned 7 days before) and the rules of a placement:
no overlap for one person, no end before the start, no start before the case began."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from corridor.cases.models import Case
from corridor.shelters.actions import (
    placement_create,
    placement_end,
    placement_request_create,
    shelter_create,
)
from corridor.shelters.models import Placement
from corridor.shelters.occupancy import StayState, stay_status
from corridor.shelters.tests.conftest import Team, audit_actions
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _place(
    team: Team, *, starts_on: date, planned_end: date | None = None, case: Case | None = None
) -> Placement:
    request = team.approved(case or team.case())
    with keyring_activated(team.worker.keyring):
        return placement_create(
            actor_id=team.worker.user.pk,
            request=request,
            starts_on=starts_on,
            planned_end=planned_end,
        )


def _nothing_placed(team: Team) -> None:
    assert not Placement.objects.exists()
    assert audit_actions("placement.create") == 0


def test_it_plans_a_stay_up_to_the_cap_by_default(team: Team) -> None:
    placement = _place(team, starts_on=team.today)
    assert placement.cap_on == team.day(42) == placement.planned_end
    assert audit_actions("placement.create") == 1


def test_it_allows_a_stay_of_exactly_the_cap_and_refuses_one_day_more(team: Team) -> None:
    case = team.case()
    with pytest.raises(ValidationError, match="capped at 42 days"):
        _place(team, case=case, starts_on=team.today, planned_end=team.day(43))
    _nothing_placed(team)
    assert _place(team, case=case, starts_on=team.today, planned_end=team.day(42)).planned_end


def test_it_follows_the_shelter_own_cap(team: Team) -> None:
    with keyring_activated(team.coordinator.keyring):
        short = shelter_create(
            actor_id=team.coordinator.user.pk,
            compartment=team.org.compartment("Shelter"),
            name="Short stays",
            address="-",
            capacity=2,
            stay_cap_days=14,
            warn_days_before=3,
        )
    placement = team.place(team.case(), team.today, shelter=short)
    assert placement.cap_on == team.day(14)


@pytest.mark.parametrize(
    ("days_in", "days_left", "state"),
    [
        (0, 42, StayState.OK),
        (34, 8, StayState.OK),  # one day before the warning window
        (35, 7, StayState.WARNING),  # the window opens 7 days before the cap
        (41, 1, StayState.WARNING),
        (42, 0, StayState.REACHED),  # the cap is today
        (43, -1, StayState.OVER),  # still there after it
    ],
)
def test_it_warns_before_the_cap_and_flags_it_at_and_after(
    team: Team, days_in: int, days_left: int, state: str
) -> None:
    placement = team.place(team.case(), team.today)
    status = stay_status(placement, team.shelter, team.day(days_in))
    assert (status.days_left, status.state) == (days_left, state)


def test_it_marks_an_ended_stay_as_ended(team: Team) -> None:
    placement = team.place(team.case(), team.day(-10))
    placement_end(actor_id=team.worker.user.pk, placement=placement, ends_on=team.day(-1))
    assert stay_status(placement, team.shelter, team.today).state == StayState.ENDED


@pytest.mark.parametrize("other_shelter", [False, True])
def test_it_refuses_overlapping_stays_of_one_person(team: Team, other_shelter: bool) -> None:
    # Given a person placed from today until day 20
    case = team.case()
    team.place(case, team.today, planned_end=team.day(20))
    shelter = team.shelter
    if other_shelter:
        with keyring_activated(team.coordinator.keyring):
            shelter = shelter_create(
                actor_id=team.coordinator.user.pk,
                compartment=team.org.compartment("Shelter"),
                name="Second",
                address="-",
                capacity=5,
            )
    # When the same person is placed again from day 19, in this or another shelter
    request = team.approved(case, shelter)
    with (
        pytest.raises(ValidationError, match="cannot overlap"),
        keyring_activated(team.worker.keyring),
    ):
        placement_create(actor_id=team.worker.user.pk, request=request, starts_on=team.day(19))
    # Then it is refused; from day 20 (the day they leave) it is allowed
    assert Placement.objects.count() == 1
    with keyring_activated(team.worker.keyring):
        placement_create(actor_id=team.worker.user.pk, request=request, starts_on=team.day(20))


@pytest.mark.parametrize("planned_end_offset", [-1, 0])
def test_it_refuses_a_stay_that_ends_before_it_starts(team: Team, planned_end_offset: int) -> None:
    with pytest.raises(ValidationError, match="end before it starts"):
        _place(team, starts_on=team.today, planned_end=team.day(planned_end_offset))
    _nothing_placed(team)


@pytest.mark.parametrize("planned_end", [None, date.max])
def test_it_refuses_a_start_too_far_ahead_for_its_cap_instead_of_failing(
    team: Team, planned_end: date | None
) -> None:
    # Given an arrival day typed at the calendar's end (its cap would fall after 9999-12-31)
    starts_on = date.max - timedelta(days=3)
    # When the person is placed, Then it is refused with a message, and nothing is written
    with pytest.raises(ValidationError, match="too far ahead"):
        _place(team, starts_on=starts_on, planned_end=planned_end)
    _nothing_placed(team)


def test_it_refuses_a_stay_before_the_case_began(team: Team) -> None:
    case = team.case(began_days_ago=5)
    with pytest.raises(ValidationError, match="before the case began"):
        _place(team, case=case, starts_on=team.day(-6))
    _nothing_placed(team)
    _place(team, case=case, starts_on=team.day(-5))


def test_it_places_only_an_approved_request_and_only_once(team: Team) -> None:
    case = team.case()
    with keyring_activated(team.coordinator.keyring):
        pending = placement_request_create(
            actor_id=team.worker.user.pk, case=case, shelter=team.shelter
        )
        with pytest.raises(ValidationError, match="Only an approved request"):
            placement_create(actor_id=team.worker.user.pk, request=pending, starts_on=team.today)
    approved = team.approved(team.case("Other"))
    with keyring_activated(team.worker.keyring):
        placement_create(actor_id=team.worker.user.pk, request=approved, starts_on=team.today)
        with pytest.raises(ValidationError, match="already been placed"):
            placement_create(actor_id=team.worker.user.pk, request=approved, starts_on=team.day(60))
    assert Placement.objects.count() == 1


def test_it_ends_a_stay_by_the_rules(team: Team) -> None:
    placement = team.place(team.case(), team.day(-50))  # planned to leave 8 days ago
    actor = team.worker.user.pk
    # Not before it starts, and not in the future beyond its planned end
    for ends_on, message in [(team.day(-51), "before it starts"), (team.day(1), "planned end")]:
        with pytest.raises(ValidationError, match=message):
            placement_end(actor_id=actor, placement=placement, ends_on=ends_on)
    assert Placement.objects.get(pk=placement.pk).ends_on is None
    assert audit_actions("placement.end") == 0
    # A past day past the cap records what happened; ending twice is refused
    placement_end(actor_id=actor, placement=placement, ends_on=team.day(-2))
    with pytest.raises(ValidationError, match="already ended"):
        placement_end(actor_id=actor, placement=placement, ends_on=team.day(-1))
    assert Placement.objects.get(pk=placement.pk).ends_on == team.day(-2)
    assert audit_actions("placement.end") == 1


def test_it_lets_a_future_end_shorten_a_stay(team: Team) -> None:
    placement = team.place(team.case(), team.today)
    placement_end(actor_id=team.worker.user.pk, placement=placement, ends_on=team.day(10))
    assert Placement.objects.get(pk=placement.pk).ends_on == team.today + timedelta(days=10)
