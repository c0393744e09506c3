"""The kept counts of cases entering each stage per month (decision 0037) equal what the
transitions say after every path that writes them, survive concurrent moves, and are
repaired by the rebuild."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from conftest import Org
from corridor.cases.actions import case_create, case_move_to_stage
from corridor.cases.models import Case, Stage, StageMonthCount
from corridor.cases.stagecounts import counts_from_transitions, counts_kept, month_of
from corridor.lifecycle.actions import retention_policy_set
from corridor.lifecycle.retention import retention_run
from corridor.vault.keyring import keyring_activated


def _agree() -> None:
    assert counts_kept() == counts_from_transitions()


def test_create_move_back_close_and_purge_keep_the_counts_equal_to_the_transitions(
    org: Org,
) -> None:
    north, south = org.compartment("North"), org.compartment("South")
    start = timezone.now() - timedelta(days=200)
    actor = org.admin.user.pk
    with keyring_activated(org.admin.keyring):
        first = case_create(actor_id=actor, compartment=north, full_name="Один", at=start)
        second = case_create(actor_id=actor, compartment=south, full_name="Два", at=start)
        _agree()
        case_move_to_stage(
            actor_id=actor, case=first, to_stage=Stage.VETTING, at=start + timedelta(hours=1)
        )
        case_move_to_stage(
            actor_id=actor, case=first, to_stage=Stage.ACCEPTED, at=start + timedelta(hours=2)
        )
        case_move_to_stage(  # back into vetting the same month: counted once
            actor_id=actor,
            case=first,
            to_stage=Stage.VETTING,
            reason="new doubts",
            at=start + timedelta(hours=3),
        )
        case_move_to_stage(
            actor_id=actor, case=second, to_stage=Stage.VETTING, at=start + timedelta(hours=4)
        )
        case_move_to_stage(
            actor_id=actor,
            case=first,
            to_stage=Stage.CLOSED,
            reason="done",
            outcome="referred",
            at=start + timedelta(days=40),
        )
    _agree()
    month = month_of(start + timedelta(hours=1))
    assert (
        StageMonthCount.objects.get(compartment=north, stage=Stage.VETTING, month=month).count == 1
    )
    assert (
        StageMonthCount.objects.get(compartment=south, stage=Stage.VETTING, month=month).count == 1
    )
    # A purge destroys the case's keys, not its transitions: the counts stay as they were
    Case.objects.filter(pk=first.pk).update(closed_at=timezone.now() - timedelta(days=400))
    retention_policy_set(
        actor_id=actor, compartment=north, closed_case_months=6, declined_days=None
    )
    assert retention_run() >= 1
    _agree()


def test_a_case_that_reenters_a_stage_months_later_counts_once(org: Org) -> None:
    # Given a case vetted, accepted, then sent back to vetting two months later (a second
    # departure after a failed flight is the same: one person reaching the stage)
    start = timezone.now() - timedelta(days=200)
    actor = org.admin.user.pk
    north = org.compartment("North")
    with keyring_activated(org.admin.keyring):
        case = case_create(actor_id=actor, compartment=north, full_name="Четыре", at=start)
        for stage, days in ((Stage.VETTING, 1), (Stage.ACCEPTED, 2), (Stage.VETTING, 62)):
            case_move_to_stage(
                actor_id=actor,
                case=case,
                to_stage=stage,
                reason="again" if days == 62 else "",
                at=start + timedelta(days=days),
            )
    # Then vetting is counted in the month it was first reached, and nowhere else
    _agree()
    rows = StageMonthCount.objects.filter(compartment=north, stage=Stage.VETTING)
    assert [(r.month, r.count) for r in rows] == [(month_of(start + timedelta(days=1)), 1)]
    # and the funnel over the whole time counts the case once at vetting
    from corridor.reports.figures import funnel_compute
    from corridor.reports.period import Period

    period = Period(month_of(start), month_of(timezone.now()))
    funnel = funnel_compute(compartment_ids=[north.pk], period=period, desk=False)
    assert dict((stage, n) for _key, stage, n in funnel.steps)[Stage.VETTING] == 1


def test_the_rebuild_repairs_a_drifted_table(org: Org) -> None:
    actor = org.admin.user.pk
    with keyring_activated(org.admin.keyring):
        case = case_create(actor_id=actor, compartment=org.compartment("North"), full_name="Три")
        case_move_to_stage(actor_id=actor, case=case, to_stage=Stage.VETTING)
    right = counts_kept()
    StageMonthCount.objects.filter(stage=Stage.VETTING).update(count=7)
    StageMonthCount.objects.filter(stage=Stage.REQUEST).delete()
    StageMonthCount.objects.create(
        compartment=org.compartment("South"), stage=Stage.ARRIVED, month=month_of(timezone.now())
    )
    assert counts_kept() != counts_from_transitions()
    call_command("stage_counts_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts_kept() == counts_from_transitions() == right


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_moves_of_different_cases_lose_no_count() -> None:
    from conftest import org_build

    org = org_build()
    actor = org.admin.user.pk
    at = timezone.now() - timedelta(days=3)
    with keyring_activated(org.admin.keyring):
        cases = [
            case_create(
                actor_id=actor, compartment=org.compartment("North"), full_name=f"К {n}", at=at
            )
            for n in range(8)
        ]
    barrier = threading.Barrier(len(cases))
    errors: list[BaseException] = []

    def move(case: Case) -> None:
        try:
            with keyring_activated(org.admin.keyring):
                barrier.wait()
                case_move_to_stage(
                    actor_id=actor, case=case, to_stage=Stage.VETTING, at=at + timedelta(hours=1)
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=(c,)) for c in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert StageMonthCount.objects.get(stage=Stage.VETTING).count == len(cases)
    _agree()
