"""Two moves of one case at the same moment, each on its own database connection: the case
row lock (SQLite: the write lock) applies one and refuses the other, never both."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, CaseTransition
from corridor.cases.pipeline import TransitionRefused
from corridor.cases.tests.conftest import Desk
from corridor.vault.keyring import keyring_activated


def _move_at_once(desk: Desk, case: Case, moves: list[dict[str, Any]]) -> list[str]:
    barrier = threading.Barrier(len(moves))
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def run(move: dict[str, Any]) -> None:
        try:
            with keyring_activated(desk.coordinator.keyring), translation.override("en"):
                barrier.wait(timeout=30)
                case_move_to_stage(
                    actor_id=desk.coordinator.user.pk,
                    case=Case.objects.get(pk=case.pk),
                    expected_stage="request",
                    **move,
                )
            outcomes.append(f"moved to {move['to_stage']}")
        except TransitionRefused as exc:
            outcomes.append(str(exc.code))
        except BaseException as exc:  # noqa: BLE001 - reported by the tests below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(move,)) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_it_applies_one_of_two_identical_moves_made_at_once(desk: Desk) -> None:
    # Given a new case, and the same move submitted twice at the same moment
    case = desk.case()
    outcomes = _move_at_once(desk, case, [{"to_stage": "vetting"}] * 2)
    # Then one is applied and the other refused: one transition, seq 2
    assert sorted(outcomes) == ["moved to vetting", "stale"]
    assert list(
        CaseTransition.objects.filter(case=case).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_it_never_applies_a_second_move_on_top_of_a_concurrent_one(desk: Desk) -> None:
    # Given a new case that one coordinator vets while another closes it, at the same moment
    case = desk.case()
    closing = {"to_stage": "closed", "reason": "Junk", "outcome": "declined"}
    outcomes = _move_at_once(desk, case, [{"to_stage": "vetting"}, closing])
    # Then exactly one of the moves from "request" was made, and the case is where it put it
    assert outcomes.count("stale") == 1
    made = CaseTransition.objects.filter(case=case, seq=2).get()
    assert made.from_stage == "request"
    assert CaseTransition.objects.filter(case=case).count() == 2
    assert Case.objects.get(pk=case.pk).stage == made.to_stage
