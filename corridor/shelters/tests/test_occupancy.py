"""Occupancy per day, exact for a constructed history, and its screen."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login
from corridor.shelters.actions import placement_end
from corridor.shelters.occupancy import shelter_occupancy
from corridor.shelters.tests.conftest import Team

pytestmark = pytest.mark.django_db


def _history(team: Team) -> None:
    """Days -30..-23 of a shelter of three places:

    A: arrives -30, leaves -27  -> -30, -29, -28
    B: arrives -29, leaves -29  -> no night at all
    C: arrives -28, still there -> -28 onwards (its cap is day 14)
    D: arrives -26, leaves -24  -> -26, -25
    """
    actor = team.worker.user.pk
    a = team.place(team.case("A"), team.day(-30))
    placement_end(actor_id=actor, placement=a, ends_on=team.day(-27))
    b = team.place(team.case("B"), team.day(-29))
    placement_end(actor_id=actor, placement=b, ends_on=team.day(-29))
    team.place(team.case("C"), team.day(-28))
    d = team.place(team.case("D"), team.day(-26))
    placement_end(actor_id=actor, placement=d, ends_on=team.day(-24))


def test_it_counts_each_day_of_a_constructed_history_exactly(team: Team) -> None:
    _history(team)
    days = shelter_occupancy(team.shelter, team.day(-31), team.day(-23), today=team.today)
    assert days == [
        (team.day(-31), 0),
        (team.day(-30), 1),
        (team.day(-29), 1),
        (team.day(-28), 2),
        (team.day(-27), 1),
        (team.day(-26), 2),
        (team.day(-25), 2),
        (team.day(-24), 1),
        (team.day(-23), 1),
    ]


def test_it_counts_an_open_stay_until_its_plan_and_through_today(team: Team) -> None:
    # Given a stay of 42 days that began 44 days ago and is still open
    team.place(team.case("Overstayer"), team.day(-44))
    days = dict(shelter_occupancy(team.shelter, team.day(-45), team.day(3), today=team.today))
    # Then it counts from its first day through today, and not after
    assert days[team.day(-45)] == 0 and days[team.day(-44)] == 1
    assert days[team.day(-2)] == 1 and days[team.today] == 1
    assert days[team.day(1)] == 0


def test_it_shows_the_history_as_a_table(team: Team) -> None:
    _history(team)
    client = login(Client(), team.worker)
    url = f"/shelters/{team.shelter.pk}/occupancy/"
    page = client.get(url, {"start": team.day(-30).isoformat(), "end": team.day(-24).isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<meter") == 7
    assert f"<td>{team.day(-28):%Y-%m-%d}</td><td>2 / 3</td>" in html
    # By default, the last 60 days
    assert client.get(url).content.decode().count("<meter") == 60
    # A range given backwards is refused with a message, and the default is shown
    backwards = client.get(url, {"start": team.today.isoformat(), "end": team.day(-5).isoformat()})
    assert 'class="error-summary"' in backwards.content.decode()
