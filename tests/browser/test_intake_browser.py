"""The public request form and status page in a browser with JavaScript switched off.

A requester may use a cheap phone, or Tor Browser at its safest setting (no JavaScript). The
whole round trip must work there, in Russian and in English: send a request with a photo,
get a codename, read the desk's reply with it, write again. Nothing may be asked of another
origin (T8) and no cookie may be left behind (T7).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

from conftest import Org
from corridor.accounts.roles import Role
from corridor.intake.actions import attachment_open, intake_desk_create, reply_send, submission_open
from corridor.intake.models import Submission, SubmissionAttachment
from corridor.vault.keyring import keyring_activated

from .conftest import BROWSER_LOCALE, Browsing

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 640}


@pytest.fixture
def nojs(browser: Browser, live_server: Any) -> Iterator[Browsing]:
    """A phone-sized browser context with JavaScript off, recording every request."""
    context = browser.new_context(locale=BROWSER_LOCALE, java_script_enabled=False, viewport=PHONE)
    context.set_default_timeout(10_000)
    session = Browsing(page=context.new_page(), base_url=live_server.url)
    context.on("request", lambda request: session.requests.append(request.url))
    yield session
    assert context.cookies() == [], "the public pages must leave no cookie"
    context.close()


def _desk(org: Org) -> Any:
    member = org.staff("triager", Role.TRIAGE, ("Intake desk",))
    with keyring_activated(member.keyring):
        intake_desk_create(actor_id=member.user.pk, compartment=org.compartment("Intake desk"))
    return member


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 40))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (43.0, 18.0, 42.0), "E", (45.0, 41.0, 52.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _ru(text: str) -> str:
    with translation.override("ru"):
        return str(translation.gettext(text))


def _fits_the_phone(page: Page) -> None:
    for selector in ("main textarea", "main button[type=submit]", ".quick-exit"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_it_takes_a_request_and_shows_the_reply_without_javascript_in_russian(
    org: Org, nojs: Browsing
) -> None:
    member = _desk(org)
    page = nojs.page
    # Given the form, in Russian by default, on a phone-sized screen
    page.goto(nojs.url("/help/"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main h1")).to_have_text(_ru("Ask for help"))
    expect(page.locator(".quick-exit")).to_be_visible()
    expect(page.locator("input[name=website]")).not_to_be_visible()  # the honeypot
    _fits_the_phone(page)
    nojs.screenshot("intake-form-ru")
    # When a requester fills it in and attaches a photo that carries a GPS position
    page.fill("input[name=name]", "Хеда")
    page.fill("input[name=contact]", "@kheda_safe")
    page.fill("input[name=region]", "Гудермес")
    page.select_option("select[name=threat]", "family")
    page.select_option("select[name=urgency]", "days")
    page.fill("textarea[name=message]", "Родственники угрожают. Нужна помощь с отъездом.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()}],
    )
    page.click("main button[type=submit]")
    # Then a codename is shown, in both alphabets
    expect(page.locator("main h1")).to_have_text(_ru("Your request was sent"))
    codename = page.locator(".codename-shown[lang=ru]").inner_text().strip()
    assert len(codename.split()) == 7
    assert len(page.locator(".codename-shown[lang=en]").inner_text().split()) == 7
    nojs.screenshot("intake-sent-ru")
    # And the desk reads it, with the photo's position gone, and replies
    submission = Submission.objects.get()
    assert submission_open(submission, member.keyring)["region"] == "Гудермес"
    with keyring_activated(member.keyring):
        _name, _type, photo = attachment_open(SubmissionAttachment.objects.get())
        reply_send(actor_id=member.user.pk, submission=submission, text="Мы вас слышим. Ждите.")
    assert not Image.open(io.BytesIO(photo)).getexif()
    # When the requester opens the status page and types the codename
    page.click("main a[href='/help/status/']")
    page.fill("input[name=codename]", codename)
    page.click("main button[type=submit]")
    # Then the reply is shown, and writing more joins the same thread
    expect(page.locator(".reply")).to_have_text("Мы вас слышим. Ждите.")
    page.fill("textarea[name=message]", "Спасибо, жду.")
    page.click("main button[type=submit]")
    expect(page.locator(".notice")).to_have_text(_ru("Your message was sent."))
    follow_up = Submission.objects.get(thread=submission)
    assert submission_open(follow_up, member.keyring)["message"] == "Спасибо, жду."
    nojs.screenshot("intake-thread-ru")
    assert nojs.url("/static/intake/help.css") in nojs.requests
    assert nojs.foreign_requests() == []


def test_it_works_in_english_one_click_away_and_refuses_clearly(org: Org, nojs: Browsing) -> None:
    _desk(org)
    page = nojs.page
    # Given the Russian form, one click on "English"
    page.goto(nojs.url("/help/"))
    page.click("header a.lang")
    page.wait_for_url(nojs.url("/help/en/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Ask for help")
    # When the form is sent without a message, with a file that is not an image
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}],
    )
    page.click("main button[type=submit]")
    # Then the refusal is clear, in English, and nothing is stored
    expect(page.locator("main")).to_contain_text("Please write your message.")
    assert not Submission.objects.exists()
    # When the requester sends it properly
    page.fill("textarea[name=message]", "I need to leave, my family found out.")
    page.click("main button[type=submit]")
    english = page.locator(".codename-shown[lang=en]").inner_text().strip()
    # Then the English status page opens the thread with the English words
    page.click("main a[href='/help/en/status/']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=codename]", "seven wrong words qxzzy are not codename")
    page.click("main button[type=submit]")
    expect(page.locator("main .error-summary")).to_contain_text("not in the codename lists")
    page.fill("input[name=codename]", english.upper())
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("No answer yet")
    nojs.screenshot("intake-thread-en")
    assert Submission.objects.count() == 1
    assert nojs.foreign_requests() == []
