"""Moves along the pipeline: allowed, refused, backward with a reason, closed with an outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, CaseTransition, Stage
from corridor.cases.pipeline import DECIDE, MOVE, MOVES, OPEN_STAGES, TransitionRefused, moves_from
from corridor.cases.tests.conftest import Desk
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _move(desk: Desk, case: Case, to_stage: str, days: int, **kwargs: Any) -> CaseTransition:
    with keyring_activated(desk.coordinator.keyring):
        return case_move_to_stage(
            actor_id=desk.coordinator.user.pk,
            case=case,
            to_stage=to_stage,
            at=desk.began + days * DAY,
            **kwargs,
        )


def _walk(desk: Desk, case: Case, *stages: str) -> None:
    for day, stage in enumerate(stages, start=1):
        _move(desk, case, stage, day)


def _state(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.stage_entered_at,
        fresh.outcome,
        fresh.closed_at,
        CaseTransition.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
    )


def test_it_records_the_opening_request_as_the_first_transition(desk: Desk) -> None:
    case = desk.case()
    (first,) = CaseTransition.objects.filter(case=case)
    assert (first.seq, first.from_stage, first.to_stage, first.at) == (1, "", "request", desk.began)
    assert first.actor_id == desk.worker.user.pk
    assert Case.objects.get(pk=case.pk).stage_entered_at == desk.began


def test_it_walks_a_case_from_request_to_arrival(desk: Desk) -> None:
    case = desk.case()
    path = ["vetting", "accepted", "evacuation", "sheltered", "documents", "application"]
    _walk(desk, case, *path, "departure", "arrived")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.stage == "arrived"
    assert fresh.stage_entered_at == desk.began + 8 * DAY
    moves = list(case.transitions.order_by("seq").values_list("from_stage", "to_stage", "seq"))
    assert moves[1:3] == [("request", "vetting", 2), ("vetting", "accepted", 3)]
    assert moves[-1] == ("departure", "arrived", 9)
    assert case.stage == "arrived"  # the caller's instance follows


@pytest.mark.parametrize(
    ("stages", "target"),
    [
        ((), "accepted"),  # vetting cannot be skipped
        ((), "departure"),
        (("vetting",), "sheltered"),  # not accepted yet
        (("vetting", "accepted"), "arrived"),
        (("vetting", "declined"), "accepted"),  # a decline is reconsidered through vetting
        (("vetting",), "vetting"),  # already there
        ((), "emigrated"),  # no such stage
    ],
)
def test_it_refuses_an_impossible_move_and_changes_nothing(
    desk: Desk, stages: tuple[str, ...], target: str
) -> None:
    # Given a case somewhere along the pipeline
    case = desk.case()
    _walk(desk, case, *(stage for stage in stages if stage != "declined"))
    if "declined" in stages:
        _move(desk, case, "declined", 5, reason="Not in danger")
    before = _state(case)
    # When someone tries a move the table does not hold
    with pytest.raises(TransitionRefused) as refused:
        _move(desk, case, target, 10, reason="because")
    # Then it is refused with a message, and nothing changed: stage, history, audit log
    assert refused.value.messages
    assert _state(case) == before


def test_it_moves_backward_only_with_a_reason(desk: Desk) -> None:
    # Given a case at departure
    case = desk.case()
    _walk(desk, case, "vetting", "accepted", "sheltered", "application", "departure")
    before = _state(case)
    # When the visa is refused and the move back to application carries no reason
    with pytest.raises(TransitionRefused) as refused:
        _move(desk, case, "application", 7, reason="   ")
    assert refused.value.code == "no_reason"
    assert _state(case) == before
    # Then with a reason it goes back, marked backward, the reason stored encrypted
    back = _move(desk, case, "application", 7, reason="Visa refused by the embassy")
    assert (back.from_stage, back.to_stage, back.backward) == ("departure", "application", True)
    raw = CaseTransition.objects.values_list("reason_sealed", flat=True).get(pk=back.pk)
    assert raw is not None and b"embassy" not in bytes(raw)
    with keyring_activated(desk.coordinator.keyring):
        assert CaseTransition.objects.get(pk=back.pk).reason == "Visa refused by the embassy"


def test_it_sends_failed_travel_back_to_the_shelter_only_with_a_bed(desk: Desk) -> None:
    # A move back to "sheltered" is in the table, but the shelters app refuses it for a
    # person with no bed that day (corridor/shelters/tests/test_case_moves.py has the rest)
    case = desk.case()
    _walk(desk, case, "vetting", "accepted", "sheltered", "application", "departure")
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        _move(desk, case, "sheltered", 7, reason="Stopped at the border")
    assert refused.value.code == "no_bed"
    assert _state(case) == before


def test_it_needs_a_reason_to_decline(desk: Desk) -> None:
    case = desk.case()
    _walk(desk, case, "vetting")
    with pytest.raises(TransitionRefused):
        _move(desk, case, "declined", 2)
    _move(desk, case, "declined", 2, reason="Could not be verified")
    assert Case.objects.get(pk=case.pk).stage == "declined"


def test_it_closes_only_with_a_reason_and_a_valid_outcome(desk: Desk) -> None:
    case = desk.case()
    _walk(desk, case, "vetting", "accepted")
    before = _state(case)
    for reason, outcome in (("", "resettled"), ("Left", ""), ("Left", "vanished")):
        with pytest.raises(TransitionRefused):
            _move(desk, case, "closed", 3, reason=reason, outcome=outcome)
        assert _state(case) == before
    _move(desk, case, "closed", 3, reason="No answer for two months", outcome="lost_contact")
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.stage, fresh.outcome) == ("closed", "lost_contact")
    assert fresh.closed_at == desk.began + 3 * DAY
    assert case.transitions.order_by("-seq").first().outcome == "lost_contact"  # type: ignore[union-attr]


def test_it_refuses_an_outcome_on_a_move_that_does_not_close(desk: Desk) -> None:
    case = desk.case()
    with pytest.raises(TransitionRefused):
        _move(desk, case, "vetting", 1, outcome="resettled")
    assert Case.objects.get(pk=case.pk).stage == "request"


def test_it_reopens_a_closed_case_through_vetting_and_clears_the_outcome(desk: Desk) -> None:
    case = desk.case()
    _move(desk, case, "closed", 1, reason="Lost", outcome="lost_contact")
    _move(desk, case, "vetting", 40, reason="Called again from a new number")
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.stage, fresh.outcome, fresh.closed_at) == ("vetting", "", None)


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (-1 * DAY, "before_case"),  # before the case began
        (None, "before_last"),  # before the last move
        (365 * DAY, "future"),
    ],
)
def test_it_refuses_a_move_dated_out_of_order(
    desk: Desk, when: timedelta | None, code: str
) -> None:
    case = desk.case()
    _move(desk, case, "vetting", 10)
    before = _state(case)
    at = desk.began + (when if when is not None else 5 * DAY)
    if code == "future":
        at = timezone.now() + DAY
    with pytest.raises(TransitionRefused) as refused, keyring_activated(desk.coordinator.keyring):
        case_move_to_stage(actor_id=desk.coordinator.user.pk, case=case, to_stage="accepted", at=at)
    assert refused.value.code == code
    assert _state(case) == before


def test_it_uses_the_stored_stage_not_a_stale_copy(desk: Desk) -> None:
    # Given two screens holding the same case, one of which moves it on
    case = desk.case()
    stale = Case.objects.get(pk=case.pk)
    _move(desk, case, "vetting", 1)
    # When the stale screen asks for request -> vetting again
    # Then the stored stage decides: the case is already there
    with pytest.raises(TransitionRefused):
        _move(desk, stale, "vetting", 2)
    assert case.transitions.count() == 2


def test_it_refuses_a_move_from_a_stage_the_case_has_left(desk: Desk) -> None:
    # Given a case a caller read at "request", since moved to "vetting"
    case = desk.case()
    _move(desk, case, "vetting", 1)
    before = _state(case)
    # When the caller closes it, expecting it still at "request"
    # Then vetting -> closed is not made in its place, and nothing changes
    with pytest.raises(TransitionRefused) as refused:
        _move(desk, case, "closed", 2, reason="Junk", outcome="declined", expected_stage="request")
    assert refused.value.code == "stale"
    assert _state(case) == before
    # And from the stage it is at, the move is made
    _move(desk, case, "closed", 2, reason="Junk", outcome="declined", expected_stage="vetting")
    assert Case.objects.get(pk=case.pk).stage == "closed"


def test_it_writes_an_audit_entry_per_move_with_codes_only(desk: Desk) -> None:
    case = desk.case()
    _move(desk, case, "vetting", 1)
    _move(desk, case, "accepted", 2)
    entries = list(
        AuditEntry.objects.filter(object_id=str(case.pk))
        .order_by("seq")
        .values_list("action", "actor_id")
    )
    assert entries[-3:] == [
        ("case.create", desk.worker.user.pk),
        ("case.move", desk.coordinator.user.pk),
        ("case.decide", desk.coordinator.user.pk),
    ]


def test_it_is_safe_inside_an_outer_transaction(desk: Desk) -> None:
    from django.db import transaction

    case = desk.case()
    with transaction.atomic():
        _move(desk, case, "vetting", 1)
        with pytest.raises(TransitionRefused):
            _move(desk, case, "arrived", 2)
        _move(desk, case, "accepted", 3)
    assert Case.objects.get(pk=case.pk).stage == "accepted"


# --- the table itself -----------------------------------------------------------------------


def test_it_lets_every_open_stage_close_and_only_the_coordinator_decide() -> None:
    for stage in OPEN_STAGES:
        assert any(m.target == "closed" and m.permission == DECIDE for m in moves_from(stage))
    for move in MOVES:
        if move.target in ("accepted", "declined", "closed") and not move.backward:
            assert move.permission == DECIDE, move
        assert move.permission in (MOVE, DECIDE)


def test_it_reaches_every_stage_from_request() -> None:
    seen, frontier = {"request"}, ["request"]
    while frontier:
        for move in moves_from(frontier.pop()):
            if move.target not in seen:
                seen.add(move.target)
                frontier.append(move.target)
    assert seen == set(Stage.values)


def test_it_holds_the_backward_moves_the_domain_names() -> None:
    backward = {(m.source, m.target) for m in MOVES if m.backward}
    assert {
        ("departure", "application"),  # refused visa
        ("departure", "sheltered"),  # failed travel
        ("application", "documents"),  # documents needed again
    } <= backward
    assert all(m.needs_reason for m in MOVES if m.backward)
