"""What was gathered follows the person into the case (decision 0040): the request's fields as
the case's own, the vetting checklist, and the request's files re-encrypted in the case's
compartment, each carried file audited; nobody without that compartment's key opens them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import Staff, login
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseAttachment, CaseRequest, RequestChannel
from corridor.core.inline import IMAGE_POLICY
from corridor.intake.actions import attachment_open
from corridor.intake.models import Channel, SubmissionAttachment
from corridor.intake.tests.images import jpeg_with_gps, pdf_with_metadata
from corridor.lifecycle.retention import Due, record_purge
from corridor.triage import actions
from corridor.vault import crypto
from corridor.vault.keyring import (
    NotAMember,
    _data_key_aad,
    keyring_activated,
    record_data_key,
)
from corridor.vault.models import Membership

from .conftest import Desk

PAYLOAD: dict[str, Any] = {
    "name": "Аслан Тестович",
    "contact": "+7 928 321-00-99, @aslan_t",
    "region": "Гудермес",
    "message": "Брат узнал обо мне, угрожает. Нужно уехать.",
    "threat": "family",
    "urgency": "now",
    "language": "ru",
}
WHY = "Vouched for by our partner in Grozny"


def _as(staff: Staff, action: Any, **kwargs: Any) -> Any:
    with keyring_activated(staff.keyring):
        return action(actor_id=staff.user.pk, **kwargs)


def _accepted(desk: Desk, **extra: Any) -> Case:
    """A Russian request with a photo and a PDF, vetted, proposed and approved into North."""
    request = desk.submit(
        **PAYLOAD,
        **extra,
        attachments=[("фото.jpg", jpeg_with_gps()), ("справка.pdf", pdf_with_metadata())],
    )
    north = desk.org.compartment("North")
    _as(
        desk.first,
        actions.checklist_save,
        submission=request,
        interview_notes="Перезвонили, голос совпадает",
        evidence_seen="Фото синяков",
        references="Правозащитница в Грозном",
        verifying_partner="Партнёр Г.",
    )
    _as(desk.first, actions.accept_propose, submission=request, compartment=north, note=WHY)
    case: Case = _as(desk.second, actions.accept_approve, submission=request, compartment=north)
    return case


def test_the_channels_are_intakes_own() -> None:
    assert RequestChannel.choices == Channel.choices


def test_it_gives_the_case_the_requests_fields_with_russian_labels(desk: Desk) -> None:
    # Given a request written in Russian, accepted into North
    case = _accepted(desk)
    # Then its fields are the case's own, and nothing is a text blob in the notes
    with keyring_activated(desk.second.keyring):
        origin = CaseRequest.objects.get(case=case)
        assert Case.objects.get(pk=case.pk).notes == ""
        assert (origin.channel, origin.language) == ("web", "ru")
        assert origin.contact == "+7 928 321-00-99, @aslan_t"
        assert origin.message == "Брат узнал обо мне, угрожает. Нужно уехать."
        assert origin.interview_notes == "Перезвонили, голос совпадает"
        assert origin.references == "Правозащитница в Грозном"
        assert origin.checked_by_id == desk.first.user.pk
    # When a caseworker of North opens the case page in Russian
    client = login(Client(), desk.caseworker, language="ru")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    # Then the labels are Russian and the values are there; no English block
    for text in (
        "Обращение",
        "Контакт",
        "+7 928 321-00-99, @aslan_t",
        "Сообщение",
        "Брат узнал обо мне",
        "Язык обращения",
        "Русский",
        "Контрольный список проверки",
        "Перезвонили, голос совпадает",
        "Вложения",
    ):
        assert text in page, text
    for english in ("Contact:", "Message:", "Language of the request", "Russian"):
        assert english not in page
    # And the page's reads of the request and its files are audited
    actions_seen = set(
        AuditEntry.objects.filter(actor_id=desk.caseworker.user.pk).values_list("action", flat=True)
    )
    assert {"case_request.list", "case_attachment.list"} <= actions_seen


def test_it_carries_each_file_re_encrypted_in_the_case_and_audits_each(desk: Desk) -> None:
    case = _accepted(desk)
    attachments = list(CaseAttachment.objects.filter(case=case).order_by("position"))
    assert sorted(a.media_type for a in attachments) == ["application/pdf", "image/jpeg"]
    # Each carried file is audited once, by the approver
    carried = AuditEntry.objects.filter(action="case_attachment.carry")
    assert sorted(carried.values_list("object_id", flat=True)) == sorted(
        str(a.pk) for a in attachments
    )
    assert set(carried.values_list("actor_id", flat=True)) == {desk.second.user.pk}
    assert AuditEntry.objects.filter(action="case_request.carry").count() == 1
    # The case's copy is the cleaned copy intake kept (no GPS), under the case's own key
    with keyring_activated(desk.first.keyring):
        originals = [
            attachment_open(a)
            for a in SubmissionAttachment.objects.order_by("submission__position", "pk")
        ]
    with keyring_activated(desk.caseworker.keyring):
        for attachment, (name, media_type, content) in zip(attachments, originals, strict=True):
            fresh = CaseAttachment.objects.get(pk=attachment.pk)
            assert (fresh.filename, fresh.media_type, fresh.content) == (name, media_type, content)
            assert content not in bytes(fresh.__dict__["content_sealed"])
            assert attachment.compartment_id == case.compartment_id


@pytest.mark.parametrize("who", ["coordinator", "outsider"])
def test_nobody_without_the_case_compartment_key_opens_a_carried_file(desk: Desk, who: str) -> None:
    # Given a case with carried files in North, and someone with a copy of the database and
    # every key of their own: the desk's coordinator (holds the intake key, not North) or a
    # member of South
    case = _accepted(desk)
    staff: Staff = getattr(desk, who)
    rows = list(CaseAttachment.objects.filter(case=case)) + list(
        CaseRequest.objects.filter(case=case)
    )
    assert rows
    north = case.compartment_id
    # (the same attempt with a North member's key opens it: the attack below is the real one)
    member_key = desk.caseworker.keyring.compartment_key(north, 1)
    for row in rows:
        aad = _data_key_aad(row, north, 1)
        assert crypto.aead_decrypt(member_key, bytes(row.wrapped_data_key), aad)
    held = list(Membership.objects.filter(user=staff.user).values_list("compartment_id", flat=True))
    # When they try their keyring on the records
    with keyring_activated(staff.keyring):
        for row in rows:
            fresh = type(row).objects.get(pk=row.pk)
            with pytest.raises(NotAMember):
                record_data_key(fresh)
            # And every compartment key they hold, at every version, on the wrapped data key
            for compartment_id in held:
                for version in (1, 2):
                    try:
                        key = staff.keyring.compartment_key(compartment_id, version)
                    except NotAMember:
                        continue
                    for as_if in (north, compartment_id):
                        aad = _data_key_aad(fresh, as_if, version)
                        with pytest.raises(crypto.DecryptionError):
                            crypto.aead_decrypt(key, bytes(fresh.wrapped_data_key), aad)
    # And through the screens they get 404, and the files read by nobody
    client = login(Client(), staff)
    for attachment in CaseAttachment.objects.filter(case=case):
        for suffix in ("", "download/"):
            url = f"/cases/{case.pk}/attachments/{attachment.pk}/{suffix}"
            assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="case_attachment.view").exists()


def test_a_member_of_the_case_compartment_opens_each_file_inline_and_audited(desk: Desk) -> None:
    case = _accepted(desk)
    client = login(Client(), desk.caseworker)
    image, pdf = CaseAttachment.objects.filter(case=case).order_by("-media_type")
    shown = client.get(f"/cases/{case.pk}/attachments/{image.pk}/")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Cache-Control"] == "no-store"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Security-Policy"] == IMAGE_POLICY
    assert "script-src" not in IMAGE_POLICY and "sandbox" in IMAGE_POLICY
    assert b"MarkerCam" not in shown.content and shown.content.startswith(b"\xff\xd8")
    opened = client.get(f"/cases/{case.pk}/attachments/{pdf.pk}/")
    assert opened["Content-Type"] == "application/pdf"
    assert opened["Content-Disposition"].startswith("inline")
    assert "script-src" not in opened["Content-Security-Policy"]
    assert opened["Content-Security-Policy"].startswith("default-src 'none'")
    assert opened.content.startswith(b"%PDF-") and b"MarkerScript" not in opened.content
    downloaded = client.get(f"/cases/{case.pk}/attachments/{pdf.pk}/download/")
    assert downloaded["Content-Disposition"] == 'attachment; filename="attachment.pdf"'
    views = AuditEntry.objects.filter(actor_id=desk.caseworker.user.pk)
    assert list(
        views.filter(action__in=("case_attachment.view", "case_attachment.download"))
        .order_by("pk")
        .values_list("action", "object_id")
    ) == [
        ("case_attachment.view", str(image.pk)),
        ("case_attachment.view", str(pdf.pk)),
        ("case_attachment.download", str(pdf.pk)),
    ]


def test_a_purged_case_takes_its_carried_request_and_files_with_it(desk: Desk) -> None:
    # Given an accepted case with its request and files carried in
    case = _accepted(desk)
    # When retention purges the case (decision 0024)
    due = Due(
        object_type="case",
        object_id=case.pk,
        compartment_id=case.compartment_id,
        rule="closed",
        since=timezone.now(),
        due_at=timezone.now(),
        held=False,
    )
    assert record_purge(due) is not None
    # Then the carried records' data keys are destroyed: even a member opens nothing
    rows = [*CaseAttachment.objects.filter(case=case), *CaseRequest.objects.filter(case=case)]
    assert len(rows) == 3
    assert all(bytes(row.wrapped_data_key) == b"" for row in rows)
    with keyring_activated(desk.caseworker.keyring):
        assert CaseAttachment.objects.filter(case=case).first().content is None  # type: ignore[union-attr]
        assert CaseRequest.objects.get(case=case).message is None
