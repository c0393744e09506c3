"""Retention by crypto-shredding (decision 0024): each attack is tried before the purge (it
works: the recovery key opens everything) and after it (it must fail)."""

from __future__ import annotations

import base64
import sqlite3
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import Org, org_build
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create, expense_add
from corridor.cases.models import Case, CaseSearchTerm, Expense, Stage
from corridor.intake import sealing
from corridor.intake.actions import intake_desk_create, submission_create
from corridor.intake.models import IntakeKey, Submission, SubmissionStatus
from corridor.lifecycle.actions import legal_hold_place, legal_hold_release, retention_policy_set
from corridor.lifecycle.models import HeldObject, HoldBasis, Purge, PurgeRule
from corridor.lifecycle.retention import months_before, retention_run, retention_schedule
from corridor.tasks.worker import work_once
from corridor.vault import crypto
from corridor.vault.actions import membership_revoke, recovery_keyring
from corridor.vault.keyring import Keyring, _data_key_aad, field_aad, keyring_activated

NAME = "Retention Testperson Magomedova"


def _case(org: Org, closed_months_ago: int | None = 7, name: str = NAME) -> Case:
    with keyring_activated(org.admin.keyring):
        case = case_create(
            actor_id=org.admin.user.pk,
            compartment=org.compartment("North"),
            full_name=name,
            phone="+7 928 000 1122",
        )
        expense_add(
            actor_id=org.admin.user.pk,
            case=case,
            category="travel_domestic",
            amount="120.00",
            currency="EUR",
            spent_on=date.today(),
            note="bus ticket for the person",
        )
    if closed_months_ago is not None:
        Case.objects.filter(pk=case.pk).update(
            stage=Stage.CLOSED,
            closed_at=months_before(timezone.now(), closed_months_ago),
            risk_level="high",
        )
    return Case.objects.get(pk=case.pk)


def keep_closed_cases(org: Org, months: int) -> None:
    """North keeps its closed cases `months` months; declined ones for ever."""
    retention_policy_set(
        actor_id=org.admin.user.pk,
        compartment=org.compartment("North"),
        closed_case_months=months,
        declined_days=None,
    )


def _attack(recovery: Keyring, case_pk: uuid.UUID) -> str:
    """What someone holding a database copy and the recovery key gets: open the row by hand,
    with every compartment key version the recovery key unseals."""
    row = (
        Case.objects.filter(pk=case_pk)
        .values("compartment_id", "wrapped_data_key", "full_name_sealed", "key_version")
        .get()
    )
    record = Case.objects.only("pk").get(pk=case_pk)
    for version in range(1, row["key_version"] + 1):
        try:
            compartment_key = recovery.compartment_key(row["compartment_id"], version)
        except Exception:  # noqa: BLE001, S112 - older versions' wraps are gone
            continue
        try:
            dek = crypto.aead_decrypt(
                compartment_key,
                bytes(row["wrapped_data_key"] or b""),
                _data_key_aad(record, row["compartment_id"], version),
            )
        except crypto.DecryptionError:
            # No data key: try the compartment key on the field itself, as a last resort
            try:
                return crypto.aead_decrypt(
                    compartment_key,
                    bytes(row["full_name_sealed"] or b""),
                    field_aad(record, "full_name_sealed"),
                ).decode()
            except crypto.DecryptionError:
                continue
        return crypto.aead_decrypt(
            dek, bytes(row["full_name_sealed"] or b""), field_aad(record, "full_name_sealed")
        ).decode()
    raise crypto.DecryptionError("nothing opened the case")


