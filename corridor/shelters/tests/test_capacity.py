"""Capacity holds on every day of a requested stay; a refused placement changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from corridor.shelters.actions import placement_create, placement_end
from corridor.shelters.models import Placement
from corridor.shelters.occupancy import shelter_capacity_left
from corridor.shelters.tests.conftest import Team, audit_actions

pytestmark = pytest.mark.django_db


def _fill(team: Team, count: int, starts_on_offset: int = 0) -> list[Placement]:
    return [team.place(team.case(f"Guest {n}"), team.day(starts_on_offset)) for n in range(count)]


def test_it_places_up_to_capacity_and_refuses_one_more(team: Team) -> None:
    # Given a shelter of 3 places, filled today
    _fill(team, 3)
    assert shelter_capacity_left(team.shelter, team.today) == 0
    late = team.case("One too many")
    request = team.approved(late)
    audit_before = audit_actions("placement.create")
    # When a fourth person is placed today, it is refused with the day it is full
    with pytest.raises(ValidationError, match="full on"):
        placement_create(actor_id=team.worker.user.pk, request=request, starts_on=team.today)
    # Then nothing changed: no placement, no audit entry, the request still waits to be placed
    assert Placement.objects.count() == 3
    assert audit_actions("placement.create") == audit_before
    assert not Placement.objects.filter(request=request).exists()


def test_it_refuses_a_stay_that_is_full_on_a_later_day(team: Team) -> None:
    # Given three people arriving in ten days
    _fill(team, 3, starts_on_offset=10)
    # When someone asks to stay from today for two weeks, it is refused (full on day 10)
    with pytest.raises(ValidationError, match=team.day(10).isoformat()):
        team.place(team.case("Early guest"), team.today, planned_end=team.day(14))
    # Then a stay that leaves the day the others arrive fits
    team.place(team.case("Short guest"), team.today, planned_end=team.day(10))
    assert Placement.objects.count() == 4


def test_it_frees_the_bed_from_the_day_a_stay_ends(team: Team) -> None:
    first, *_ = _fill(team, 3, starts_on_offset=-5)
    placement_end(actor_id=team.worker.user.pk, placement=first, ends_on=team.day(2))
    assert shelter_capacity_left(team.shelter, team.day(1)) == 0
    assert shelter_capacity_left(team.shelter, team.day(2)) == 1
    with pytest.raises(ValidationError, match="full on"):
        team.place(team.case("Too early"), team.day(1))
    team.place(team.case("On time"), team.day(2))


def test_it_counts_someone_past_the_cap_until_their_stay_is_ended(team: Team) -> None:
    # Given a shelter of one place, and a stay of 42 days that began 50 days ago, still open
    team.shelter.capacity = 1
    team.shelter.save()
    overstay = team.place(team.case("Still here"), team.day(-50))
    assert overstay.planned_end == team.day(-8)
    # Then the bed is taken today (the person is there) but counted free from tomorrow
    assert shelter_capacity_left(team.shelter, team.today) == 0
    assert shelter_capacity_left(team.shelter, team.day(1)) == 1
    with pytest.raises(ValidationError, match="full on"):
        team.place(team.case("Newcomer"), team.today)
