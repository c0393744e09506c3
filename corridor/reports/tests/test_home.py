"""Role home pages: the right figures for each role, only from the viewer's compartments, in
the same number of queries whatever the number of cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import login
from corridor.reports.period import period_parse

from .conftest import Desk


def _start() -> datetime:
    now = timezone.now()
    return (
        now.replace(month=1, day=1, hour=10)
        if now.month > 1 or now.day > 20
        else now - timedelta(days=15)
    )


def test_it_shows_the_coordinator_the_funnel_alerts_and_overdue_tasks(desk: Desk) -> None:
    desk.cases(4, start=_start(), steps=3)
    desk.cases(2, start=_start(), steps=1, prefix="Early")
    page = login(Client(), desk.coordinator).get("/").content.decode()
    assert "The funnel" in page
    # Six requests, six vetted, four accepted, four evacuated
    assert '<th scope="row">Requests</th><td>6</td>' in page
    assert '<th scope="row">Vetted</th><td>6</td>' in page
    assert '<th scope="row">Accepted</th><td>4</td>' in page
    assert '<th scope="row">Evacuated</th><td>4</td>' in page
    assert '<strong id="alerts-open">6</strong>' in page
    assert '<strong id="tasks-overdue">6</strong>' in page


def test_it_counts_nothing_of_a_compartment_the_viewer_is_not_a_member_of(desk: Desk) -> None:
    desk.cases(3, start=_start())
    page = login(Client(), desk.outsider).get("/").content.decode()
    assert '<th scope="row">Requests</th><td>0</td>' in page
    assert '<strong id="alerts-open">0</strong>' in page
    assert 'id="nav-badge"' not in page


def test_it_shows_the_caseworker_their_cases_by_stage_and_the_badge(desk: Desk) -> None:
    desk.cases(3, start=_start(), steps=2)
    page = login(Client(), desk.caseworker).get("/").content.decode()
    assert "The funnel" not in page
    assert "Cases assigned to me, by stage" in page
    assert "3 open, 3 overdue" in page
    # three alerts on their cases and three overdue tasks
    assert '<span class="badge warn" id="nav-badge">6</span>' in page
    assert "3 open alerts, 3 overdue tasks" in page


def test_it_shows_the_coordinator_page_in_russian(desk: Desk) -> None:
    desk.cases(1, start=_start())
    client = login(Client(), desk.coordinator, language="ru")
    page = client.get("/").content.decode()
    assert "Воронка" in page and "Заявки" in page


def test_it_says_what_is_wrong_with_a_period_and_shows_this_year(desk: Desk) -> None:
    client = login(Client(), desk.coordinator)
    page = client.get("/", {"start": "2017-13", "end": "2017-05"}).content.decode()
    assert "Write the months as YYYY-MM" in page
    assert f'value="{timezone.localdate():%Y}-01"' in page
    assert period_parse("2017-06", "2017-01")[1] == "The period ends before it starts."


def _queries(client: Client) -> int:
    client.get("/")  # the session's one-off work
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/", {"start": "2000-01", "end": "2040-12"}).status_code == 200
    return len(queries)


def test_it_builds_each_home_page_in_the_same_queries_whatever_the_data_size(desk: Desk) -> None:
    clients = {who: login(Client(), getattr(desk, who)) for who in ("coordinator", "caseworker")}
    desk.cases(2, start=_start())
    small = {who: _queries(client) for who, client in clients.items()}
    desk.cases(12, start=_start(), steps=5, prefix="More")
    large = {who: _queries(client) for who, client in clients.items()}
    assert large == small


def test_it_shows_times_in_the_organisations_time_zone_with_its_label(
    desk: Desk, settings: object
) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from corridor.figures.actions import release_prepare, release_publish

    # Given an organisation in Moscow (storage stays UTC)
    settings.TIME_ZONE = "Europe/Moscow"  # type: ignore[attr-defined]
    release = release_prepare(
        actor_id=desk.coordinator.user.pk,
        first_month=date(2017, 5, 1),
        last_month=date(2017, 5, 1),
        tables=["requests"],
        epsilon=0.1,
    )
    release_publish(actor_id=desk.coordinator.user.pk, release_id=release.pk)
    page = login(Client(), desk.coordinator).get("/figures/manage/").content.decode()
    # Then the ledger's time is Moscow time, labelled
    entry = release.ledger.at
    shown = timezone.localtime(entry, ZoneInfo("Europe/Moscow"))
    assert f"{shown:%Y-%m-%d %H:%M} Europe/Moscow, UTC+03:00" in page
    assert entry.utcoffset() == timedelta(0)  # stored in UTC
