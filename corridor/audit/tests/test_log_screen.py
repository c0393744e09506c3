"""The audit log screen people can use: filters by person, action, record and day, and
actions named in words (Russian and English)."""

from __future__ import annotations

from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import Org, login
from corridor.audit.log import audit_record


def _entries(org: Org) -> int:
    worker = org.staff("worker", "caseworker")
    with transaction.atomic():
        audit_record(
            actor_id=worker.user.pk, action="case.read", object_type="case", object_id="c1"
        )
        audit_record(
            actor_id=worker.user.pk, action="task.list", object_type="task", object_id="t1"
        )
        audit_record(
            actor_id=org.admin.user.pk, action="case.read", object_type="case", object_id="c2"
        )
    return worker.user.pk


def test_it_filters_by_person_action_record_and_day(org: Org) -> None:
    _entries(org)
    client = login(Client(), org.admin)
    page = client.get("/audit/", {"person": "worker", "action": "case."}).content.decode()
    assert "case c1" in page and "task t1" not in page and "case c2" not in page
    assert "Read a case" in page  # the action in words, beside its code
    page = client.get("/audit/", {"record": "c2"}).content.decode()
    assert "case c2" in page and "case c1" not in page
    today = timezone.localdate().isoformat()
    page = client.get(
        "/audit/", {"since": today, "until": today, "person": "worker"}
    ).content.decode()
    assert "case c1" in page and "task t1" in page
    page = client.get("/audit/", {"since": "1999-01-01", "until": "1999-01-02"}).content.decode()
    assert "case c1" not in page


def test_it_says_what_is_wrong_with_a_date_and_keeps_the_filters(org: Org) -> None:
    _entries(org)
    page = login(Client(), org.admin).get("/audit/", {"since": "02.12.2026", "person": "worker"})
    text = page.content.decode()
    assert "Write dates as YYYY-MM-DD." in text and 'value="worker"' in text


def test_it_names_actions_in_russian(org: Org) -> None:
    _entries(org)
    page = login(Client(), org.admin, language="ru").get("/audit/").content.decode()
    assert "Просмотр дела" in page


def test_days_are_the_organisations_and_the_last_year_is_no_crash(org: Org, settings) -> None:
    # A zone whose today is not UTC's today (UTC+14 or UTC-12: one of them, at any hour)
    import zoneinfo

    from django.utils import timezone as tz

    now = tz.now()
    utc_day = now.date()
    zone = next(
        name
        for name in ("Etc/GMT-14", "Etc/GMT+12")
        if now.astimezone(zoneinfo.ZoneInfo(name)).date() != utc_day
    )
    settings.TIME_ZONE = zone
    _entries(org)
    local_day = tz.localtime(tz.now()).date().isoformat()
    client = login(Client(), org.admin)
    mine = client.get("/audit/", {"since": local_day, "until": local_day}).content
    other = client.get("/audit/", {"since": utc_day.isoformat(), "until": utc_day.isoformat()})
    assert b"case c1" in mine and b"case c1" not in other.content
    page = client.get("/audit/", {"until": "9999-12-31"})
    assert page.status_code == 200 and b"Write dates as YYYY-MM-DD." in page.content
