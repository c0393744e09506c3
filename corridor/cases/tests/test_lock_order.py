"""Writers on the same cases at once, each on its own connection: no deadlock, one chain.

On PostgreSQL a foreign key is checked at commit (Django makes them DEFERRABLE INITIALLY
DEFERRED), with a FOR KEY SHARE lock on the referenced row, after the writer already holds
the audit chain head. A move that locked its case FOR UPDATE and then waited for the head
deadlocked with an expense that held the head and needed that key-share lock (issue 10,
item 4). Decision 0018 sets one lock order: rows first, the audit head last, and rows locked
FOR NO KEY UPDATE so the commit-time key checks never wait on them. SQLite takes its write
lock at BEGIN (IMMEDIATE) and cannot deadlock, so these tests need PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from corridor.audit.checkpoints import chain_verify
from corridor.cases.actions import case_move_to_stage, expense_add
from corridor.cases.models import Case, Expense
from corridor.cases.pipeline import TransitionRefused
from corridor.cases.tests.conftest import Desk
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="deadlocks need row locks and deferred foreign keys: PostgreSQL only "
    "(SQLite serialises every write transaction at BEGIN IMMEDIATE)",
)

WRITERS = 6
SECONDS = 4.0


def writers_run(
    desk: Desk, step: Callable[[random.Random], None], *, writers: int = WRITERS
) -> tuple[int, list[str]]:
    """Run `step` in `writers` threads for SECONDS; returns (steps done, errors by class)."""
    stop = time.monotonic() + SECONDS
    barrier = threading.Barrier(writers)
    done: list[int] = []
    errors: list[str] = []

    def run(seed: int) -> None:
        rng, count = random.Random(seed), 0
        try:
            with keyring_activated(desk.coordinator.keyring), translation.override("en"):
                barrier.wait(timeout=30)
                while time.monotonic() < stop:
                    try:
                        step(rng)
                        count += 1
                    except TransitionRefused:
                        count += 1  # another writer moved the case first: a refusal, no error
                    except Exception as exc:  # noqa: BLE001 - counted and reported below
                        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        finally:
            done.append(count)
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    return sum(done), errors


def move_or_expense(desk: Desk, cases: list[Case]) -> Callable[[random.Random], None]:
    """One write on a random case: half the time a move between vetting and accepted, half
    the time an expense."""

    def step(rng: random.Random) -> None:
        case = Case.objects.get(pk=rng.choice(cases).pk)
        if rng.random() < 0.5:
            accept = case.stage == "vetting"
            case_move_to_stage(
                actor_id=desk.coordinator.user.pk,
                case=case,
                to_stage="accepted" if accept else "vetting",
                reason="" if accept else "New doubts",
            )
        else:
            expense_add(
                actor_id=desk.coordinator.user.pk,
                case=case,
                category="food",
                amount="12.50",
                currency="EUR",
                spent_on=timezone.localdate(),
            )

    return step


def cases_at_vetting(desk: Desk, count: int) -> list[Case]:
    cases = [desk.case(f"Lock Order {n}") for n in range(count)]
    for case in cases:
        with keyring_activated(desk.coordinator.keyring):
            case_move_to_stage(
                actor_id=desk.coordinator.user.pk,
                case=case,
                to_stage="vetting",
                at=timezone.now() - timedelta(days=1),
            )
    return cases


@pytest.mark.django_db(transaction=True)
def test_it_moves_and_adds_expenses_on_the_same_cases_without_deadlock(desk: Desk) -> None:
    # Given three cases, and six writers moving them and adding expenses for a few seconds
    cases = cases_at_vetting(desk, 3)
    # When they all write at once, each on its own connection
    steps, errors = writers_run(desk, move_or_expense(desk, cases))
    # Then no write failed (before decision 0018: "deadlock detected"), and the audit chain
    # is one unbroken line holding every write
    assert errors == [], f"{len(errors)} of {steps + len(errors)} writes failed: {errors[:3]}"
    assert steps > WRITERS, "the writers did not get going"
    assert Expense.objects.filter(case__in=cases).exists()
    assert chain_verify().ok
