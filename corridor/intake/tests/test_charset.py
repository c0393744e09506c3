"""Forms posted to /help/ in another text encoding: read as written, or refused plainly."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from corridor.intake.actions import submission_open
from corridor.intake.models import Submission
from corridor.intake.tests.conftest import Desk

FORM = {"name": "Хеда Маркерова", "contact": "+7 928 111 22 33", "message": "Брат угрожает."}


def _body(fields: dict[str, str], charset: str) -> bytes:
    from urllib.parse import quote_plus

    return "&".join(
        f"{quote_plus(k, encoding=charset)}={quote_plus(v, encoding=charset)}"
        for k, v in fields.items()
    ).encode("ascii")


def _post(body: bytes, charset: str, path: str = "/help/") -> Any:
    return Client(HTTP_ORIGIN="http://testserver").generic(
        "POST",
        path,
        data=body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251"])
def test_it_reads_a_form_a_phone_browser_posted_in_a_russian_charset(
    desk: Desk, charset: str
) -> None:
    # Given the help form sent percent-escaped in a Russian single-byte charset
    response = _post(_body(FORM, charset), charset)
    # Then it is read as the person wrote it: accepted, and the desk reads the same words
    assert response.status_code == 200, response.content.decode()[:500]
    opened = submission_open(Submission.objects.get(), desk.member.keyring)
    assert {key: opened[key] for key in FORM} == FORM


@pytest.mark.django_db
def test_it_reads_a_form_written_raw_in_utf_16(desk: Desk) -> None:
    body = _body(FORM, "utf-8").decode("ascii").encode("utf-16")
    response = _post(body, "utf-16")
    assert response.status_code == 200, response.content.decode()[:500]
    opened = submission_open(Submission.objects.get(), desk.member.keyring)
    assert {key: opened[key] for key in FORM} == FORM


@pytest.mark.django_db
def test_it_says_plainly_that_an_unreadable_form_was_not_sent(desk: Desk) -> None:
    # Given a body that does not decode in the charset it names (an odd number of bytes)
    response = _post(b"name=\xff\xfe", "utf-16")
    # Then the form comes back, saying the request was not sent, and nothing is stored
    page = response.content.decode()
    assert response.status_code == 413
    assert "НЕ отправлен" in page and "public-form" in page
    assert not Submission.objects.exists()
