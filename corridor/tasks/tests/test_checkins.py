"""Safety check-ins: recording one moves the next due time; a missed one raises one alert,
to the coordinator on duty, seen only by members of the case's compartment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.test import Client

from conftest import login
from corridor.cases.models import Case
from corridor.tasks.actions import (
    alert_resolve,
    checkin_record,
    checkin_schedule_create,
    checkin_schedule_stop,
    duty_set,
)
from corridor.tasks.models import Alert, CheckIn, CheckInSchedule
from corridor.tasks.tests.conftest import CASE_NAME, Team, audit_actions, schedule_missed
from corridor.tasks.worker import (
    missed_checkin_candidates,
    missed_checkin_claim,
    work_once,
)
from corridor.vault.actions import membership_revoke
from corridor.vault.keyring import active_keyring, keyring_activated

pytestmark = pytest.mark.django_db


def _fresh(schedule: CheckInSchedule) -> CheckInSchedule:
    return CheckInSchedule.objects.get(pk=schedule.pk)


def test_it_moves_the_next_due_time_when_a_checkin_is_recorded(team: Team) -> None:
    schedule = schedule_missed(team, hours_ago=10, every=24)
    at = team.now - timedelta(hours=2)
    with keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=at, note="fine")
        assert CheckIn.objects.get(schedule=schedule).note == "fine"
    assert _fresh(schedule).next_due_at == at + timedelta(hours=24)
    assert _fresh(schedule).last_checkin_at == at
    assert audit_actions("checkin.record") == 1


def test_it_raises_an_alert_only_after_the_grace_period(team: Team) -> None:
    # Given a check-in due 24 h after a start 24.5 h ago, with the default hour of grace
    schedule = schedule_missed(team, hours_ago=24, every=24)
    due = _fresh(schedule).next_due_at
    # When the worker runs within the grace period, nothing is raised
    assert work_once(due + timedelta(minutes=59)).alerts_raised == 0
    # Then after it, one alert for that due time
    assert work_once(due + timedelta(minutes=61)).alerts_raised == 1
    alert = Alert.objects.get()
    assert (alert.case_id, alert.schedule_id, alert.due_at) == (team.case.pk, schedule.pk, due)
    assert alert.kind == "missed_checkin" and alert.resolved_at is None
    assert audit_actions("alert.raise") == 1


def test_it_raises_nothing_when_the_checkin_came(team: Team) -> None:
    schedule = schedule_missed(team, hours_ago=30, every=24)
    with keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=team.now)
    assert work_once(team.now + timedelta(hours=2)).alerts_raised == 0
    assert not Alert.objects.exists()


def test_it_never_raises_the_same_alert_twice(team: Team) -> None:
    schedule_missed(team)
    assert work_once(team.now).alerts_raised == 1
    assert work_once(team.now + timedelta(hours=1)).alerts_raised == 0
    assert work_once(team.now + timedelta(days=3)).alerts_raised == 0
    assert Alert.objects.count() == 1


def test_it_lets_one_of_two_interleaved_workers_raise_the_alert(team: Team) -> None:
    # Given two workers that both found the same missed check-in
    schedule_missed(team)
    found_by_a = missed_checkin_candidates(team.now)
    found_by_b = missed_checkin_candidates(team.now)
    assert found_by_a == found_by_b and len(found_by_a) == 1
    # When both claim it, one after the other
    won_by_a = missed_checkin_claim(found_by_a[0], team.now)
    won_by_b = missed_checkin_claim(found_by_b[0], team.now)
    # Then only the first raised an alert; the second's conditional update matched nothing
    assert won_by_a is not None and won_by_b is None
    assert Alert.objects.count() == 1
    assert audit_actions("alert.raise") == 1


def test_it_drops_a_claim_when_a_checkin_lands_between_finding_and_claiming(team: Team) -> None:
    schedule = schedule_missed(team)
    found = missed_checkin_candidates(team.now)
    with keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=team.now)
    assert missed_checkin_claim(found[0], team.now) is None
    assert not Alert.objects.exists() and not _fresh(schedule).missed


def test_it_raises_again_for_the_next_missed_checkin(team: Team) -> None:
    schedule = schedule_missed(team, every=24)
    work_once(team.now)
    with keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=team.now)
    assert work_once(team.now + timedelta(hours=26)).alerts_raised == 1
    assert Alert.objects.count() == 2


def test_it_raises_nothing_for_a_stopped_schedule(team: Team) -> None:
    schedule = schedule_missed(team)
    checkin_schedule_stop(actor_id=team.worker.user.pk, schedule=schedule)
    assert work_once(team.now).alerts_raised == 0
    with pytest.raises(ValidationError, match="stopped"), keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=team.now)
    assert not CheckIn.objects.exists()


def test_it_works_with_no_key_at_all(team: Team) -> None:
    # Given no unlocked keyring (the worker is a background process, T1/T2)
    schedule_missed(team)
    assert active_keyring() is None
    # Then a pass still marks and raises: it never touches an encrypted column
    assert work_once(team.now).alerts_raised == 1


def test_it_addresses_the_alert_to_the_coordinator_on_duty(team: Team) -> None:
    duty_set(
        actor_id=team.coordinator.user.pk,
        compartment=team.org.compartment("North"),
        user_id=team.coordinator.user.pk,
    )
    schedule_missed(team)
    work_once(team.now)
    assert Alert.objects.get().for_user_id == team.coordinator.user.pk
    assert audit_actions("duty.set") == 1


def test_it_addresses_all_coordinators_when_nobody_is_on_duty(team: Team) -> None:
    schedule_missed(team)
    work_once(team.now)
    assert Alert.objects.get().for_user_id is None


def test_it_refuses_duty_for_someone_outside_the_compartment(team: Team) -> None:
    # Given a coordinator of South and a caseworker of North (not a coordinator)
    for user in (team.outsider.user, team.worker.user):
        # When either is put on duty for North, it is refused and nothing changes
        with pytest.raises(ValidationError, match="coordinator who is a member"):
            duty_set(
                actor_id=team.coordinator.user.pk,
                compartment=team.org.compartment("North"),
                user_id=user.pk,
            )
    assert audit_actions("duty.set") == 0


def test_it_does_not_address_a_duty_holder_who_lost_membership(team: Team) -> None:
    # Given a coordinator on duty for North whose membership is then revoked
    north = team.org.compartment("North")
    duty_set(actor_id=team.coordinator.user.pk, compartment=north, user_id=team.coordinator.user.pk)
    membership_revoke(
        keyring=team.org.admin.keyring,
        actor_id=team.org.admin.user.pk,
        compartment=north,
        user_id=team.coordinator.user.pk,
    )
    # When a check-in is missed
    schedule_missed(team)
    work_once(team.now)
    # Then the alert goes to all coordinators who are members, not to the former member
    assert Alert.objects.get().for_user_id is None


def test_it_shows_alerts_only_to_members_of_the_case_compartment(team: Team) -> None:
    # Given a missed check-in in North, raised while the South coordinator was "on duty" in
    # the data (a stale row must not leak it either)
    schedule_missed(team)
    work_once(team.now)
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(for_user=team.outsider.user)
    # When each coordinator opens the alerts page
    member_page = login(Client(), team.coordinator).get("/tasks/alerts/").content.decode()
    outsider = login(Client(), team.outsider)
    outsider_page = outsider.get("/tasks/alerts/").content.decode()
    # Then only the member of North sees it, and the outsider cannot resolve it
    assert CASE_NAME in member_page
    assert CASE_NAME not in outsider_page and "No open alerts" in outsider_page
    assert outsider.post(f"/tasks/alerts/{alert.pk}/resolve/").status_code == 404
    assert Alert.objects.get().resolved_at is None


def test_it_resolves_an_alert_once(team: Team) -> None:
    schedule_missed(team)
    work_once(team.now)
    client = login(Client(), team.coordinator)
    alert = Alert.objects.get()
    response = client.post(f"/tasks/alerts/{alert.pk}/resolve/", {"note": "called, safe"})
    assert response.status_code == 302
    resolved = Alert.objects.get()
    assert resolved.resolved_at is not None and resolved.resolved_by_id == team.coordinator.user.pk
    with pytest.raises(ValidationError, match="already resolved"):
        alert_resolve(actor_id=team.coordinator.user.pk, alert=resolved, note="called, safe")
    assert audit_actions("alert.resolve") == 1
    assert not Case.objects.filter(Q(alerts__resolved_at__isnull=True)).exists()


@pytest.mark.parametrize(
    ("every", "grace", "first_offset", "message"),
    [
        (0, 60, None, "every 1 to"),
        (24 * 15, 60, None, "every 1 to"),
        (24, 24 * 60 + 1, None, "grace period"),
        (24, 60, -1, "before the schedule starts"),
    ],
)
def test_it_refuses_a_bad_schedule(
    team: Team, every: int, grace: int, first_offset: int | None, message: str
) -> None:
    first_due_at = team.now + timedelta(hours=first_offset) if first_offset is not None else None
    with pytest.raises(ValidationError, match=message), keyring_activated(team.worker.keyring):
        checkin_schedule_create(
            actor_id=team.worker.user.pk,
            case=team.case,
            every_hours=every,
            grace_minutes=grace,
            first_due_at=first_due_at,
            at=team.now,
        )
    assert not CheckInSchedule.objects.exists()


def test_it_refuses_a_checkin_in_the_future_or_before_the_last_one(team: Team) -> None:
    schedule = schedule_missed(team, hours_ago=10)
    with keyring_activated(team.worker.keyring):
        checkin_record(actor_id=team.worker.user.pk, schedule=schedule, at=team.now)
        due = _fresh(schedule).next_due_at
        for at, message in [
            (team.now + timedelta(hours=1), "in the future"),
            (team.now - timedelta(hours=1), "before the last one"),
            (team.now - timedelta(hours=11), "before its schedule started"),
        ]:
            with pytest.raises(ValidationError, match=message):
                checkin_record(actor_id=team.worker.user.pk, schedule=_fresh(schedule), at=at)
    assert CheckIn.objects.count() == 1 and _fresh(schedule).next_due_at == due
