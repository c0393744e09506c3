"""E-mail notices with no content, through a real SMTP server (issue 13, decision 0039)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_assign
from corridor.notices.actions import notice_address_set
from corridor.notices.models import NoticeAddress
from corridor.notices.sending import address_open, notices_send
from corridor.tasks.models import Alert, AlertKind
from corridor.tasks.tests.conftest import CASE_NAME, Team, schedule_missed
from corridor.tasks.worker import work_once

from .conftest import NOTICE_FROM, Inbox, free_port, smtp_settings

ADDRESS = "rosehip-7731@mail.example"


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode().strip()


def _missed_checkin_on_the_workers_case(team: Team) -> None:
    case_assign(actor_id=team.coordinator.user.pk, case=team.case, assignee_id=team.worker.user.pk)
    schedule_missed(team)


def test_it_tells_the_assignee_once_with_nothing_but_that_something_waits(
    team: Team, smtp: Inbox
) -> None:
    # Given a caseworker who asked for notices on their account page
    client = login(Client(), team.worker)
    response = client.post("/notices/", {"address": ADDRESS, "language": "en"})
    assert response.status_code == 302 and response["Location"] == "/notices/"
    # When a check-in on their case is missed and the worker runs
    _missed_checkin_on_the_workers_case(team)
    counts = work_once(timezone.now())
    # Then one notice reached the real SMTP server, addressed to them, from the sender
    assert Alert.objects.filter(case=team.case).count() == 1
    assert counts.notices_sent == 1 and len(smtp.received) == 1
    recipients, raw = smtp.received[0]
    message = smtp.messages()[0]
    assert recipients == [ADDRESS] and message["From"] == NOTICE_FROM
    assert message["Subject"] == "Corridor"
    assert _body(message) == "Something needs you in Corridor."
    # and it holds nothing of the case, the person, the team or this server
    text = raw.decode("utf-8", "replace")
    for secret in (
        CASE_NAME,
        "Tasktest",
        team.case.reference,
        team.worker.user.username,
        str(team.case.pk),
        socket.getfqdn(),
        "http",
    ):
        assert secret not in text, secret
    assert "@corridor.example>" in message["Message-ID"]
    # A second pass with nothing new sends nothing
    assert work_once(timezone.now()).notices_sent == 0 and len(smtp.received) == 1


def test_it_sends_again_only_for_something_new_and_not_more_often_than_configured(
    team: Team, smtp: Inbox, settings: Any
) -> None:
    settings.CORRIDOR_NOTICE_MIN_MINUTES = 60
    notice_address_set(user=team.worker.user, address=ADDRESS, language="en")
    _missed_checkin_on_the_workers_case(team)
    now = timezone.now()
    assert work_once(now).notices_sent == 1
    # A second alert on their case soon after: new, but within the hour, so it waits
    Alert.objects.create(case=team.case, kind=AlertKind.MISSED_CHECKIN)
    assert notices_send(now + timedelta(minutes=20)) == 0
    # An hour later it goes out, once
    assert notices_send(now + timedelta(minutes=61)) == 1
    assert notices_send(now + timedelta(minutes=200)) == 0
    assert len(smtp.received) == 2


def test_it_writes_in_the_language_the_person_chose(team: Team, smtp: Inbox) -> None:
    notice_address_set(user=team.worker.user, address=ADDRESS, language="ru")
    _missed_checkin_on_the_workers_case(team)
    work_once(timezone.now())
    body = _body(smtp.messages()[0])
    assert body == "В Corridor вас кое-что ждёт."


def test_a_mail_server_that_is_down_loses_no_notice(team: Team, settings: Any) -> None:
    # Given a configured mail server that is not running
    port = free_port()
    smtp_settings(settings, port)
    notice_address_set(user=team.worker.user, address=ADDRESS, language="en")
    _missed_checkin_on_the_workers_case(team)
    # When the worker runs, the pass completes, nothing is sent and the notice is still due
    counts = work_once(timezone.now())
    notice = NoticeAddress.objects.get(user=team.worker.user)
    assert counts.notices_sent == 0 and counts.alerts_raised == 1
    assert notice.last_sent_at is None and notice.told_about == [] and notice.failures == 1
    # When the server comes up, the next pass delivers it
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert notices_send(timezone.now()) == 1 and len(inbox.received) == 1
    finally:
        controller.stop()
    assert NoticeAddress.objects.get(user=team.worker.user).failures == 0


def test_nobody_is_told_of_what_is_not_theirs(team: Team, smtp: Inbox) -> None:
    # The coordinator of South and an unassigned colleague of North get nothing of it
    notice_address_set(user=team.outsider.user, address="south@mail.example", language="en")
    _missed_checkin_on_the_workers_case(team)
    work_once(timezone.now())
    assert [to for to, _raw in smtp.received] == []


def test_the_address_is_in_no_table_in_clear_and_opens_only_in_its_own_row(
    team: Team, smtp: Inbox
) -> None:
    notice_address_set(user=team.worker.user, address=ADDRESS, language="en")
    notice_address_set(user=team.coordinator.user, address="other@mail.example", language="en")
    marker = ADDRESS.encode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    raw = value if isinstance(value, bytes | memoryview) else str(value).encode()
                    assert marker not in bytes(raw), table
    # A sealed address moved into a colleague's row does not open there
    mine = NoticeAddress.objects.get(user=team.worker.user)
    theirs = NoticeAddress.objects.get(user=team.coordinator.user)
    theirs.address_sealed = mine.address_sealed
    assert address_open(mine) == ADDRESS and address_open(theirs) is None
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"notice.address_set"}


def test_a_bad_address_is_refused_and_changes_nothing(team: Team, smtp: Inbox) -> None:
    client = login(Client(), team.worker)
    response = client.post("/notices/", {"address": "not an address", "language": "en"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not NoticeAddress.objects.exists()
    assert not AuditEntry.objects.filter(action="notice.address_set").exists()


def test_without_a_mail_server_the_page_says_so_and_stores_nothing(team: Team) -> None:
    client = login(Client(), team.worker)
    response = client.post("/notices/", {"address": ADDRESS, "language": "en"})
    assert response.status_code == 200
    assert "has not set up a mail server" in response.content.decode()
    assert not NoticeAddress.objects.exists()


def test_a_test_notice_and_stopping(team: Team, smtp: Inbox) -> None:
    client = login(Client(), team.worker)
    client.post("/notices/", {"address": ADDRESS, "language": "en"})
    page = client.get("/notices/").content.decode()
    assert f'value="{ADDRESS}"' in page
    assert client.post("/notices/test/").status_code == 302
    assert len(smtp.received) == 1 and smtp.received[0][0] == [ADDRESS]
    assert client.post("/notices/stop/").status_code == 302
    assert not NoticeAddress.objects.exists()
    assert AuditEntry.objects.filter(action="notice.address_cleared").count() == 1
    assert AuditEntry.objects.filter(action="notice.test_sent").count() == 1
