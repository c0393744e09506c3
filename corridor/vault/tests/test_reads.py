"""The read check: a request that opens a record it does not audit fails (T3, decision 0017).

The whole suite runs with `CORRIDOR_READ_AUDIT_STRICT` (conftest.py), so every view test is
also a test of its audit entries; these tests prove the check itself can fail.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.audit.log import audit_record
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.tasks.actions import task_create
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import VaultRecord
from corridor.vault.reads import (
    ReadLedger,
    UnauditedRead,
    reads_check,
    reads_covered_by,
    reads_ledger,
)

pytestmark = pytest.mark.django_db

NAME = "Zelimkhan Readcheck"


def _case(org: Org, worker: Staff, name: str = NAME) -> Case:
    with keyring_activated(worker.keyring):
        return case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=name
        )


def _audit(worker: Staff, object_type: str, object_id: object) -> None:
    with transaction.atomic():
        audit_record(
            actor_id=worker.user.pk,
            action="case.read",
            object_type=object_type,
            object_id=str(object_id),
        )


def _opened(
    worker: Staff, *records: VaultRecord, audit: tuple[str, object] | None = None
) -> ReadLedger:
    """Open each record's sensitive fields in one ledger, audit `audit` if given."""
    with reads_ledger() as ledger, keyring_activated(worker.keyring):
        for record in records:
            fresh = type(record)._default_manager.get(pk=record.pk)
            _ = fresh.full_name if isinstance(fresh, Case) else fresh.title  # type: ignore[attr-defined]
        if audit is not None:
            _audit(worker, *audit)
    return ledger


@pytest.mark.urls("corridor.vault.tests.reads_urls")
def test_it_fails_a_request_that_opens_a_record_it_does_not_audit(
    org: Org, unaudited_reads: list[UnauditedRead]
) -> None:
    # Given a caseworker logged in, and a case of their compartment
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    client = login(Client(), worker)
    # When a view opens the case's name and writes no audit entry
    with pytest.raises(UnauditedRead) as raised:
        client.get(f"/test-reads/{case.pk}/no/")
    # Then the request fails, naming the record and the entry that would have covered it
    assert f"cases.Case {case.pk}" in str(raised.value) and NAME not in str(raised.value)
    assert len(unaudited_reads) == 1
    unaudited_reads.clear()  # seen: the suite-wide fixture must not fail this test
    # And the same view that audits its read passes
    response = client.get(f"/test-reads/{case.pk}/yes/")
    assert response.status_code == 200 and response.content == str(len(NAME)).encode()


@pytest.mark.urls("corridor.vault.tests.reads_urls")
def test_it_audits_a_forgotten_read_after_the_request_outside_strict_mode(
    org: Org, settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    # Given production settings (not strict) and a view that forgets its audit entry
    settings.CORRIDOR_READ_AUDIT_STRICT = False  # type: ignore[attr-defined]
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    client = login(Client(), worker)
    # When the worker's request opens the case
    with caplog.at_level(logging.WARNING, logger="corridor.vault.reads"):
        assert client.get(f"/test-reads/{case.pk}/no/").status_code == 200
    # Then the read is in the chain anyway, as the worker's, with the action naming the gap
    entry = AuditEntry.objects.get(action="vault.read_unaudited")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        worker.user.pk,
        "case",
        str(case.pk),
    )
    # And a warning names the model, never the value
    assert "cases.Case" in caplog.text and NAME not in caplog.text


def test_it_covers_a_record_by_the_entry_of_the_case_it_belongs_to(org: Org) -> None:
    # Given a task of case A, and a case B
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case_a, case_b = _case(org, worker), _case(org, worker, "Other Person")
    with keyring_activated(worker.keyring):
        task = task_create(
            actor_id=worker.user.pk,
            case=case_a,
            title="Call the lawyer",
            owner_id=worker.user.pk,
            due_on=timezone.localdate() + timedelta(days=7),
        )
    # When the task is opened under an entry for case A, it is covered (Task.AUDIT_AS)
    reads_check(_opened(worker, task, audit=("case", case_a.pk)), actor_id=worker.user.pk)
    # And under its own entry
    reads_check(_opened(worker, task, audit=("task", task.pk)), actor_id=worker.user.pk)
    # But an entry for case B, or none, covers nothing
    for audit in (("case", case_b.pk), None):
        with pytest.raises(UnauditedRead, match=f"tasks.Task {task.pk}"):
            reads_check(_opened(worker, task, audit=audit), actor_id=worker.user.pk)
    # And a case is not covered by an entry on one of its tasks
    with pytest.raises(UnauditedRead, match=f"cases.Case {case_a.pk}"):
        reads_check(_opened(worker, case_a, audit=("task", task.pk)), actor_id=worker.user.pk)


def test_it_covers_what_an_action_opens_to_recompute_only_by_that_actions_own_entry(
    org: Org,
) -> None:
    # Given a case, opened inside a block covered by an entry on its compartment
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    compartment_id = org.compartment("North").pk
    for audited in (False, True):
        with reads_ledger() as ledger, keyring_activated(worker.keyring):
            with reads_covered_by("compartment", compartment_id):
                _ = Case.objects.get(pk=case.pk).full_name
            if audited:
                _audit(worker, "compartment", compartment_id)
        # Then it passes only if that entry was written in the same request
        if audited:
            reads_check(ledger, actor_id=worker.user.pk)
        else:
            with pytest.raises(UnauditedRead):
                reads_check(ledger, actor_id=worker.user.pk)
    # And a read after the block is not covered by it
    with reads_ledger() as ledger, keyring_activated(worker.keyring):
        with reads_covered_by("compartment", compartment_id):
            _audit(worker, "compartment", compartment_id)
        _ = Case.objects.get(pk=case.pk).full_name
    with pytest.raises(UnauditedRead):
        reads_check(ledger, actor_id=worker.user.pk)


def test_it_notes_nothing_outside_a_request(org: Org) -> None:
    # Given no ledger (a management command, the worker): opening a record is not checked
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    with keyring_activated(worker.keyring):
        assert Case.objects.get(pk=case.pk).full_name == NAME
    # And a ledger notes the same read
    assert set(_opened(worker, case).opened) == {("cases.Case", str(case.pk))}


def test_it_makes_every_vault_record_say_how_its_reads_are_audited() -> None:
    # Every model with sensitive fields declares AUDIT_AS on its own class (no inherited
    # default), naming attributes that exist; only key material declares none.
    records = [m for m in apps.get_models() if issubclass(m, VaultRecord)]
    assert len(records) >= 16
    for model in records:
        assert "AUDIT_AS" in model.__dict__, f"{model._meta.label} declares no AUDIT_AS"
        names = {"pk"} | {f.attname for f in model._meta.concrete_fields}
        for object_type, attribute in model.AUDIT_AS:
            assert object_type and attribute in names, (model._meta.label, attribute)
    assert [m._meta.label for m in records if not m.AUDIT_AS] == ["intake.IntakeKey"]
