"""The inbox under a flood: a fixed number of queries, one audit pass, bounded indexing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.intake.actions import submission_create
from corridor.intake.models import Submission
from corridor.triage import actions as triage_actions
from corridor.triage import views
from corridor.triage.actions import submissions_index, watch_entry_add
from corridor.triage.identifiers import identifiers_of
from corridor.triage.models import LinkageKey, SubmissionIndexed, SubmissionTerm
from corridor.triage.opening import PayloadOpener
from corridor.vault.keyring import keyring_activated

from .conftest import HOUR, Desk

BURST_TEXT = "Здравствуйте, меня преследуют, нужна срочная помощь с эвакуацией из Грозного"


def _request(desk: Desk, hours_ago: int, **payload: Any) -> Submission:
    """A request recorded by an operator (no hourly limit), received `hours_ago` before HOUR."""
    payload.setdefault("message", f"Помогите мне, пишу из дома номер {hours_ago}")
    thread = payload.pop("thread", None)
    submission, _codename = submission_create(
        payload=payload,
        channel="hotline",
        recorded_by_id=desk.caseworker.user.pk,
        thread=thread,
    )
    hour = HOUR - timedelta(hours=hours_ago)
    Submission.objects.filter(pk=submission.pk).update(received_hour=hour)
    submission.received_hour = hour
    return submission


def _newest_hours(desk: Desk) -> None:
    """The requests the inbox shows first: every kind of flag among them."""
    with keyring_activated(desk.first.keyring):
        case_create(
            actor_id=desk.first.user.pk,
            compartment=desk.org.compartment("North"),
            full_name="Ахмедов Руслан",
            phone="+7 928 555-00-11",
        )
        watch_entry_add(actor_id=desk.first.user.pk, kind="phone", value="+7 900 000-00-07")
    for number in range(3):  # a burst: one handle, near-identical messages, one hour
        _request(desk, 0, name=f"Имя{number} Фамилия", contact="@same_handle", message=BURST_TEXT)
    _request(desk, 1, name="Руслан Ахмедов", contact="89285550011")  # the case
    _request(desk, 1, name="Друг", contact="8-900-000-00-07")  # the watch list
    head = _request(desk, 2, name="Ислам", contact="8 (928) 123-45-67")
    _request(desk, 2, thread=head, message="мой второй номер +7 928 444-33-22")
    _request(desk, 3, name="Mahomed Khasanov", contact="+7 928 111-22-34")
    for number in range(44):
        _request(desk, 4 + number // 2, name=f"Человек{number} Тестов", contact="+7 928 123 45 67")


def _page_queries(client: Client) -> int:
    while True:  # until nothing is left to index: the steady state of a desk that keeps up
        before = SubmissionIndexed.objects.count()
        assert client.get("/triage/").status_code == 200
        if SubmissionIndexed.objects.count() == before:
            break
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/triage/")
    assert response.status_code == 200
    return len(queries)


def test_it_shows_an_inbox_page_in_the_same_queries_whatever_the_size_of_the_desk(
    desk: Desk,
) -> None:
    # Given a desk whose newest page of 50 carries duplicates, a case, a watch-list hit, a
    # burst and a follow-up
    _newest_hours(desk)
    client = login(Client(), desk.first)
    small = _page_queries(client)
    page = client.get("/triage/").content.decode()
    assert page.count("flag-burst") >= 3 and "flag-watch" in page and "flag-duplicate" in page
    # When 150 older requests arrive, with shared phones and names of their own
    for number in range(150):
        _request(desk, 40 + number // 3, name="Магомед Хасанов", contact="+7 928 111-22-33")
    # Then the same page costs the same number of queries, and few
    assert _page_queries(client) == small
    assert small <= 60


def test_it_records_the_reads_of_a_page_in_one_audit_pass(desk: Desk) -> None:
    # Given a burst hour (its requests are opened to compare their messages) and a thread
    _newest_hours(desk)
    client = login(Client(), desk.first)
    client.get("/triage/")
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    # When a desk member opens the inbox
    assert client.get("/triage/").status_code == 200
    # Then every request it opened is recorded once, all in one pass (one time, one run of
    # the chain), together with the list entries, and every request listed was opened
    entries = AuditEntry.objects.filter(seq__gt=last)
    opened = list(entries.filter(action="intake.open").values_list("object_id", "time"))
    assert len(opened) == len({object_id for object_id, _time in opened})
    assert len({time for _object_id, time in opened}) == 1
    listed = set(entries.filter(action="triage.list").values_list("object_id", flat=True))
    assert len(listed) == 50 and listed <= {object_id for object_id, _time in opened}
    # And the case the linkage engine opened to compare is recorded in the same pass; the
    # watch-list hit only marks its row (its note is not opened on the inbox)
    assert set(entries.values_list("action", flat=True)) == {
        "intake.open",
        "triage.list",
        "triage.case_compare",
    }
    compared = entries.filter(action="triage.case_compare")
    assert compared.count() == 1 and compared.get().object_type == "case"


def test_it_indexes_a_bounded_backlog_newest_first(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five requests nobody has opened, and a backlog of three per visit
    monkeypatch.setattr(views, "BACKLOG_LIMIT", 3)
    requests = [_request(desk, hours, name=f"Человек{hours} Тестов") for hours in range(5)]
    client = login(Client(), desk.first)
    # When a desk member looks at a filter that shows none of them
    assert client.get("/triage/?status=decided").status_code == 200
    # Then the three newest are indexed, and the next visit indexes the other two
    indexed = set(SubmissionIndexed.objects.values_list("submission_id", flat=True))
    assert indexed == {s.pk for s in requests[:3]}
    client.get("/triage/?status=decided")
    assert SubmissionIndexed.objects.count() == 5


def test_it_indexes_once_what_a_colleague_indexed_a_moment_ago(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two requests, one of them indexed by a colleague after this member looked
    first = _request(desk, 0, name="Ислам Первый", contact="+7 928 700-00-01")
    second = _request(desk, 0, name="Ислам Второй", contact="+7 928 700-00-02")
    with keyring_activated(desk.first.keyring):
        opener = PayloadOpener()
        items = [(s, identifiers_of(opener.payload(s))) for s in (first, second)]
        submissions_index(actor_id=desk.second.user.pk, items=items[:1])
        monkeypatch.setattr(triage_actions, "_indexed_already", lambda _ids: set())
        # When this member indexes both in one batch
        indexed = submissions_index(actor_id=desk.first.user.pk, items=items)
    # Then only the other one is indexed now, and nothing is stored twice
    assert indexed == [second]
    assert SubmissionTerm.objects.filter(submission=first).count() == 2  # name, phone
    keys = list(LinkageKey.objects.filter(submission=first).values_list("digest", flat=True))
    assert len(keys) == len({bytes(key) for key in keys}) > 0
