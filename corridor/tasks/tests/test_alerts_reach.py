"""Alerts reach a person (issue 13, decision 0034): the case's assignee sees its alerts and
takes them; an alert nobody takes is escalated to the coordinator on duty; resolving says
what was done, encrypted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.cases.actions import case_assign
from corridor.tasks.actions import alert_resolve, alert_take, alerts_escalate, duty_set
from corridor.tasks.models import Alert, AlertResolution
from corridor.tasks.worker import work_once
from corridor.vault.keyring import keyring_activated

from .conftest import CASE_NAME, Team, audit_actions, schedule_missed


def _alert(team: Team, *, minutes_ago: int = 0) -> Alert:
    """A missed check-in's alert, raised by the worker `minutes_ago`, on a case assigned to
    the caseworker."""
    case_assign(actor_id=team.coordinator.user.pk, case=team.case, assignee_id=team.worker.user.pk)
    schedule_missed(team)
    work_once(timezone.now())
    alert = Alert.objects.get(case=team.case)
    if minutes_ago:
        Alert.objects.filter(pk=alert.pk).update(
            raised_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        alert.refresh_from_db()
    return alert


def test_it_shows_the_assignee_the_alerts_of_their_cases_and_lets_them_take_one(
    team: Team,
) -> None:
    alert = _alert(team)
    client = login(Client(), team.worker)
    page = client.get("/tasks/").content.decode()
    assert "Alerts on your cases" in page and CASE_NAME in page
    assert f'action="/tasks/alerts/{alert.pk}/take/"' in page
    # When they take it, everyone sees who has it, and it is no longer offered to take
    response = client.post(f"/tasks/alerts/{alert.pk}/take/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    alert.refresh_from_db()
    assert alert.taken_by_id == team.worker.user.pk and audit_actions("alert.take") == 1
    page = client.get("/tasks/").content.decode()
    assert f"taken by {team.worker.user.username}" in page
    assert f'action="/tasks/alerts/{alert.pk}/take/"' not in page
    with pytest.raises(ValidationError, match="already taken"):
        alert_take(actor_id=team.coordinator.user.pk, alert=alert)


def test_it_escalates_an_alert_nobody_took_to_the_coordinator_on_duty_once(team: Team) -> None:
    # Given the coordinator on duty for North, and an alert raised 45 minutes ago
    with keyring_activated(team.coordinator.keyring):
        duty_set(
            actor_id=team.coordinator.user.pk,
            compartment=team.org.compartment("North"),
            user_id=team.coordinator.user.pk,
        )
    alert = _alert(team, minutes_ago=45)
    Alert.objects.filter(pk=alert.pk).update(for_user=None)
    # When the worker runs (escalation after 30 minutes by default)
    counts = work_once(timezone.now())
    # Then it is escalated to the coordinator on duty, audited, and only once
    alert.refresh_from_db()
    assert counts.alerts_escalated == 1
    assert alert.escalated_at is not None and alert.for_user_id == team.coordinator.user.pk
    assert audit_actions("alert.escalate") == 1
    assert alerts_escalate(now=timezone.now()) == 0
    page = login(Client(), team.coordinator).get("/tasks/alerts/").content.decode()
    assert "escalated: nobody took it" in page


def test_it_does_not_escalate_an_alert_someone_took_or_one_still_young(team: Team) -> None:
    alert = _alert(team, minutes_ago=10)
    assert alerts_escalate(now=timezone.now()) == 0  # ten minutes: not yet
    Alert.objects.filter(pk=alert.pk).update(raised_at=timezone.now() - timedelta(hours=2))
    alert.refresh_from_db()
    alert_take(actor_id=team.worker.user.pk, alert=alert)
    assert alerts_escalate(now=timezone.now()) == 0  # taken: someone is on it
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_it_asks_what_was_done_and_keeps_it_encrypted(team: Team) -> None:
    alert = _alert(team)
    client = login(Client(), team.worker)
    # A resolution without a note is refused, changing nothing
    client.post(f"/tasks/alerts/{alert.pk}/resolve/", {"note": "  "})
    alert.refresh_from_db()
    assert alert.resolved_at is None
    # With one, the alert is resolved and the note is stored only as ciphertext
    note = "Qxnote: дозвонились, он у тёти в Хасавюрте"
    response = client.post(f"/tasks/alerts/{alert.pk}/resolve/", {"note": note})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_by_id == team.worker.user.pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AlertResolution._meta.db_table}")  # noqa: S608
        stored = repr(cursor.fetchall())
    assert "Qxnote" not in stored and "Хасавюрт" not in stored
    # And a coordinator reads it among the recent resolutions
    page = login(Client(), team.coordinator).get("/tasks/alerts/").content.decode()
    assert "Qxnote" in page
    with pytest.raises(ValidationError, match="already resolved"):
        alert_resolve(actor_id=team.coordinator.user.pk, alert=alert, note="again")
