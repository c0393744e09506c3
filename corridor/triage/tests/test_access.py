"""Who reads requests: desk members only, on their own screen, with every read audited (T3, T4)."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from PIL import Image

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.core.inline import IMAGE_POLICY
from corridor.intake.actions import submission_create
from corridor.intake.models import SubmissionAttachment
from corridor.triage.models import LinkageKey, SubmissionIndexed, SubmissionTerm

from .conftest import Desk

NAME = "Зелимхан Тестовый"
PHONE = "+7 928 700-11-22"


def test_it_shows_a_desk_member_the_decrypted_request(desk: Desk) -> None:
    # Given a request sealed by the public form
    submission = desk.submit(name=NAME, contact=PHONE, region="Грозный")
    client = login(Client(), desk.first)
    # When a member of the desk opens the inbox and the request
    inbox = client.get("/triage/")
    page = client.get(f"/triage/{submission.pk}/")
    # Then both show the decrypted name, and the request page its contact and region
    assert inbox.status_code == 200 and NAME in inbox.content.decode()
    assert page.status_code == 200
    for text in (NAME, PHONE, "Грозный"):
        assert text in page.content.decode()
    # And the reads are in the audit log, by code and id only
    actions = set(
        AuditEntry.objects.filter(actor_id=desk.first.user.pk).values_list("action", flat=True)
    )
    assert {"triage.list", "triage.read", "intake.open"} <= actions


@pytest.mark.parametrize("path", ["/triage/", "/triage/{pk}/", "/triage/watchlist/"])
def test_it_answers_404_to_a_triage_role_outside_the_desk(desk: Desk, path: str) -> None:
    # Given a request, and a staff member whose role may triage but who is not a desk member
    submission = desk.submit(name=NAME, contact=PHONE)
    client = login(Client(), desk.outsider)
    # When they ask for the inbox, the request or the watch list
    response = client.get(path.format(pk=submission.pk))
    # Then nothing confirms the desk or the request exists
    assert response.status_code == 404
    assert NAME not in response.content.decode()


@pytest.mark.parametrize("path", ["/triage/", "/triage/{pk}/", "/triage/watchlist/"])
def test_it_answers_403_to_other_roles(desk: Desk, path: str) -> None:
    # Given a caseworker (may record requests, may not triage them)
    submission = desk.submit(name=NAME, contact=PHONE)
    client = login(Client(), desk.caseworker)
    # When they ask for a triage screen
    response = client.get(path.format(pk=submission.pk))
    # Then the role refuses it
    assert response.status_code == 403
    assert NAME not in response.content.decode()


def test_it_refuses_writes_from_outside_the_desk(desk: Desk) -> None:
    # Given a request and a triage-role outsider
    submission = desk.submit(name=NAME, contact=PHONE)
    client = login(Client(), desk.outsider)
    # When they try to propose, decline or reply
    for action in ("propose", "decline", "reply", "checklist"):
        response = client.post(f"/triage/{submission.pk}/{action}/", {"reason": "x", "text": "x"})
        # Then they get 404 and the request is untouched
        assert response.status_code == 404, action
    submission.refresh_from_db()
    assert submission.status == "new"


def test_it_stores_only_keyed_hashes_when_it_indexes_a_request(desk: Desk) -> None:
    # Given a request with a distinctive name, phone, handle and address
    marker = "Qxtriagemarker"
    submission = desk.submit(
        name=f"Ахмед {marker}", contact=f"+7 928 765-43-21, @{marker}_tg, {marker}@example.org"
    )
    # When a desk member opens it (which computes its keyed hashes)
    login(Client(), desk.first).get(f"/triage/{submission.pk}/")
    # Then terms and linkage keys exist, as 16-byte digests
    assert SubmissionIndexed.objects.filter(submission=submission).exists()
    terms = list(SubmissionTerm.objects.filter(submission=submission))
    assert {t.kind for t in terms} == {"name", "phone", "handle", "email"}
    assert all(len(bytes(t.digest)) == 16 for t in terms)
    assert LinkageKey.objects.filter(submission=submission).count() >= 3
    # And no triage table holds any of the values in clear
    with connection.cursor() as cursor:
        for table in ("triage_submissionterm", "triage_linkagekey", "triage_submissionindexed"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = repr(cursor.fetchall()).casefold()
            for needle in (marker.casefold(), "79287654321", "example.org"):
                assert needle not in dump, (table, needle)


def test_it_serves_attachments_as_downloads_that_nothing_caches(desk: Desk) -> None:
    # Given a request with a PNG attached
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    png = buffer.getvalue()
    submission, _ = submission_create(
        payload={"name": NAME, "message": "photo attached"},
        channel="web",
        attachments=[("photo.png", png)],
    )
    attachment = SubmissionAttachment.objects.get(submission=submission)
    client = login(Client(), desk.first)
    # When a desk member downloads it
    response = client.get(f"/triage/{submission.pk}/attachments/{attachment.pk}/")
    # Then it comes as an attachment, never sniffed, never cached, without the file's name
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="attachment.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"\x89PNG")
    # And a member of the desk cannot fetch it through another request's address
    other = desk.submit(name="Другой")
    assert client.get(f"/triage/{other.pk}/attachments/{attachment.pk}/").status_code == 404


def test_it_shows_an_attachment_inline_under_a_policy_that_allows_nothing(desk: Desk) -> None:
    # Given a request with a PNG attached
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    submission, _ = submission_create(
        payload={"name": NAME, "message": "photo attached"},
        channel="web",
        attachments=[("photo.png", buffer.getvalue())],
    )
    attachment = SubmissionAttachment.objects.get(submission=submission)
    client = login(Client(), desk.first)
    # When a desk member opens it in the browser
    response = client.get(f"/triage/{submission.pk}/attachments/{attachment.pk}/view/")
    # Then it comes inline, as the image it is, sandboxed, never sniffed or cached, audited
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="attachment.png"'
    assert response["Content-Security-Policy"] == IMAGE_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(
        action="triage.attachment_view", actor_id=desk.first.user.pk, object_id=str(attachment.pk)
    ).exists()
    # And someone outside the desk gets 404
    outsider = login(Client(), desk.outsider)
    url = f"/triage/{submission.pk}/attachments/{attachment.pk}/view/"
    assert outsider.get(url).status_code == 404
