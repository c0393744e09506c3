"""The worker's heartbeat on the alerts page and the coordinators' start page.

A worker that stopped raises no alert and cannot say so (issue 10, item 3): the pages say
when it last ran, and warn in plain words once three of its intervals passed without a run.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.tasks.beat import worker_beat_record, worker_status
from corridor.tasks.models import CheckInSchedule
from corridor.tasks.tests.conftest import Team, schedule_missed

pytestmark = pytest.mark.django_db

STALE = "missed check-ins are not being raised"
STALE_RU = "тревоги о пропущенных выходах на связь не поднимаются"


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_when_the_worker_last_ran(team: Team) -> None:
    # Given a worker pass, just now
    call_command("work", "--once", "--interval", "60", stdout=StringIO())
    client = login(Client(), team.coordinator)
    # Then the alerts page and the coordinator's start page say when, and warn of nothing
    for path in ("/tasks/alerts/", "/"):
        page = _page(client, path)
        assert "The worker last ran at " in page and STALE not in page


def test_it_warns_once_three_intervals_passed_without_a_run(team: Team) -> None:
    # Given a worker of a one-minute interval whose last pass ended four minutes ago
    last = (timezone.now() - timedelta(minutes=4)).replace(second=0, microsecond=0)
    worker_beat_record(at=last, interval=60)
    client = login(Client(), team.coordinator)
    # Then both pages warn, naming the time of the last pass
    for path in ("/tasks/alerts/", "/"):
        page = _page(client, path)
        assert f"since {last:%Y-%m-%d %H:%M} (UTC, UTC+00:00): {STALE}." in page


def test_it_names_the_organisations_time_zone_beside_every_time(team: Team, settings: Any) -> None:
    # Given an organisation in Moscow, a worker that last ran five hours ago and a check-in
    # schedule due an hour after that
    settings.TIME_ZONE = "Europe/Moscow"
    moscow = ZoneInfo("Europe/Moscow")
    last = (timezone.now() - timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    worker_beat_record(at=last, interval=60)
    schedule = schedule_missed(team)
    due = last + timedelta(hours=1)
    CheckInSchedule.objects.filter(pk=schedule.pk).update(next_due_at=due)
    client = login(Client(), team.coordinator)
    # Then the times are Moscow's, labelled as such, never called UTC
    label = "(Europe/Moscow, UTC+03:00)"
    alerts = _page(client, "/tasks/alerts/")
    assert f"since {last.astimezone(moscow):%Y-%m-%d %H:%M} {label}" in alerts
    case_page = _page(client, f"/cases/{team.case.pk}/")
    assert f"Next due {due.astimezone(moscow):%Y-%m-%d %H:%M} {label}" in case_page
    assert "UTC." not in case_page and ":00 UTC" not in alerts + case_page


def test_it_does_not_warn_within_three_intervals(team: Team) -> None:
    # Given a worker of a one-minute interval whose last pass ended two minutes ago
    now = timezone.now()
    worker_beat_record(at=now - timedelta(minutes=2), interval=60)
    # Then it is not yet late; a minute and a half later it is
    assert not worker_status(now).stale
    assert worker_status(now + timedelta(seconds=90)).stale


def test_it_warns_when_no_worker_ever_ran(team: Team) -> None:
    client = login(Client(), team.coordinator)
    assert f"The worker has never run: {STALE}." in _page(client, "/tasks/alerts/")


def test_it_warns_in_russian(team: Team) -> None:
    # Given a coordinator who reads Russian, and no worker
    client = Client()
    login(client, team.coordinator, language="ru")
    # Then the warning is in Russian
    assert STALE_RU in _page(client, "/")


def test_it_shows_the_heartbeat_only_to_those_who_act_on_alerts(team: Team) -> None:
    # Given no worker: a caseworker's start page does not carry the coordinators' warning
    # (the alerts themselves go to coordinators), an administrator's does
    assert STALE not in _page(login(Client(), team.worker), "/")
    assert STALE in _page(login(Client(), team.org.admin), "/")
