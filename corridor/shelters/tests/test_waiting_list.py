"""The board knows when a shelter is full and who waits (issue 13, decision 0033): approving
into a full shelter warns with the next free bed, approvals lapse or are withdrawn, and the
board shows the next free bed and the waiting list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.shelters.actions import (
    placement_approvals_lapse,
    placement_request_create,
    placement_request_decide,
    placement_request_withdraw,
    shelter_next_free_bed,
)
from corridor.shelters.models import Decision, PlacementRequest
from corridor.tasks.worker import work_once
from corridor.vault.keyring import keyring_activated

from .conftest import Team, audit_actions


def _full(team: Team) -> None:
    """Three people placed in the three beds, leaving in 5, 9 and 20 days."""
    for n, days in enumerate((5, 9, 20)):
        team.place(team.case(f"Placed {n}"), team.day(-1), team.day(days))


def _asked(team: Team, name: str = "Waiting Person") -> PlacementRequest:
    with keyring_activated(team.worker.keyring):
        return placement_request_create(
            actor_id=team.worker.user.pk, case=team.case(name), shelter=team.shelter
        )


def test_it_warns_the_board_with_the_next_free_bed_when_approving_into_a_full_shelter(
    team: Team,
) -> None:
    _full(team)
    request = _asked(team)
    # When the board approves a request while every bed is taken
    with keyring_activated(team.coordinator.keyring), pytest.raises(ValidationError) as full:
        placement_request_decide(actor_id=team.coordinator.user.pk, request=request, approve=True)
    # Then it is refused with the next free bed's date, and nothing changed
    assert full.value.code == "full"
    assert str(team.day(5).day) in full.value.messages[0]
    request.refresh_from_db()
    assert request.decision == Decision.PENDING
    # Unless the board approves knowingly: the person waits for that bed
    with keyring_activated(team.coordinator.keyring):
        placement_request_decide(
            actor_id=team.coordinator.user.pk, request=request, approve=True, full_confirmed=True
        )
    request.refresh_from_db()
    assert request.decision == Decision.APPROVED


def test_it_counts_approvals_waiting_as_claims_on_beds(team: Team) -> None:
    # Given two beds taken and one approval waiting for the third
    for n in range(2):
        team.place(team.case(f"Placed {n}"), team.day(-1), team.day(10))
    team.approved(team.case("First approved"))
    request = _asked(team, "Second")
    # Then a further approval warns: the free bed is promised already
    with keyring_activated(team.coordinator.keyring), pytest.raises(ValidationError, match="full"):
        placement_request_decide(actor_id=team.coordinator.user.pk, request=request, approve=True)
    # And the next free bed for the one after the waiting approval is when a stay ends
    assert shelter_next_free_bed(team.shelter, team.today, claimed=1) == team.day(10)
    assert shelter_next_free_bed(team.shelter, team.today, claimed=0) == team.today


def test_it_lapses_an_approval_nobody_placed_within_the_lapse_days(team: Team) -> None:
    old = team.approved(team.case("Approved long ago"))
    recent = team.approved(team.case("Approved lately"))
    PlacementRequest.objects.filter(pk=old.pk).update(
        decided_at=timezone.now() - timedelta(days=15)
    )
    # When the worker runs its pass
    counts = work_once(timezone.now())
    # Then the old approval lapsed, audited, and the recent one stands
    assert counts.approvals_lapsed == 1
    assert PlacementRequest.objects.get(pk=old.pk).decision == Decision.LAPSED
    assert PlacementRequest.objects.get(pk=recent.pk).decision == Decision.APPROVED
    assert audit_actions("placement_request.lapsed") == 1
    # And running again lapses nothing more
    assert placement_approvals_lapse(now=timezone.now()) == 0


def test_it_withdraws_a_waiting_request_or_approval_with_a_reason(team: Team) -> None:
    approval = team.approved(team.case("Plans changed"))
    pending = _asked(team)
    with keyring_activated(team.coordinator.keyring):
        with pytest.raises(ValidationError, match="why"):
            placement_request_withdraw(
                actor_id=team.coordinator.user.pk, request=pending, reason=" "
            )
        for request in (approval, pending):
            placement_request_withdraw(
                actor_id=team.coordinator.user.pk, request=request, reason="Qxwithdrawn: уехал сам"
            )
        # A placed request cannot be withdrawn: its stay is ended instead
        placed = team.place(team.case("Placed"), team.today).request
        with pytest.raises(ValidationError, match="can be withdrawn"):
            placement_request_withdraw(
                actor_id=team.coordinator.user.pk, request=placed, reason="x"
            )
        assert PlacementRequest.objects.get(pk=approval.pk).reason == "Qxwithdrawn: уехал сам"
    assert {PlacementRequest.objects.get(pk=r.pk).decision for r in (approval, pending)} == {
        Decision.WITHDRAWN
    }
    assert audit_actions("placement_request.withdrawn") == 2


def test_it_shows_the_next_free_bed_and_the_waiting_list_on_the_board(team: Team) -> None:
    _full(team)
    with keyring_activated(team.coordinator.keyring):
        request = _asked(team, "Ждёт Кроватью")
        placement_request_decide(
            actor_id=team.coordinator.user.pk, request=request, approve=True, full_confirmed=True
        )
    _asked(team, "Ещё Один")
    client = login(Client(), team.coordinator)
    page = client.get(f"/shelters/{team.shelter.pk}/").content.decode()
    # The next free bed is after the approved person waiting: the second stay's end
    assert "Next free bed" in page and team.day(9).isoformat() in page
    assert "Ждёт Кроватью" in page and "The waiting list" in page
    assert 'id="full-warning"' in page and 'name="decide-full_confirmed"' in page
    # And the board withdraws the approval from the page
    response = client.post(
        f"/shelters/requests/{request.pk}/withdraw/", {"withdraw-reason": "Уехал к родным"}
    )
    assert response.status_code == 302
    assert PlacementRequest.objects.get(pk=request.pk).decision == Decision.WITHDRAWN


def test_it_refuses_a_board_post_that_approves_into_a_full_shelter_without_the_box(
    team: Team,
) -> None:
    _full(team)
    request = _asked(team)
    client = login(Client(), team.coordinator)
    response = client.post(
        f"/shelters/requests/{request.pk}/decide/", {"decide-decision": "approve"}, follow=True
    )
    assert "The shelter is full" in response.content.decode()
    assert PlacementRequest.objects.get(pk=request.pk).decision == Decision.PENDING
