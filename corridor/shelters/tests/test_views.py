"""Shelter screens: create and edit, the list and board by compartment, and a stay run from
the case page (request, decision, place, end)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from conftest import login
from corridor.accounts.roles import Role
from corridor.shelters.actions import placement_request_create, placement_request_decide
from corridor.shelters.models import Decision, Placement, PlacementRequest, Shelter
from corridor.shelters.tests.conftest import SHELTER_ADDRESS, SHELTER_NAME, Team, audit_actions
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": SHELTER_NAME,
        "address": SHELTER_ADDRESS,
        "capacity": 3,
        "stay_cap_days": 42,
        "warn_days_before": 7,
    }
    return {**data, **changes}


def test_it_creates_a_shelter_whose_address_only_members_see(team: Team) -> None:
    # Given a coordinator of the shelter compartment creating a shelter there
    client = login(Client(), team.coordinator)
    shelter_compartment = team.org.compartment("Shelter")
    response = client.post(
        "/shelters/new/",
        {"compartment": shelter_compartment.pk, **_form(name="New House", address="Secretlane 9")},
    )
    assert response.status_code == 302
    created = Shelter.objects.exclude(pk=team.shelter.pk).get()
    assert created.compartment_id == shelter_compartment.pk and created.capacity == 3
    assert audit_actions("shelter.create") == 2
    # Then its members see the address on the board, and a non-member is not told it exists
    assert "Secretlane 9" in client.get(response["Location"]).content.decode()
    outsider = login(Client(), team.outsider)
    for path in ("", "occupancy/", "edit/"):
        assert outsider.get(f"/shelters/{created.pk}/{path}").status_code == 404
    assert "New House" not in outsider.get("/shelters/").content.decode()


def test_it_refuses_a_capacity_below_the_people_placed(team: Team) -> None:
    # Given two people placed
    team.place(team.case("One"), team.today)
    team.place(team.case("Two"), team.day(5))
    client = login(Client(), team.coordinator)
    # When the capacity is lowered to 1, the form says why and nothing changes
    response = client.post(f"/shelters/{team.shelter.pk}/edit/", _form(capacity=1))
    assert response.status_code == 200 and "2 people are placed on" in response.content.decode()
    assert Shelter.objects.get(pk=team.shelter.pk).capacity == 3
    assert audit_actions("shelter.update") == 0
    # And to 2 it is saved
    assert client.post(f"/shelters/{team.shelter.pk}/edit/", _form(capacity=2)).status_code == 302
    assert Shelter.objects.get(pk=team.shelter.pk).capacity == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"capacity": 0}, "capacity"), ({"warn_days_before": 42}, None), ({"name": ""}, "name")],
)
def test_it_refuses_bad_shelter_settings(
    team: Team, changes: dict[str, object], field: str | None
) -> None:
    client = login(Client(), team.coordinator)
    response = client.post(f"/shelters/{team.shelter.pk}/edit/", _form(**changes))
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    stored = Shelter.objects.get(pk=team.shelter.pk)
    assert (stored.capacity, stored.warn_days_before) == (3, 7)


def test_it_runs_a_stay_from_the_case_page(team: Team) -> None:
    case = team.case("Panelcase Person")
    case_page = f"/cases/{case.pk}/"
    worker, board = login(Client(), team.worker), login(Client(), team.coordinator)
    # The caseworker asks for a place
    response = worker.post(
        f"/shelters/case/{case.pk}/request/",
        {"shelter_request-shelter": team.shelter.pk, "shelter_request-need": "six weeks"},
    )
    assert response.status_code == 302 and response["Location"] == case_page
    request = PlacementRequest.objects.get(case=case)
    assert SHELTER_NAME in worker.get(case_page).content.decode()
    # The board approves; the case page then offers to place
    board.post(f"/shelters/requests/{request.pk}/decide/", {"decide-decision": "approve"})
    assert PlacementRequest.objects.get(pk=request.pk).decision == Decision.APPROVED
    assert f"/shelters/requests/{request.pk}/place/" in worker.get(case_page).content.decode()
    # A start before the case began is refused with a message, and nothing is placed
    refused = worker.post(
        f"/shelters/requests/{request.pk}/place/",
        {"place-starts_on": team.day(-200).isoformat()},
        follow=True,
    )
    assert 'class="error-summary"' in refused.content.decode()
    assert not Placement.objects.exists()
    # Placed today: the board shows the person with the days left before the cap
    worker.post(
        f"/shelters/requests/{request.pk}/place/",
        {"place-starts_on": team.today.isoformat(), "place-note": "Room 2, lower bunk"},
    )
    placement = Placement.objects.get(case=case)
    assert "Room 2, lower bunk" in worker.get(case_page).content.decode()  # the stay's note
    board_page = board.get(f"/shelters/{team.shelter.pk}/").content.decode()
    assert "Panelcase Person" in board_page and "1 / 3" in board_page
    assert "<td>42" in board_page
    # And the stay ends from the case page
    worker.post(
        f"/shelters/placements/{placement.pk}/end/", {"end-ends_on": team.today.isoformat()}
    )
    assert Placement.objects.get(pk=placement.pk).ends_on == team.today
    assert [
        audit_actions(a) for a in ("placement_request.create", "placement.create", "placement.end")
    ] == [1, 1, 1]


def test_it_hides_names_of_cases_from_other_compartments_on_the_board(team: Team) -> None:
    # Given a shelter volunteer who is a member of the shelter's compartment but not of North
    volunteer = team.org.staff("volunteer", Role.COORDINATOR, ("Shelter",))
    team.place(team.case("Hiddenname Person"), team.today)
    # When they open the board
    page = login(Client(), volunteer).get(f"/shelters/{team.shelter.pk}/").content.decode()
    # Then the bed is counted, but the person's name is not shown (nor openable)
    assert "1 / 3" in page
    assert "Hiddenname Person" not in page and "a case in another compartment" in page


def test_it_lists_shelters_of_the_user_compartments_with_occupancy(team: Team) -> None:
    team.place(team.case("Guest"), team.today)
    page = login(Client(), team.worker).get("/shelters/").content.decode()
    assert SHELTER_NAME in page and "1 / 3" in page
    assert SHELTER_NAME not in login(Client(), team.outsider).get("/shelters/").content.decode()


def test_it_stores_the_address_and_the_board_reasons_only_as_ciphertext(team: Team) -> None:
    # Given a shelter's secret address and a refusal reason written through the actions
    case = team.case()
    with keyring_activated(team.worker.keyring):
        request = placement_request_create(
            actor_id=team.worker.user.pk, case=case, shelter=team.shelter, need="Needmarker-5512"
        )
        placement_request_decide(
            actor_id=team.coordinator.user.pk, request=request, approve=False, reason="Refmarker-77"
        )
    # Then the tables hold none of them in clear
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_sealed, address_sealed FROM shelters_shelter")
        stored = b"".join(bytes(value) for row in cursor.fetchall() for value in row)
        cursor.execute("SELECT need_sealed, reason_sealed FROM shelters_placementrequest")
        stored += b"".join(bytes(value) for row in cursor.fetchall() for value in row)
    for marker in (SHELTER_ADDRESS, SHELTER_NAME, "Needmarker-5512", "Refmarker-77"):
        assert marker.encode() not in stored
    # And a member opens them
    with keyring_activated(team.worker.keyring):
        assert Shelter.objects.get(pk=team.shelter.pk).address == SHELTER_ADDRESS
        assert PlacementRequest.objects.get(pk=request.pk).reason == "Refmarker-77"


def test_it_lists_shelters_in_a_number_of_queries_that_does_not_grow_with_them(
    team: Team,
) -> None:
    from django.test.utils import CaptureQueriesContext

    from corridor.shelters.actions import shelter_create

    # Given one shelter, and a first visit that did the session's one-off work
    client = login(Client(), team.worker)
    team.place(team.case("Guest"), team.today)
    client.get("/shelters/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/shelters/").status_code == 200
    with keyring_activated(team.coordinator.keyring):
        for n in range(4):
            shelter = shelter_create(
                actor_id=team.coordinator.user.pk,
                compartment=team.shelter.compartment,
                name=f"Another shelter {n}",
                address="Somewhere",
                capacity=2,
            )
            team.approved(team.case(f"Waiting {n}"), shelter)
    # When four more shelters, with requests, are listed
    with CaptureQueriesContext(connection) as five:
        page = client.get("/shelters/").content.decode()
    # Then the page counts them all with the same queries, not a few more per shelter
    assert "Another shelter 3" in page and "1 / 3" in page
    assert len(five) == len(one)