def test_a_purged_case_does_not_open_even_with_the_recovery_key(org: Org) -> None:
    # Given a case closed 7 months ago in a compartment that keeps closed cases 6 months
    case = _case(org)
    keep_closed_cases(org, months=6)
    recovery = recovery_keyring(org.shares[:2])
    assert _attack(recovery, case.pk) == NAME  # before the purge the attack works
    # When the worker's pass runs
    counts = work_once()
    # Then the case is purged: the database copy plus the recovery key open nothing
    assert counts.purged == 1
    with pytest.raises(crypto.DecryptionError):
        _attack(recovery_keyring(org.shares[1:3]), case.pk)
    # ... its own fields read as nothing, even to a member
    with keyring_activated(org.admin.keyring):
        purged = Case.objects.get(pk=case.pk)
        assert purged.full_name is None and purged.phone is None
        assert Expense.objects.get(case=case).note is None
    # ... its search hashes are gone, the operational columns stay for the statistics
    assert not CaseSearchTerm.objects.filter(case=case).exists()
    assert purged.name_index is None and purged.phone_index is None
    assert (purged.stage, purged.risk_level) == (Stage.CLOSED, "high")
    assert Expense.objects.get(case=case).amount == Decimal("120.00")
    left = Case.objects.values_list("full_name_sealed", flat=True).get(pk=case.pk)
    assert left is not None and bytes(left)  # the ciphertext is left, with no key to it
    # ... and the purge is in the audit log and in the purge list
    assert (
        AuditEntry.objects.filter(
            action="retention.purge", object_type="case", object_id=str(case.pk)
        ).count()
        == 1
    )
    assert Purge.objects.get(object_id=case.pk).rule == PurgeRule.CLOSED
    # A second pass purges nothing twice
    assert retention_run() == 0


def test_a_case_not_yet_due_is_kept_and_listed_with_its_date(org: Org) -> None:
    case = _case(org, closed_months_ago=5)
    keep_closed_cases(org, months=6)
    assert retention_run() == 0
    assert _attack(recovery_keyring(org.shares[:2]), case.pk) == NAME
    # the preview 40 days ahead lists it, due six months after it closed
    (due,) = retention_schedule(horizon_days=40)
    assert due.object_id == case.pk
    closed = case.closed_at
    assert closed is not None
    assert timezone.now() < due.due_at <= timezone.now() + timedelta(days=40)
    assert (due.due_at.year * 12 + due.due_at.month) - (closed.year * 12 + closed.month) == 6
    assert due.due_at.day == closed.day or closed.day > 28


def test_no_policy_keeps_everything(org: Org) -> None:
    case = _case(org, closed_months_ago=120)
    assert retention_run() == 0
    assert _attack(recovery_keyring(org.shares[:2]), case.pk) == NAME


def test_a_legal_hold_exempts_a_case_until_released(org: Org) -> None:
    case = _case(org)
    keep_closed_cases(org, months=6)
    hold = legal_hold_place(
        actor_id=org.admin.user.pk,
        object_type=HeldObject.CASE,
        object_id=case.pk,
        basis=HoldBasis.COURT,
    )
    assert retention_run() == 0
    assert _attack(recovery_keyring(org.shares[:2]), case.pk) == NAME
    (due,) = retention_schedule()
    assert due.held
    # Once released, the next run purges it
    legal_hold_release(actor_id=org.admin.user.pk, hold=hold)
    assert retention_run() == 1
    assert (
        AuditEntry.objects.filter(
            action__in=["retention.hold_place", "retention.hold_release"]
        ).count()
        == 2
    )


def test_bad_policy_and_hold_input_is_refused_and_changes_nothing(org: Org) -> None:
    with pytest.raises(ValidationError):
        retention_policy_set(
            actor_id=org.admin.user.pk,
            compartment=org.compartment("North"),
            closed_case_months=0,
            declined_days=None,
        )
    with pytest.raises(ValidationError):
        legal_hold_place(
            actor_id=org.admin.user.pk,
            object_type=HeldObject.CASE,
            object_id=uuid.uuid4(),
            basis=HoldBasis.COURT,
        )
    assert not AuditEntry.objects.filter(action__startswith="retention.").exists()


def test_a_re_key_after_a_purge_skips_the_purged_record(org: Org) -> None:
    case = _case(org)
    other = _case(org, closed_months_ago=None, name="Kept Testperson")
    leaver = org.staff("leaver", Role.CASEWORKER, ("North",))
    keep_closed_cases(org, months=6)
    assert retention_run() == 1
    membership_revoke(
        keyring=org.admin.keyring,
        actor_id=org.admin.user.pk,
        compartment=org.compartment("North"),
        user_id=leaver.user.pk,
    )
    with keyring_activated(org.admin.keyring):
        assert Case.objects.get(pk=other.pk).full_name == "Kept Testperson"
        assert Case.objects.get(pk=case.pk).full_name is None


