"""Intake actions: the desk's keys, sealed requests, replies, statuses and their audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Org
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.intake import codename as codenames
from corridor.intake.actions import (
    attachment_open,
    intake_desk_create,
    intake_key_create,
    reply_send,
    submission_create,
    submission_open,
    submission_status_set,
    submissions_open,
    thread_find,
    thread_read,
)
from corridor.intake.models import IntakeKey, Reply, Submission, SubmissionAttachment
from corridor.vault.keyring import NotAMember, keyring_activated

from .conftest import Desk
from .images import jpeg_with_gps

PAYLOAD = {"name": "Тестовый Заявитель", "message": "Нужна помощь", "language": "ru"}


def test_it_opens_the_desk_only_for_a_member_of_its_compartment(org: Org) -> None:
    # Given a coordinator who is not a member of the compartment
    outsider = org.staff("coord", Role.COORDINATOR, ("North",))
    desk_compartment = org.compartment("Desk")
    # When they try to open the desk there
    with keyring_activated(outsider.keyring), pytest.raises(ValidationError):
        intake_desk_create(actor_id=outsider.user.pk, compartment=desk_compartment)
    # Then no key exists
    assert not IntakeKey.objects.exists()


def test_it_creates_the_desk_once_with_its_first_key(desk: Desk) -> None:
    key = IntakeKey.objects.get()
    assert key.active and key.compartment_id == desk.desk.compartment_id
    assert AuditEntry.objects.filter(action="intake.desk_create").exists()
    with keyring_activated(desk.member.keyring), pytest.raises(ValidationError):
        intake_desk_create(actor_id=desk.member.user.pk, compartment=desk.desk.compartment)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.fixed_dictionaries(
        {
            "name": st.text(max_size=200),
            "contact": st.text(max_size=300),
            "message": st.text(min_size=1, max_size=2000),
        }
    )
)
def test_it_opens_a_sealed_request_for_a_desk_member_only(
    desk: Desk, fields: dict[str, str]
) -> None:
    # Given any text the public can type (no NUL, surrogates or U+FFFD: those are refused)
    fields = {
        k: "".join(c for c in v if c not in "\x00\ufffd" and not 0xD800 <= ord(c) <= 0xDFFF)
        for k, v in fields.items()
    }
    fields["message"] = fields["message"].strip() or "x"
    # When it is sent as a request
    submission, codename = submission_create(payload=fields, channel="web")
    # Then a desk member's keyring opens it unchanged (text as stripped), and the read is audited
    opened = submission_open(submission, desk.member.keyring)
    assert {k: opened[k] for k in fields} == {k: v.strip() for k, v in fields.items()}
    assert AuditEntry.objects.filter(
        action="intake.open", object_id=str(submission.pk), actor_id=desk.member.user.pk
    ).exists()
    # And a non-member's keyring does not
    with pytest.raises(NotAMember):
        submission_open(submission, desk.outsider.keyring)
    assert codename is not None and len(codename.split()) == 7


def test_it_opens_many_requests_with_each_key_once_and_records_them_in_one_pass(
    desk: Desk,
) -> None:
    # Given requests sealed to two intake keys (before and after a rotation)
    old = [submission_create(payload=PAYLOAD, channel="web")[0] for _ in range(3)]
    with keyring_activated(desk.member.keyring):
        intake_key_create(actor_id=desk.member.user.pk)
    new = [submission_create(payload=PAYLOAD, channel="web")[0] for _ in range(3)]
    # When a desk member opens them all at once
    with CaptureQueriesContext(connection) as queries:
        opened = submissions_open([*old, *new], desk.member.keyring)
    # Then each opens, the keys are read in one query, and the reads are recorded together
    assert {pk: payload["message"] for pk, payload in opened.items()} == {
        s.pk: PAYLOAD["message"] for s in (*old, *new)
    }
    key_reads = [q for q in queries.captured_queries if "intake_intakekey" in q["sql"]]
    assert len(key_reads) == 1
    entries = AuditEntry.objects.filter(action="intake.open", actor_id=desk.member.user.pk)
    assert set(entries.values_list("object_id", flat=True)) == {str(s.pk) for s in (*old, *new)}
    assert entries.values("time").distinct().count() == 1
    # And a keyring outside the desk opens nothing and leaves no entry
    with pytest.raises(NotAMember):
        submissions_open(new, desk.outsider.keyring)
    assert not AuditEntry.objects.filter(actor_id=desk.outsider.user.pk).exists()


def test_it_keeps_old_keys_to_open_old_requests_after_rotation(desk: Desk) -> None:
    # Given a request sealed to the first key
    old, _ = submission_create(payload=PAYLOAD, channel="web")
    # When the key is rotated
    with keyring_activated(desk.member.keyring):
        new_key = intake_key_create(actor_id=desk.member.user.pk)
    new, _ = submission_create(payload=PAYLOAD, channel="web")
    # Then new requests use the new key and both still open
    assert new.intake_key_id == new_key.pk != old.intake_key_id
    assert IntakeKey.objects.filter(active=True).get() == new_key
    assert submission_open(old, desk.member.keyring)["message"] == PAYLOAD["message"]
    assert submission_open(new, desk.member.keyring)["message"] == PAYLOAD["message"]


def test_it_refuses_a_request_when_the_desk_is_not_open(db: None) -> None:
    with pytest.raises(ValidationError, match="not open"):
        submission_create(payload=PAYLOAD, channel="web")
    assert not Submission.objects.exists()


def test_it_threads_replies_and_follow_ups_in_order(desk: Desk) -> None:
    # Given a web request and its codename
    first, codename = submission_create(payload=PAYLOAD, channel="web")
    assert codename is not None
    # When the desk replies, the requester writes again, and the desk replies again
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=first, text="Первый ответ")
    follow_up, none = submission_create(
        payload={"message": "Ещё", "language": "ru"}, channel="web", thread=first
    )
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=follow_up, text="Второй ответ")
    # Then every item has its place in one thread, and only the codename opens the replies
    assert none is None and follow_up.thread_id == first.pk and follow_up.codename_hash is None
    assert [r.position for r in Reply.objects.order_by("position")] == [1, 3]
    assert follow_up.position == 2
    found = thread_find(codenames.codename_positions(codename))
    assert found is not None and found[0] == first
    view = thread_read(*found)
    assert view.replies == ["Первый ответ", "Второй ответ"] and view.sent == 2
    # And the desk's own copy opens for desk members
    with keyring_activated(desk.member.keyring):
        assert Reply.objects.order_by("position").first().text == "Первый ответ"  # type: ignore[union-attr]


def test_it_refuses_replies_from_outside_the_desk_and_to_threads_without_codename(
    desk: Desk,
) -> None:
    submission, _ = submission_create(payload=PAYLOAD, channel="web")
    with keyring_activated(desk.outsider.keyring), pytest.raises(PermissionDenied):
        reply_send(actor_id=desk.outsider.user.pk, submission=submission, text="Ответ")
    recorded, codename = submission_create(
        payload=PAYLOAD, channel="hotline", recorded_by_id=desk.member.user.pk, with_codename=False
    )
    assert codename is None
    with keyring_activated(desk.member.keyring), pytest.raises(ValidationError, match="codename"):
        reply_send(actor_id=desk.member.user.pk, submission=recorded, text="Ответ")
    with keyring_activated(desk.member.keyring), pytest.raises(ValidationError):
        reply_send(actor_id=desk.member.user.pk, submission=submission, text="   ")
    assert not Reply.objects.exists()


def test_it_audits_operator_intake_but_not_the_anonymous_public(desk: Desk) -> None:
    # Given one request from the public and one recorded by an operator
    public, _ = submission_create(payload=PAYLOAD, channel="web")
    recorded, _ = submission_create(
        payload=PAYLOAD, channel="hotline", recorded_by_id=desk.member.user.pk
    )
    # Then only the operator's act is in the audit chain (its time would undo the hour bucket)
    assert not AuditEntry.objects.filter(object_id=str(public.pk)).exists()
    assert AuditEntry.objects.filter(
        action="intake.record", object_id=str(recorded.pk), actor_id=desk.member.user.pk
    ).exists()
    assert recorded.recorded_by_id == desk.member.user.pk and recorded.channel == "hotline"
    assert public.received_hour.minute == public.received_hour.second == 0
    assert public.received_hour.microsecond == 0


def test_it_sets_a_status_with_an_audit_entry(desk: Desk) -> None:
    submission, _ = submission_create(payload=PAYLOAD, channel="web")
    submission_status_set(actor_id=desk.member.user.pk, submission=submission, status="vetting")
    assert Submission.objects.get(pk=submission.pk).status == "vetting"
    assert AuditEntry.objects.filter(action="intake.status", object_id=str(submission.pk)).exists()
    with pytest.raises(ValidationError):
        submission_status_set(actor_id=desk.member.user.pk, submission=submission, status="gone")


def test_it_opens_an_attachment_for_a_desk_member(desk: Desk) -> None:
    submission, _ = submission_create(
        payload=PAYLOAD, channel="web", attachments=[("IMG_1.jpg", jpeg_with_gps())]
    )
    attachment = SubmissionAttachment.objects.get(submission=submission)
    with keyring_activated(desk.member.keyring):
        name, content_type, content = attachment_open(attachment)
    assert (name, content_type) == ("IMG_1.jpg", "image/jpeg") and content[:3] == b"\xff\xd8\xff"
    assert attachment.size_bucket == 64
    with pytest.raises(NotAMember):
        attachment_open(attachment, desk.outsider.keyring)


def test_it_stores_a_request_and_its_files_in_one_transaction(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the database failing while it stores the files
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SubmissionAttachment.objects, "bulk_create", fail)
    # When a request with a file is sent
    with pytest.raises(RuntimeError):
        submission_create(payload=PAYLOAD, channel="web", attachments=[jpeg_with_gps()])
    # Then not even the request is stored: nothing is half-accepted
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 10_001},
        {"message": "ok", "name": "n" * 201},
        {"message": "NUL\x00inside"},
        {"message": "lone \ud800 surrogate"},
        {"message": "bad bytes \ufffd replaced"},
        {"message": "ok", "threat": "aliens"},
        {"message": ["not", "text"]},
        {"message": "ok", "language": "de"},
    ],
    ids=[
        "empty", "blank", "long", "long-name", "nul", "surrogate", "fffd", "choice", "list",
        "language",
    ],
)  # fmt: skip
def test_it_refuses_bad_input_and_stores_nothing(desk: Desk, payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        submission_create(payload=payload, channel="web")
    assert not Submission.objects.exists()
