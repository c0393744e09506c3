"""Papers and their risk flags: stored encrypted where they tell a story, shown prominently."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, RequestFactory

from conftest import Org, Staff, login
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case
from corridor.relocation.actions import document_create, document_update
from corridor.relocation.models import Document
from corridor.relocation.panels import case_panel
from corridor.relocation.tests.conftest import audit_count, case_in_departure

pytestmark = pytest.mark.django_db

HOLDER = "Uncle-Marker-5521 in Argun"


def _passport(worker: Staff, case: Case, **extra: object) -> Document:
    values: dict[str, object] = {
        "kind": "international_passport",
        "status": "held_by_relative",
        "holder_note": HOLDER,
        "expires_on": date(2021, 3, 1),
        "risk_flags": ["wanted_list", "theft_complaint"],
        "risk_note": "Father filed a theft complaint in Grozny",
    }
    values.update(extra)
    return document_create(actor_id=worker.user.pk, case=case, **values)  # type: ignore[arg-type]


def test_it_records_a_document_with_its_risk_flags_and_audits_it(org: Org, worker: Staff) -> None:
    case = case_in_departure(worker, org)
    document = _passport(worker, case)
    stored = Document.objects.get(pk=document.pk)
    # Flags in a fixed order, holder and note opened only through the vault
    assert stored.risk_flags == ["theft_complaint", "wanted_list"]
    assert stored.holder_note == HOLDER
    assert stored.compartment_id == case.compartment_id
    assert AuditEntry.objects.filter(
        action="document.create", object_type="document", object_id=str(document.pk)
    ).exists()


def test_it_stores_the_holder_and_the_risk_story_only_as_ciphertext(
    org: Org, worker: Staff
) -> None:
    # Given a document whose holder note locates a relative
    case = case_in_departure(worker, org)
    _passport(worker, case)
    # When the table is read without the vault
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_note_sealed, risk_note_sealed FROM relocation_document")
        raw = b"".join(bytes(value) for value in cursor.fetchone())
    # Then neither the holder nor the story is there in clear
    assert b"Marker-5521" not in raw and b"theft complaint" not in raw


def test_it_updates_a_document_and_audits_the_change(org: Org, worker: Staff) -> None:
    case = case_in_departure(worker, org)
    document = _passport(worker, case)
    updated = document_update(
        actor_id=worker.user.pk,
        document=document,
        kind="international_passport",
        status="held_by_person",
        holder_note="Back with him",
        expires_on=None,
        risk_flags=[],
        risk_note="",
    )
    stored = Document.objects.get(pk=document.pk)
    assert (stored.status, stored.risk_flags, stored.holder_note) == (
        "held_by_person",
        [],
        "Back with him",
    )
    assert updated.pk == document.pk
    assert AuditEntry.objects.filter(action="document.update", object_id=str(document.pk)).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "driving_licence"},
        {"status": "somewhere"},
        {"risk_flags": ["interpol_notice"]},
        {"risk_flags": ["other"], "risk_note": ""},
        {"holder_note": "x" * 20001},
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(
    org: Org, worker: Staff, bad: dict[str, object]
) -> None:
    case = case_in_departure(worker, org)
    document = _passport(worker, case)
    entries = audit_count()
    # When a new document or an update has a bad value
    with pytest.raises(ValidationError):
        _passport(worker, case, **bad)
    values: dict[str, object] = {
        "kind": document.kind,
        "status": document.status,
        "holder_note": "changed",
        "expires_on": None,
        "risk_flags": [],
        "risk_note": "",
    }
    values.update(bad)
    with pytest.raises(ValidationError):
        document_update(actor_id=worker.user.pk, document=document, **values)  # type: ignore[arg-type]
    # Then nothing was written or logged
    assert Document.objects.count() == 1
    assert Document.objects.get(pk=document.pk).holder_note == HOLDER
    assert audit_count() == entries


def test_it_shows_risk_flags_prominently_on_the_case_panel(
    org: Org, worker: Staff, rf: RequestFactory
) -> None:
    # Given a case whose passport is with a relative who filed a theft complaint
    case = case_in_departure(worker, org)
    document = _passport(worker, case)
    request = rf.get("/")
    request.user = worker.user
    # When the case page renders the relocation panel
    html = case_panel(request, case)
    # Then the risks head the panel, before the list of documents, and the reads are logged
    assert 'class="risk-alert"' in html
    assert html.index("risk-alert") < html.index(HOLDER)
    assert "Father filed a theft complaint in Grozny" in html
    assert AuditEntry.objects.filter(action="document.list", object_id=str(document.pk)).exists()


def test_it_shows_the_risks_on_departure_planning(org: Org, worker: Staff) -> None:
    # Given a case with a wanted-list entry
    case = case_in_departure(worker, org)
    _passport(worker, case, risk_flags=["wanted_list"])
    client = login(Client(), worker)
    # When a caseworker opens the form to plan a journey
    response = client.get(f"/relocation/cases/{case.pk}/travel/new/")
    # Then the warning is on the page
    assert response.status_code == 200
    assert 'class="risk-alert"' in response.content.decode()


def test_it_adds_and_edits_a_document_through_the_screens(org: Org, worker: Staff) -> None:
    case = case_in_departure(worker, org)
    client = login(Client(), worker)
    response = client.post(
        f"/relocation/cases/{case.pk}/documents/new/",
        {"kind": "internal_passport", "status": "held_by_police", "risk_flags": ["wanted_list"]},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    document = Document.objects.get(case=case)
    assert document.status == "held_by_police" and document.risk_flags == ["wanted_list"]
    page = client.get(f"/relocation/cases/{case.pk}/documents/{document.pk}/")
    assert page.status_code == 200
    assert AuditEntry.objects.filter(action="document.read", object_id=str(document.pk)).exists()
    response = client.post(
        f"/relocation/cases/{case.pk}/documents/{document.pk}/",
        {"kind": "internal_passport", "status": "lost", "risk_flags": ["other"]},
    )
    # The "other" flag needs a note: the page says so and the document is unchanged
    assert response.status_code == 200
    assert "Describe the other risk" in response.content.decode()
    assert Document.objects.get(pk=document.pk).status == "held_by_police"
    assert "risk-alert" in client.get(f"/relocation/cases/{case.pk}/travel/new/").content.decode()