@pytest.fixture
def desk_request(org: Org) -> tuple[Submission, Keyring]:
    triage = org.staff("desk", Role.TRIAGE, ("Desk",))
    with keyring_activated(triage.keyring):
        intake_desk_create(actor_id=triage.user.pk, compartment=org.compartment("Desk"))
    submission, _codename = submission_create(
        payload={"name": "Declined Testperson", "message": "Помогите мне, пожалуйста"},
        channel="web",
        attachments=[],
    )
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.DECLINED, received_hour=timezone.now() - timedelta(days=40)
    )
    return Submission.objects.get(pk=submission.pk), triage.keyring


def _open_request(recovery: Keyring, submission_pk: uuid.UUID) -> dict[str, object]:
    row = Submission.objects.get(pk=submission_pk)
    key = IntakeKey.objects.only(*IntakeKey.KEY_FIELDS, "private_key").get(pk=row.intake_key_id)
    with keyring_activated(recovery):
        private = base64.b64decode(key.private_key)
    return sealing.payload_unseal(private, bytes(row.sealed))


def test_a_declined_request_is_emptied_past_its_period(
    org: Org, desk_request: tuple[Submission, Keyring]
) -> None:
    submission, _triage = desk_request
    retention_policy_set(
        actor_id=org.admin.user.pk,
        compartment=org.compartment("Desk"),
        closed_case_months=None,
        declined_days=30,
    )
    recovery = recovery_keyring(org.shares[:2])
    assert _open_request(recovery, submission.pk)["name"] == "Declined Testperson"
    assert retention_run() == 1
    with pytest.raises(crypto.DecryptionError):
        _open_request(recovery, submission.pk)
    kept = Submission.objects.get(pk=submission.pk)
    assert (kept.status, kept.channel) == (SubmissionStatus.DECLINED, "web")
    assert (
        AuditEntry.objects.filter(action="retention.purge", object_type="submission").count() == 1
    )


def test_a_request_still_waiting_is_never_purged(
    org: Org, desk_request: tuple[Submission, Keyring]
) -> None:
    submission, _triage = desk_request
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.NEW)
    retention_policy_set(
        actor_id=org.admin.user.pk,
        compartment=org.compartment("Desk"),
        closed_case_months=None,
        declined_days=30,
    )
    assert retention_run() == 0
    assert (
        _open_request(recovery_keyring(org.shares[:2]), submission.pk)["name"]
        == "Declined Testperson"
    )


@pytest.mark.django_db(transaction=True)
def test_the_destroyed_key_bytes_are_not_left_in_the_sqlite_file_or_wal() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("secure_delete is SQLite's; PostgreSQL's dead tuples are vacuumed")
    org = org_build()
    case = _case(org)
    keep_closed_cases(org, months=6)
    stored = Case.objects.values_list("wrapped_data_key", flat=True).get(pk=case.pk)
    assert stored is not None
    wrapped = bytes(stored)
    path = Path(connection.settings_dict["NAME"])

    def on_disk() -> bool:
        return any(
            wrapped in candidate.read_bytes()
            for candidate in (path, path.with_name(path.name + "-wal"))
            if candidate.exists()
        )

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert on_disk()  # the key's bytes are in the file before (the scan finds them)
    assert retention_run() == 1
    connection.close()
    probe = sqlite3.connect(str(path))
    probe.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    probe.close()
    assert not on_disk()


def test_a_case_purge_reaches_its_records_but_not_the_documentation_of_abuses() -> None:
    from corridor.lifecycle.retention import _dependants

    reached = {m._meta.label for m, _f in _dependants(Case)}
    reached |= {m2._meta.label for m, _f in _dependants(Case) for m2, _f2 in _dependants(m)}
    assert {"cases.Expense", "tasks.Task", "tasks.CheckIn", "relocation.Document"} <= reached
    assert not any(label.startswith("documentation.") for label in reached)


def test_the_retention_command_previews_then_purges_with_progress(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from django.core.management import call_command

    case = _case(org)
    keep_closed_cases(org, months=6)
    out = io.StringIO()
    call_command("retention", "--preview", "0", stdout=out)
    assert str(case.pk) in out.getvalue()
    assert not Purge.objects.exists()  # a preview purges nothing
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert "Purged 1 record(s)." in out.getvalue()
    assert "1/1 checked, 1 purged" in capsys.readouterr().err
