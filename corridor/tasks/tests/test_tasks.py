"""Tasks: owners from the case's compartment, due dates, done once, overdue by the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from corridor.cases.models import Case
from corridor.tasks.actions import task_create, task_done
from corridor.tasks.models import Task
from corridor.tasks.tests.conftest import Team, audit_actions
from corridor.tasks.worker import work_once
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _task(
    team: Team, *, due_in_days: int = 3, owner: int | None = None, title: str = "Buy SIM"
) -> Task:
    with keyring_activated(team.worker.keyring):
        return task_create(
            actor_id=team.worker.user.pk,
            case=team.case,
            title=title,
            owner_id=owner or team.worker.user.pk,
            due_on=team.now.date() + timedelta(days=due_in_days),
            at=team.now,
        )


def test_it_creates_a_task_in_the_case_compartment_with_its_audit_entry(team: Team) -> None:
    task = _task(team, title="Tasktitle-Marker-991")
    assert task.compartment_id == team.case.compartment_id
    assert audit_actions("task.create") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT title_sealed FROM tasks_task")
        assert b"Tasktitle-Marker-991" not in bytes(cursor.fetchone()[0])
    with keyring_activated(team.coordinator.keyring):
        assert Task.objects.get(pk=task.pk).title == "Tasktitle-Marker-991"


def test_it_refuses_an_owner_who_is_not_a_member_and_changes_nothing(team: Team) -> None:
    # Given a coordinator of South, who holds no key of the North case
    # When a task of the North case is given to them
    with pytest.raises(ValidationError, match="member of the case's compartment"):
        _task(team, owner=team.outsider.user.pk)
    # Then nothing was written, not even an audit entry
    assert not Task.objects.exists()
    assert audit_actions("task.create") == 0


@pytest.mark.parametrize(
    ("title", "due_in_days", "message"),
    [("   ", 3, "needs a title"), ("Call", -1, "before the task is created")],
)
def test_it_refuses_bad_input(team: Team, title: str, due_in_days: int, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _task(team, title=title, due_in_days=due_in_days)
    assert not Task.objects.exists()


def test_it_records_done_once(team: Team) -> None:
    task = _task(team)
    task_done(actor_id=team.worker.user.pk, task=task, at=team.now + timedelta(hours=1))
    with pytest.raises(ValidationError, match="already done"):
        task_done(actor_id=team.worker.user.pk, task=Task.objects.get(pk=task.pk))
    assert Task.objects.get(pk=task.pk).done_at == team.now + timedelta(hours=1)
    assert audit_actions("task.done") == 1


def test_it_marks_a_task_overdue_the_day_after_its_due_date_once(team: Team) -> None:
    task = _task(team, due_in_days=2)
    # On the due date it is not overdue yet
    assert work_once(team.now + timedelta(days=2)).tasks_overdue == 0
    assert not Task.objects.get(pk=task.pk).overdue
    # The day after it is, once, with one audit entry by the system (no actor)
    assert work_once(team.now + timedelta(days=3)).tasks_overdue == 1
    assert work_once(team.now + timedelta(days=4)).tasks_overdue == 0
    assert Task.objects.get(pk=task.pk).overdue
    assert audit_actions("task.overdue") == 1


def test_it_does_not_mark_a_done_task_overdue(team: Team) -> None:
    task = _task(team, due_in_days=1)
    task_done(actor_id=team.worker.user.pk, task=task, at=team.now)
    assert work_once(team.now + timedelta(days=5)).tasks_overdue == 0
    assert not Task.objects.get(pk=task.pk).overdue


def test_it_lets_the_case_list_filter_open_overdue_tasks(team: Team) -> None:
    _task(team, due_in_days=1)
    done = _task(team, due_in_days=1)
    task_done(actor_id=team.worker.user.pk, task=done, at=team.now)
    work_once(team.now + timedelta(days=3))
    found = Case.objects.filter(tasks__overdue=True, tasks__done_at__isnull=True).distinct()
    assert list(found.values_list("pk", flat=True)) == [team.case.pk]
