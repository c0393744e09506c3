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

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from corridor.accounts.actions import staff_create
from corridor.accounts.roles import Role
from corridor.audit.checkpoints import chain_verify
from corridor.cases.actions import case_move_to_stage, expense_add
from corridor.cases.models import Case, Expense
from corridor.cases.pipeline import TransitionRefused
from corridor.cases.tests.conftest import Desk
from corridor.relocation.actions import application_create, country_create, country_update
from corridor.relocation.models import Application
from corridor.tasks.actions import checkin_schedule_create
from corridor.tasks.models import Alert, CheckInSchedule
from corridor.tasks.worker import work_once
from corridor.vault.actions import membership_grant
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Membership

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="deadlocks need row locks and deferred foreign keys: PostgreSQL only "
    "(SQLite serialises every write transaction at BEGIN IMMEDIATE)",
)

WRITERS = 6
SECONDS = 3.0


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

    threads = [
        threading.Thread(target=run, args=(seed,), name=f"writer-{seed}") for seed in range(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    print(f"{sum(done)} writes done, {len(errors)} failed")  # seen with pytest -s
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
    assert errors == [], f"{len(errors)} of {steps + len(errors)} writes failed: {Counter(errors)}"
    assert steps > WRITERS, "the writers did not get going"
    assert Expense.objects.filter(case__in=cases).exists()
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_it_raises_missed_checkins_while_cases_move_without_deadlock(desk: Desk) -> None:
    # Given three cases that writers move, schedule check-ins for (already missed) and spend
    # on, while the worker's pass raises the alerts of those missed check-ins
    cases = cases_at_vetting(desk, 3)
    move_or_spend = move_or_expense(desk, cases)
    hours_ago = timezone.now() - timedelta(hours=30)

    def step(rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.25:
            checkin_schedule_create(
                actor_id=desk.coordinator.user.pk,
                case=rng.choice(cases),
                every_hours=24,
                grace_minutes=0,
                at=hours_ago,
            )
        elif roll < 0.4:
            work_once()
        else:
            move_or_spend(rng)

    # When they all write at once
    steps, errors = writers_run(desk, step)
    work_once()
    # Then nothing failed, every missed check-in has its one alert, and the chain is whole
    assert errors == [], f"{len(errors)} of {steps + len(errors)} writes failed: {Counter(errors)}"
    schedules = CheckInSchedule.objects.filter(case__in=cases)
    assert schedules.exists()
    assert Alert.objects.filter(schedule__in=schedules).count() == schedules.count()
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_it_grants_membership_while_cases_are_written_without_deadlock(desk: Desk) -> None:
    # Given an administrator who grants North to one new volunteer after another (each grant
    # locks the compartment, which every record of North refers to), while coordinators add
    # expenses and move cases of North
    cases = cases_at_vetting(desk, 3)
    admin = desk.org.admin
    move_or_spend = move_or_expense(desk, cases)
    granted: list[int] = []
    names = itertools.count()

    def step(rng: random.Random) -> None:
        if threading.current_thread().name != "writer-0":
            move_or_spend(rng)
            return
        user, _key = staff_create(
            username=f"volunteer{next(names)}",
            role=Role.CASEWORKER,
            passphrase="volunteer passphrase for tests",
            actor_id=admin.user.pk,
        )
        with keyring_activated(admin.keyring):
            membership_grant(
                keyring=admin.keyring,
                actor_id=admin.user.pk,
                compartment=desk.north,
                user_id=user.pk,
            )
        granted.append(user.pk)

    # When they all write at once
    steps, errors = writers_run(desk, step)
    # Then nothing failed, every volunteer is a member, and the chain is whole
    assert errors == [], f"{len(errors)} of {steps + len(errors)} writes failed: {Counter(errors)}"
    assert granted
    assert Membership.objects.filter(compartment=desk.north, user_id__in=granted).count() == len(
        granted
    )
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_it_renames_a_country_while_applications_are_recorded_without_deadlock(
    desk: Desk,
) -> None:
    # Given a coordinator who changes a country's code back and forth (a change of a unique
    # column locks the row as strongly as a delete), while others record applications to it
    cases = cases_at_vetting(desk, 3)
    country = country_create(actor_id=None, code="DE", name_en="Germany", name_ru="Германия")
    codes = itertools.cycle(["AT", "DE"])

    def step(rng: random.Random) -> None:
        if threading.current_thread().name == "writer-0":
            country_update(
                actor_id=desk.coordinator.user.pk,
                country=country,
                code=next(codes),
                name_en="Germany",
                name_ru="Германия",
                notes="",
                pathways={},
            )
        else:
            application_create(
                actor_id=desk.coordinator.user.pk,
                case=rng.choice(cases),
                country=country,
                pathway="humanitarian_visa",
            )

    # When they all write at once
    steps, errors = writers_run(desk, step)
    # Then nothing failed and the chain is whole
    assert errors == [], f"{len(errors)} of {steps + len(errors)} writes failed: {Counter(errors)}"
    assert Application.objects.filter(country=country).exists()
    assert chain_verify().ok
