"""Two people for the last bed at the same moment, each on its own database connection: the
shelter row lock (SQLite: the write lock) lets one in and refuses the other."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from conftest import Staff
from corridor.shelters.actions import placement_create, shelter_create
from corridor.shelters.models import Placement, PlacementRequest
from corridor.shelters.tests.conftest import Team
from corridor.vault.keyring import keyring_activated


def _place_at_once(
    staff: Staff,
    requests: list[PlacementRequest],
    starts_on: date,
) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def run(request: PlacementRequest) -> None:
        try:
            # A new thread starts in the site's default language; the messages are compared in English
            with keyring_activated(staff.keyring), translation.override("en"):
                barrier.wait(timeout=30)
                placement_create(actor_id=staff.user.pk, request=request, starts_on=starts_on)
            outcomes.append("placed")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, failures


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_last_bed_to_one_of_two_at_once(team: Team) -> None:
    # Given a shelter with one bed left, and two approved requests
    team.place(team.case("First"), team.today)
    team.place(team.case("Second"), team.today)
    requests = [team.approved(team.case(f"Rival {n}")) for n in range(2)]
    # When both are placed at the same moment
    outcomes, failures = _place_at_once(team.worker, requests, team.today)
    # Then one is placed and the other told the shelter is full
    assert not failures, failures
    assert sorted(o.startswith("The shelter is full") for o in outcomes) == [False, True]
    assert "placed" in outcomes
    assert Placement.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_it_gives_one_person_one_place_when_two_shelters_place_them_at_once(team: Team) -> None:
    with keyring_activated(team.coordinator.keyring):
        other = shelter_create(
            actor_id=team.coordinator.user.pk,
            compartment=team.org.compartment("Shelter"),
            name="Other",
            address="-",
            capacity=5,
        )
    case = team.case("Double booked")
    requests = [team.approved(case), team.approved(case, other)]
    outcomes, failures = _place_at_once(team.worker, requests, team.today)
    assert not failures, failures
    assert outcomes.count("placed") == 1
    assert Placement.objects.filter(case=case).count() == 1
