"""The screens: the case panel's forms, "my tasks", the alerts page and duty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.tasks.actions import task_create
from corridor.tasks.models import CheckIn, CheckInSchedule, Duty, Task
from corridor.tasks.tests.conftest import Team, schedule_missed
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _case_page(team: Team) -> str:
    return f"/cases/{team.case.pk}/"


def test_it_adds_a_task_from_the_case_page_and_shows_it_there(team: Team) -> None:
    client = login(Client(), team.worker)
    response = client.post(
        f"/tasks/case/{team.case.pk}/add/",
        {
            "task-title": "Book the train to Moscow",
            "task-owner": team.coordinator.user.pk,
            "task-due_on": (team.now.date() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == _case_page(team)
    task = Task.objects.get()
    assert task.owner_id == team.coordinator.user.pk
    page = client.get(_case_page(team)).content.decode()
    assert "Book the train to Moscow" in page and 'id="tasks"' in page


def test_it_refuses_an_owner_from_another_compartment_through_the_form(team: Team) -> None:
    client = login(Client(), team.worker)
    response = client.post(
        f"/tasks/case/{team.case.pk}/add/",
        {
            "task-title": "Meet at the station",
            "task-owner": team.outsider.user.pk,
            "task-due_on": team.now.date().isoformat(),
        },
        follow=True,
    )
    # Then the case page shows the form again, open, with what was typed and the field named
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page and 'href="#id_task-owner"' in page
    assert "<details open>" in page and 'value="Meet at the station"' in page
    assert 'aria-invalid="true"' in page
    assert not Task.objects.exists()


def test_it_lists_only_my_own_open_tasks(team: Team) -> None:
    with keyring_activated(team.worker.keyring):
        for owner, title in [(team.worker, "Worker's own task"), (team.coordinator, "Not mine")]:
            task_create(
                actor_id=team.worker.user.pk,
                case=team.case,
                title=title,
                owner_id=owner.user.pk,
                due_on=team.now.date(),
            )
    page = login(Client(), team.worker).get("/tasks/").content.decode()
    assert "Worker&#x27;s own task" in page and "Not mine" not in page


def test_it_agrees_a_schedule_and_records_a_checkin_from_the_case_page(team: Team) -> None:
    client = login(Client(), team.worker)
    response = client.post(
        f"/tasks/case/{team.case.pk}/checkins/",
        {
            "schedule-every_hours": "8",
            "schedule-first_in_hours": "2",
            "schedule-grace_minutes": "30",
            "schedule-channel": "Wire, codeword lemon",
        },
    )
    assert response.status_code == 302
    schedule = CheckInSchedule.objects.get()
    assert schedule.every_hours == 8 and schedule.grace_minutes == 30
    assert "Wire, codeword lemon" in client.get(_case_page(team)).content.decode()
    client.post(f"/tasks/checkins/{schedule.pk}/record/", {"checkin-note": "at the flat"})
    assert CheckIn.objects.filter(schedule=schedule).count() == 1
    assert CheckInSchedule.objects.get().next_due_at > schedule.next_due_at
    # The check-in and its note show on the case page, and that read is audited
    assert "at the flat" in client.get(_case_page(team)).content.decode()
    assert AuditEntry.objects.filter(action="checkin.list").exists()


def test_it_shows_a_form_error_and_changes_nothing_for_a_bad_schedule(team: Team) -> None:
    client = login(Client(), team.worker)
    response = client.post(
        f"/tasks/case/{team.case.pk}/checkins/",
        {"schedule-every_hours": "0", "schedule-grace_minutes": "60", "schedule-channel": "x"},
        follow=True,
    )
    # Then the case page shows the form again, open, the field named and what was typed kept
    page = response.content.decode()
    assert response.status_code == 200 and 'href="#id_schedule-every_hours"' in page
    assert "<details open>" in page and 'name="schedule-channel" value="x"' in page
    assert not CheckInSchedule.objects.exists()


def test_it_puts_a_coordinator_on_duty_from_the_alerts_page(team: Team) -> None:
    schedule_missed(team)
    client = login(Client(), team.coordinator)
    north = team.org.compartment("North")
    page = client.get("/tasks/alerts/").content.decode()
    assert "North" in page and "nobody" in page
    response = client.post(f"/tasks/duty/{north.pk}/", {"duty-user": team.coordinator.user.pk})
    assert response.status_code == 302
    assert Duty.objects.get(compartment=north).user_id == team.coordinator.user.pk
    # A compartment the coordinator is not a member of is not even confirmed
    south = team.org.compartment("South")
    assert client.post(f"/tasks/duty/{south.pk}/", {"duty-user": ""}).status_code == 404
