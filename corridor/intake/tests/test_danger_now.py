"""A requester who chose "I am in danger now" is told what to do now, not "come back in a day
or two" (issue 13, decision 0031)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from .conftest import Desk

ORIGIN = "http://testserver"
FIELDS = {"name": "Ислам", "contact": "@qxdanger", "message": "Меня ищут, я у знакомых."}
LATER = {"ru": "Вернитесь через день-два", "en": "Come back in a day or two"}
DANGER = {"ru": "угрожает опасность прямо сейчас", "en": "you are in danger now"}
GENERAL = {"ru": "не возвращайтесь домой", "en": "do not go home"}


def _sent(urgency: str, path: str) -> str:
    client = Client(REMOTE_ADDR="203.0.113.90", HTTP_ORIGIN=ORIGIN)
    response = client.post(path, {**FIELDS, "urgency": urgency})
    assert response.status_code == 200
    page: str = response.content.decode()
    assert "codename-shown" in page, page[:1500]
    return page


@pytest.mark.parametrize(("path", "language"), [("/help/", "ru"), ("/help/en/", "en")])
def test_it_gives_advice_and_the_contact_at_once_to_someone_in_danger_now(
    desk: Desk, settings: Any, path: str, language: str
) -> None:
    # Given an organisation that configured its emergency contact
    settings.CORRIDOR_EMERGENCY_CONTACT = "+7 900 000-11-22 (Qxhotline)"
    # When a requester who is in danger now sends the form
    page = _sent("now", path)
    # Then the page says so first, gives general advice and the contact, in their language
    assert DANGER[language] in page
    assert GENERAL[language] in page
    assert "+7 900 000-11-22 (Qxhotline)" in page
    # And it does not tell them to come back in a day or two
    assert LATER[language] not in page


def test_it_shows_the_organisations_own_advice_in_the_requesters_language(
    desk: Desk, settings: Any
) -> None:
    # Given advice the organisation wrote in each language
    settings.CORRIDOR_EMERGENCY_ADVICE = {
        "ru": "Позвоните Qxсовету <b>сразу</b>.",
        "en": "Call Qxadvice at once.",
    }
    # When requesters in danger now send the form in Russian and in English
    russian, english = _sent("now", "/help/"), _sent("now", "/help/en/")
    # Then each sees the organisation's advice in their language instead of the general one,
    # as text (what the organisation typed is escaped, never markup)
    assert "Позвоните Qxсовету &lt;b&gt;сразу&lt;/b&gt;." in russian and "Qxadvice" not in russian
    assert "Call Qxadvice at once." in english and "Qxсовету" not in english
    assert GENERAL["ru"] not in russian and GENERAL["en"] not in english


@pytest.mark.parametrize("urgency", ["", "days", "weeks", "not_urgent"])
def test_it_keeps_the_usual_page_for_everyone_else(desk: Desk, settings: Any, urgency: str) -> None:
    settings.CORRIDOR_EMERGENCY_CONTACT = "+7 900 000-11-22 (Qxhotline)"
    # When a requester who is not in danger now sends the form
    page = _sent(urgency, "/help/")
    # Then they are told when to come back, and see no emergency section
    assert LATER["ru"] in page
    assert DANGER["ru"] not in page and "Qxhotline" not in page
