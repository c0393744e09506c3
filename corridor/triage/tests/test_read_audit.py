"""What the desk's pages open is audited in the same request (T3, decision 0017).

The suite-wide read check (conftest.py) fails any request that opens a record it does not
audit; these tests name the entries the desk's pages write for what they open besides the
requests: a watch-list entry's note, a case compared by the linkage engine, and prove that a
sealed request opened without its entry is caught too.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.intake.actions import submissions_open, submissions_open_record
from corridor.triage.actions import watch_entry_add
from corridor.vault.keyring import keyring_activated
from corridor.vault.reads import UnauditedRead, reads_check, reads_ledger

from .conftest import Desk

NOTE = "Number used by the district police in March"


def _entries(action: str, actor_id: int) -> list[tuple[str, str]]:
    found = AuditEntry.objects.filter(action=action, actor_id=actor_id)
    return list(found.values_list("object_type", "object_id"))


def test_it_audits_the_watch_list_note_the_request_page_shows(desk: Desk) -> None:
    # Given a phone on the watch list with a note, and a request that gives that phone
    with keyring_activated(desk.first.keyring):
        entry = watch_entry_add(
            actor_id=desk.first.user.pk, kind="phone", value="+7 900 000-00-07", note=NOTE
        )
    request = desk.submit(name="Друг", contact="8-900-000-00-07")
    client = login(Client(), desk.first)
    # When a desk member looks at the inbox
    inbox = client.get("/triage/")
    # Then the row is marked, but the note is neither shown nor opened there
    assert inbox.status_code == 200 and 'class="watch"' in inbox.content.decode()
    assert NOTE not in inbox.content.decode()
    assert _entries("triage.watch_hit", desk.first.user.pk) == []
    # When they open the request page
    page = client.get(f"/triage/{request.pk}/")
    # Then it shows the note, and the read of the entry is in the audit log, by id only
    assert page.status_code == 200 and NOTE in page.content.decode()
    assert _entries("triage.watch_hit", desk.first.user.pk) == [
        ("triage.WatchEntry", str(entry.pk))
    ]


def test_it_audits_each_case_the_linkage_engine_opens_to_compare(desk: Desk) -> None:
    # Given a case in North (the desk member holds North) and a request from the same person
    with keyring_activated(desk.first.keyring):
        case = case_create(
            actor_id=desk.first.user.pk,
            compartment=desk.org.compartment("North"),
            full_name="Ахмедов Руслан",
            phone="+7 928 555-00-11",
        )
    request = desk.submit(name="Руслан Ахмедов", contact="89285550011")
    # When a desk member opens the request page, which compares it with the case
    page = login(Client(), desk.first).get(f"/triage/{request.pk}/")
    # Then the page links the case, and the case's opening is audited as a comparison
    assert page.status_code == 200 and f"/cases/{case.pk}/" in page.content.decode()
    assert ("case", str(case.pk)) in _entries("triage.case_compare", desk.first.user.pk)


def test_it_catches_a_sealed_request_opened_without_its_entry(desk: Desk) -> None:
    # Given a sealed request
    request = desk.submit(name="Ислам", contact="+7 928 111-00-00")
    keyring = desk.first.keyring
    # When a request opens it and records nothing, the check fails
    with reads_ledger() as ledger:
        submissions_open([request], keyring, audit=False)
    with pytest.raises(UnauditedRead, match=f"intake.Submission {request.pk}"):
        reads_check(ledger, actor_id=desk.first.user.pk)
    # And once its read is recorded in the same request, it passes
    with reads_ledger() as ledger:
        submissions_open([request], keyring, audit=False)
        with transaction.atomic():
            submissions_open_record(actor_id=desk.first.user.pk, submission_ids=[request.pk])
    reads_check(ledger, actor_id=desk.first.user.pk)
