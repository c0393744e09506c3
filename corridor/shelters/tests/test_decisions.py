"""The board decides on each request: approve or refuse with a reason, dated, once; how long
a request waited, flagged past the three days the 2017 board took."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.shelters.actions import placement_request_create, placement_request_decide
from corridor.shelters.models import Decision, Placement, PlacementRequest
from corridor.shelters.tests.conftest import Team, audit_actions
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _request(team: Team, days_ago: float = 0, name: str = "Requester") -> PlacementRequest:
    with keyring_activated(team.worker.keyring):
        return placement_request_create(
            actor_id=team.worker.user.pk,
            case=team.case(name),
            shelter=team.shelter,
            need="Beaten by his brothers; needs six weeks",
            at=timezone.now() - timedelta(days=days_ago),
        )


def test_it_records_an_approval_with_its_date_and_does_not_place_anyone(team: Team) -> None:
    request = _request(team, days_ago=2)
    decided_at = timezone.now() - timedelta(days=1)
    with keyring_activated(team.coordinator.keyring):
        placement_request_decide(
            actor_id=team.coordinator.user.pk, request=request, approve=True, at=decided_at
        )
    stored = PlacementRequest.objects.get(pk=request.pk)
    assert stored.decision == Decision.APPROVED
    assert (stored.decided_at, stored.decided_by_id) == (decided_at, team.coordinator.user.pk)
    assert stored.waited(timezone.now()) == decided_at - stored.requested_at
    assert not Placement.objects.exists()
    assert audit_actions("placement_request.approved") == 1


def test_it_needs_a_reason_to_refuse_and_decides_only_once(team: Team) -> None:
    request = _request(team)
    with keyring_activated(team.coordinator.keyring):
        with pytest.raises(ValidationError, match="refusal needs a reason"):
            placement_request_decide(
                actor_id=team.coordinator.user.pk, request=request, approve=False, reason="  "
            )
        assert PlacementRequest.objects.get(pk=request.pk).decision == Decision.PENDING
        placement_request_decide(
            actor_id=team.coordinator.user.pk, request=request, approve=False, reason="No beds"
        )
        with pytest.raises(ValidationError, match="already been decided"):
            placement_request_decide(
                actor_id=team.coordinator.user.pk, request=request, approve=True
            )
        stored = PlacementRequest.objects.get(pk=request.pk)
        assert (stored.decision, stored.reason) == (Decision.REFUSED, "No beds")
    assert audit_actions("placement_request.refused") == 1
    assert audit_actions("placement_request.approved") == 0


def test_it_refuses_a_decision_dated_before_the_request(team: Team) -> None:
    request = _request(team, days_ago=1)
    with (
        pytest.raises(ValidationError, match="before the request"),
        keyring_activated(team.coordinator.keyring),
    ):
        placement_request_decide(
            actor_id=team.coordinator.user.pk,
            request=request,
            approve=True,
            at=request.requested_at - timedelta(minutes=1),
        )
    assert PlacementRequest.objects.get(pk=request.pk).decided_at is None


def test_it_refuses_a_second_pending_request_for_the_same_shelter(team: Team) -> None:
    request = _request(team)
    with (
        pytest.raises(ValidationError, match="already waiting"),
        keyring_activated(team.worker.keyring),
    ):
        placement_request_create(
            actor_id=team.worker.user.pk, case=request.case, shelter=team.shelter
        )
    assert PlacementRequest.objects.count() == 1


@pytest.mark.parametrize(("days_ago", "late"), [(2.9, False), (3.1, True)])
def test_it_flags_a_request_waiting_more_than_three_days(
    team: Team, days_ago: float, late: bool
) -> None:
    request = _request(team, days_ago=days_ago)
    assert request.waited_too_long(timezone.now()) is late


def test_it_shows_waiting_requests_on_the_board_and_decides_there(team: Team) -> None:
    # Given a request that has waited four days and one of today
    old = _request(team, days_ago=4, name="Oldrequest Person")
    new = _request(team, name="Newrequest Person")
    client = login(Client(), team.coordinator)
    page = client.get(f"/shelters/{team.shelter.pk}/").content.decode()
    # Then the board shows both, with the older flagged, and their accounts
    assert "Oldrequest Person" in page and "Newrequest Person" in page
    assert page.count('class="late"') == 1
    assert "Beaten by his brothers" in page
    # When the board refuses one without a reason, nothing changes
    url = f"/shelters/requests/{old.pk}/decide/"
    response = client.post(url, {"decide-decision": "refuse", "decide-reason": ""}, follow=True)
    assert 'class="error-summary"' in response.content.decode()
    assert PlacementRequest.objects.get(pk=old.pk).decision == Decision.PENDING
    # And approving through the form records the decision
    client.post(f"/shelters/requests/{new.pk}/decide/", {"decide-decision": "approve"})
    assert PlacementRequest.objects.get(pk=new.pk).decision == Decision.APPROVED


def test_it_lets_only_the_board_of_the_shelter_decide(team: Team) -> None:
    request = _request(team)
    # A coordinator outside the shelter's compartment is not told the request exists
    outsider = login(Client(), team.outsider)
    url = f"/shelters/requests/{request.pk}/decide/"
    assert outsider.post(url, {"decide-decision": "approve"}).status_code == 404
    # A caseworker of the shelter may request places, not decide them
    worker = login(Client(), team.worker)
    assert worker.post(url, {"decide-decision": "approve"}).status_code == 403
    assert PlacementRequest.objects.get(pk=request.pk).decision == Decision.PENDING
