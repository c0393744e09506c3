"""Every file part sent to /help/ is stored or refused with a clear message; a follow-up with a
bad message says why and keeps the text (decision 0023)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from corridor.intake.actions import attachment_open
from corridor.intake.models import Submission, SubmissionAttachment
from corridor.intake.multipart import body_scan, name_decoded
from corridor.intake.views import FILES_LOST
from corridor.vault.keyring import keyring_activated

from .conftest import Desk
from .images import jpeg_with_gps

BOUNDARY = b"----corridorfuzz7MA4YWxkTrZu0gW"
MESSAGE = "Помогите, нас ищут."
LOST_RU = "Ваше обращение НЕ отправлено"


def _part(headers: list[bytes], content: bytes) -> bytes:
    return b"--" + BOUNDARY + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + content + b"\r\n"


def _field(name: str, value: str) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
    return _part([disposition], value.encode())


def _file(name: bytes, content: bytes, field: bytes = b"attachments") -> bytes:
    disposition = b'Content-Disposition: form-data; name="' + field + b'"; filename="' + name + b'"'
    return _part([disposition, b"Content-Type: image/jpeg"], content)


def _body(*parts: bytes, closed: bool = True) -> bytes:
    return b"".join(parts) + (b"--" + BOUNDARY + b"--\r\n" if closed else b"")


def _post(body: bytes, path: str = "/help/en/") -> Any:
    return Client(HTTP_ORIGIN="http://testserver").generic(
        "POST", path, body, content_type="multipart/form-data; boundary=" + BOUNDARY.decode()
    )


def _lost_en() -> str:
    with translation.override("en"):
        return escape(str(FILES_LOST))[:40]


def _stored_names(desk: Desk) -> list[str]:
    with keyring_activated(desk.member.keyring):
        return sorted(attachment_open(a)[0] for a in SubmissionAttachment.objects.all())


def _nothing_stored() -> bool:
    return not Submission.objects.exists() and not SubmissionAttachment.objects.exists()


@pytest.mark.parametrize(
    ("raw_name", "stored"),
    [
        ("фото паспорта.jpg".encode("cp1251"), "фото паспорта.jpg"),
        ("Отчёт.jpg".encode("cp1251"), "Отчёт.jpg"),
        ("café_Müller.jpg".encode("latin-1"), "café_Müller.jpg"),
        ("\u200b".encode(), "file-1.jpg"),
        (b"&#8203;", "file-1.jpg"),
        ("\u200b\u200b.jpg".encode(), "attachment.jpg"),
    ],
    ids=["cp1251", "cp1251-yo", "latin-1", "zero-width-space", "zws-entity", "zws-stem"],
)
def test_a_file_with_a_name_django_cannot_read_is_stored_with_a_usable_name(
    desk: Desk, raw_name: bytes, stored: str
) -> None:
    # Given a request with a photo whose name is not UTF-8, or cleans to nothing
    body = _body(_field("message", MESSAGE), _file(raw_name, jpeg_with_gps()))
    # When it is sent
    response = _post(body)
    # Then it is accepted and the photo is stored, under a name the desk can read
    assert response.status_code == 200 and "codename" in response.content.decode().lower()
    assert _stored_names(desk) == [stored]


@pytest.mark.parametrize(
    "body",
    [
        _body(_field("message", MESSAGE), _file(b"a.jpg", jpeg_with_gps()), closed=False),
        _body(_field("message", MESSAGE), _file(b"a.jpg", jpeg_with_gps()))[:-200],
        _body(_field("message", MESSAGE), _file(b"a.jpg", jpeg_with_gps()))[:400],
        _body(_field("message", MESSAGE), _file(b"a.jpg", b"x", field=b"other")),
        _body(
            _field("message", MESSAGE),
            _part([b'Content-Disposition: form-data; filename="a.jpg"'], b"x"),
        ),
    ],
    ids=[
        "no-closing-boundary",
        "cut-inside-the-file",
        "cut-early",
        "file-in-another-field",
        "file-without-field-name",
    ],
)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_request_whose_file_would_be_lost_is_refused_clearly_and_nothing_is_stored(
    desk: Desk, body: bytes, language: str
) -> None:
    # When a body that was cut off, or holds a file part Django would skip, is sent
    path = "/help/" if language == "ru" else "/help/en/"
    response = _post(body, path)
    page = response.content.decode()
    # Then it is refused, in the sender's language, and nothing is stored
    assert response.status_code == 400
    assert (LOST_RU if language == "ru" else _lost_en()) in page
    assert _nothing_stored()
    # And what was typed before the cut is still in the form
    if body.find(MESSAGE.encode()) >= 0:
        assert MESSAGE in page


def test_a_browsers_empty_file_input_is_not_a_file(desk: Desk) -> None:
    # A browser sends an unused file input as a part with filename="" and no content
    response = _post(_body(_field("message", MESSAGE), _file(b"", b"")))
    assert response.status_code == 200 and Submission.objects.count() == 1
    assert not SubmissionAttachment.objects.exists()


def test_it_reads_a_name_as_cp1251_or_latin1_by_its_letters() -> None:
    assert name_decoded("Фото".encode("cp1251")) == "Фото"
    assert name_decoded("Crème brûlée".encode("latin-1")) == "Crème brûlée"
    assert name_decoded("Ünïcode".encode()) == "Ünïcode"


def test_the_scan_counts_every_file_part_and_finds_a_missing_end() -> None:
    parts = [_file(f"{n}.jpg".encode(), b"data") for n in range(4)]
    assert body_scan(_body(_field("message", "x"), *parts), BOUNDARY).file_parts == 4
    with pytest.raises(Exception, match="closing"):
        body_scan(_body(*parts, closed=False), BOUNDARY)


def _random_body(rng: random.Random, photo: bytes) -> tuple[bytes, int]:
    names = [
        b"a.jpg",
        "фото.jpg".encode("cp1251"),
        "naïve.jpg".encode("latin-1"),
        "\u200b".encode(),
        "Отчёт.jpg".encode(),
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))),
        b"",
    ]
    parts = [_field("message", rng.choice([MESSAGE, "", "x" * 5]))]
    files = 0
    for _ in range(rng.randrange(0, 4)):
        name = rng.choice(names).replace(b'"', b"").replace(b"\r", b"").replace(b"\n", b"")
        content = rng.choice([photo, b"", b"not an image"])
        parts.append(_file(name, content))
        files += bool(name or content)  # filename="" and nothing: a browser's empty input
    rng.shuffle(parts)
    body = _body(*parts, closed=rng.random() > 0.1)
    if rng.random() < 0.15:
        body = body[: rng.randrange(len(body))]
    return body, files


def test_fuzz_every_file_part_is_stored_or_the_request_is_refused(desk: Desk) -> None:
    rng = random.Random(23)
    photo = jpeg_with_gps()
    for _ in range(200):
        body, files = _random_body(rng, photo)
        before = SubmissionAttachment.objects.count()
        submissions = Submission.objects.count()
        response = _post(body)
        assert response.status_code < 500
        if Submission.objects.count() > submissions:
            assert SubmissionAttachment.objects.count() - before == files, body[:300]
        else:
            assert SubmissionAttachment.objects.count() == before


def _follow_up_client() -> tuple[Client, str]:
    from .test_public import FIELDS, _client, _codename, _send

    client = _client()
    return client, _codename(_send(client, dict(FIELDS)))


BAD_MESSAGES = {
    "empty": ("", {"en": "Please write your message.", "ru": "напишите сообщение"}),
    "too-long": ("я" * 10_001, {"en": "at most 10000", "ru": "10000"}),
    "nul": ("Помогите\x00 нам", {"en": "", "ru": ""}),
    "replacement-char": ("Помогите \ufffd нам", {"en": "", "ru": ""}),
}


@pytest.mark.parametrize("case", list(BAD_MESSAGES))
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_bad_follow_up_says_why_keeps_the_text_and_the_thread(
    desk: Desk, case: str, language: str
) -> None:
    # Given a requester with a codename
    client, codename = _follow_up_client()
    message, expected = BAD_MESSAGES[case]
    path = "/help/status/" if language == "ru" else "/help/en/status/"
    # When they write back a bad message
    response = client.post(path, {"codename": codename, "message": message})
    page = response.content.decode()
    # Then nothing is sent, they are told so in their language, next to their text
    assert response.status_code == 200
    assert Submission.objects.count() == 1
    assert 'id="id_message_error"' in page and expected[language] in page
    notice = (
        "Ваше сообщение НЕ отправлено"
        if language == "ru"
        else "Your message was NOT sent. Correct it and press Send again."
    )
    assert notice in page
    if case != "too-long":  # the box keeps a too-long text too, but escaped: check a slice
        assert escape(message.replace("\x00", "")) in page or escape(message) in page
    else:
        assert "я" * 100 in page
    # And they stay on their thread: the codename is carried hidden, as on every thread page
    assert f'<input type="hidden" name="codename" value="{escape(codename)}">' in page
    assert f'value="{escape(codename)}" spellcheck' not in page  # not in a visible box


def test_a_bad_follow_up_with_a_wrong_codename_opens_nothing(desk: Desk) -> None:
    client, codename = _follow_up_client()
    wrong = " ".join(reversed(codename.split()))
    response = client.post("/help/en/status/", {"codename": wrong, "message": ""})
    page = response.content.decode()
    assert "No request matches this codename" in page and "Our answers" not in page
    assert "No answer yet" not in page and Submission.objects.count() == 1
