"""A person's stay follows their case (issue 13): leaving the shelter ends the stay and frees
the bed; going back needs a bed; placing someone can move the case in the same step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, CaseTransition
from corridor.cases.pipeline import TransitionRefused
from corridor.shelters.actions import placement_create
from corridor.shelters.models import Placement
from corridor.shelters.occupancy import shelter_capacity_left
from corridor.shelters.tests.conftest import Team, audit_actions
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _walk(team: Team, case: Case, *stages: str, reason: str = "") -> None:
    with keyring_activated(team.coordinator.keyring):
        for stage in stages:
            case_move_to_stage(
                actor_id=team.coordinator.user.pk,
                case=case,
                to_stage=stage,
                reason=reason or ("Resettled" if stage == "closed" else ""),
                outcome="resettled" if stage == "closed" else "",
            )


def _sheltered(team: Team) -> tuple[Case, Placement]:
    case = team.case()
    _walk(team, case, "vetting", "accepted", "evacuation")
    placement = team.place(case, team.day(-10))
    _walk(team, case, "sheltered", "documents", "application")
    return case, placement


@pytest.mark.parametrize(
    "stages",
    [("departure",), ("departure", "arrived"), ("closed",)],
    ids=["departure", "arrival", "close"],
)
def test_it_ends_the_stay_and_frees_the_bed_when_the_case_takes_him_out(
    team: Team, stages: tuple[str, ...]
) -> None:
    # Given a man with an open stay in the shelter
    case, placement = _sheltered(team)
    left = shelter_capacity_left(team.shelter, team.today)
    ended = audit_actions("placement.end")
    # When his case moves out of the shelter (he flies, arrives, or the case is closed)
    _walk(team, case, *stages)
    # Then his stay ended that day, by the mover, audited, and his bed is free
    stay = Placement.objects.get(pk=placement.pk)
    assert stay.ends_on == team.today and stay.ended_by_id == team.coordinator.user.pk
    assert audit_actions("placement.end") == ended + 1
    assert shelter_capacity_left(team.shelter, team.today) == left + 1


def test_it_keeps_the_stay_while_papers_are_done_from_the_shelter(team: Team) -> None:
    # Documents and applications are prepared while he still sleeps in the shelter
    case, placement = _sheltered(team)
    assert Case.objects.get(pk=case.pk).stage == "application"
    assert Placement.objects.get(pk=placement.pk).ends_on is None


def test_it_ends_the_stay_when_the_shelter_is_compromised(team: Team) -> None:
    case = team.case()
    _walk(team, case, "vetting", "accepted", "evacuation")
    placement = team.place(case, team.day(-3))
    _walk(team, case, "sheltered")
    _walk(team, case, "evacuation", reason="Neighbours asked about him")
    assert Placement.objects.get(pk=placement.pk).ends_on == team.today


def test_it_cancels_a_stay_planned_to_start_after_the_case_is_closed(team: Team) -> None:
    case = team.case()
    _walk(team, case, "vetting", "accepted")
    placement = team.place(case, team.day(5))
    _walk(team, case, "closed")
    stay = Placement.objects.get(pk=placement.pk)
    assert stay.ends_on == stay.starts_on  # takes no bed on any day
    assert shelter_capacity_left(team.shelter, team.day(5)) == team.shelter.capacity


def test_it_refuses_the_move_back_to_sheltered_without_a_bed(team: Team) -> None:
    # Given a man who left for the airport (his stay ended) and the shelter filled behind him
    case, _placement = _sheltered(team)
    _walk(team, case, "departure")
    for n in range(team.shelter.capacity):
        team.place(team.case(f"Other {n}"), team.today)
    moves = CaseTransition.objects.filter(case=case).count()
    # When his flight fails and someone moves him back to "sheltered"
    with pytest.raises(TransitionRefused) as refused:
        _walk(team, case, "sheltered", reason="Stopped at the border")
    # Then the move is refused, saying he has no bed, and nothing changed
    assert refused.value.code == "no_bed"
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert CaseTransition.objects.filter(case=case).count() == moves
    assert shelter_capacity_left(team.shelter, team.today) == 0


def test_it_moves_him_back_with_the_new_stay_in_the_same_step(team: Team) -> None:
    # Given a man back from a failed flight, his stay ended, a new place approved
    case, old = _sheltered(team)
    _walk(team, case, "departure")
    request = team.approved(case)
    # When he is placed again, asking to move the case too
    with keyring_activated(team.worker.keyring):
        placement = placement_create(
            actor_id=team.worker.user.pk, request=request, starts_on=team.today, move_case=True
        )
    # Then he holds a bed and the case is back at "sheltered", a backward move with a reason
    assert Placement.objects.get(pk=placement.pk).ends_on is None
    last = CaseTransition.objects.filter(case=case).order_by("-seq").first()
    assert last is not None and (last.from_stage, last.to_stage) == ("departure", "sheltered")
    assert last.backward
    with keyring_activated(team.worker.keyring):
        assert last.reason == "Placed in a shelter."
    assert Placement.objects.get(pk=old.pk).ends_on == team.today


def test_it_places_without_moving_when_the_stay_starts_later(team: Team) -> None:
    case = team.case()
    _walk(team, case, "vetting", "accepted", "evacuation")
    request = team.approved(case)
    with keyring_activated(team.worker.keyring), pytest.raises(Exception) as refused:
        placement_create(
            actor_id=team.worker.user.pk, request=request, starts_on=team.day(2), move_case=True
        )
    assert "only once the stay has begun" in str(refused.value)
    assert not Placement.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).stage == "evacuation"


def test_it_offers_the_move_with_the_placement_on_the_case_page(team: Team) -> None:
    # Given an evacuated man with an approved place
    case = team.case()
    _walk(team, case, "vetting", "accepted", "evacuation")
    request = team.approved(case)
    worker = login(Client(), team.worker)
    page = worker.get(f"/cases/{case.pk}/").content.decode()
    assert "Also move the case to “Sheltered”" in page
    # When the caseworker places him with the box ticked
    response = worker.post(
        f"/shelters/requests/{request.pk}/place/",
        {"place-starts_on": team.today.isoformat(), "place-move_case": "on"},
    )
    # Then he has a bed and the case is at "sheltered", in one step
    assert response.status_code == 302
    assert Placement.objects.filter(case=case, ends_on=None).exists()
    assert Case.objects.get(pk=case.pk).stage == "sheltered"
    assert (timezone.now() - Case.objects.get(pk=case.pk).stage_entered_at) < timedelta(minutes=5)


def test_it_does_not_offer_the_move_to_a_case_that_cannot_make_it(team: Team) -> None:
    case = team.case()
    _walk(team, case, "vetting", "accepted", "evacuation", "documents")
    team.approved(case)
    page = login(Client(), team.worker).get(f"/cases/{case.pk}/").content.decode()
    assert "Place" in page and "Also move the case to “Sheltered”" not in page
