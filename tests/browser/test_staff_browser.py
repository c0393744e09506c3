"""Staff flows in a real browser: login with TOTP, the language switch, onboarding by invitation.

Every flow also checks that the pages asked nothing of any other origin (T8): no CDN, font,
analytics or image host ever learns that someone opened Corridor.
"""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from conftest import Org, Staff
from corridor.accounts.actions import invitation_create
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing

pytestmark = pytest.mark.browser

NAME = "Асланбек Марзоев"
PHONE = "+7 928 555 01 42"


def _case(org: Org, worker: Staff) -> Case:
    with keyring_activated(worker.keyring):
        return case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name=NAME,
            phone=PHONE,
            aliases=["Аслан"],
            location="Грозный",
            notes="Ждёт звонка вечером.",
            risk_level="high",
        )


def _log_in(browsing: Browsing, staff: Staff) -> None:
    page = browsing.page
    page.goto(browsing.url("/accounts/login/"))
    page.fill("input[name=username]", staff.user.username)
    page.fill("input[name=passphrase]", staff.passphrase)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/login/code/**")
    page.fill("input[name=token]", staff.code())
    page.click("main button[type=submit]")
    page.wait_for_url(browsing.url("/"))


def _assert_same_origin(browsing: Browsing) -> None:
    assert browsing.requests, "no request was recorded"
    assert browsing.foreign_requests() == []


def test_it_logs_in_with_totp_and_shows_decrypted_case(org: Org, browsing: Browsing) -> None:
    # Given a caseworker of the compartment holding a case
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    page = browsing.page
    # When they log in with passphrase and code, and open the case list
    _log_in(browsing, worker)
    page.click("header nav a[href='/cases/']")
    page.wait_for_url(browsing.url("/cases/"))
    # Then they see the decrypted name, and the case page shows the phone
    link = page.locator(f"a[href='/cases/{case.pk}/']")
    expect(link).to_have_text(NAME)
    browsing.screenshot("case-list")
    link.click()
    page.wait_for_url(browsing.url(f"/cases/{case.pk}/"))
    expect(page.locator("h1")).to_have_text(NAME)
    expect(page.locator("main")).to_contain_text("+7 928 555-01-42")  # shown as people write it
    _assert_same_origin(browsing)


def test_it_shows_russian_by_default_and_english_after_one_click(
    org: Org, browsing: Browsing
) -> None:
    page = browsing.page
    page.goto(browsing.url("/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    heading = page.locator("main h1").inner_text()
    assert re.search("[а-яё]", heading, re.IGNORECASE), f"{heading!r}: run `make messages`"
    page.click("header button[name=language][value=en]")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header button[name=language]")).to_have_text("Русский")
    expect(page.locator("main h1")).to_have_text("Log in")
    assert page.url == browsing.url("/accounts/login/")
    _assert_same_origin(browsing)


def test_it_onboards_an_invited_user_in_the_browser(org: Org, browsing: Browsing) -> None:
    # Given an invitation link created by an administrator
    _invitation, token = invitation_create(actor_id=org.admin.user.pk, role=Role.CASEWORKER)
    page = browsing.page
    # When the new staff member chooses a username and a passphrase
    page.goto(browsing.url(f"/accounts/invite/{token}/"))
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=passphrase]", "a long newcomer passphrase")
    page.fill("input[name=passphrase2]", "a long newcomer passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/enrol/")
    # And enrols an authenticator from the secret shown on the page
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    code = totp(base64.b32decode(secret))
    page.fill("input[name=token]", f"{code:06d}")
    page.click("main button[type=submit]")
    # Then the recovery kit is shown once, and then the home page
    recovery = page.locator("[data-testid=recovery-code]")
    expect(recovery).to_have_text(re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$"))
    page.click("main a.button")
    page.wait_for_url(browsing.url("/"))
    expect(page.locator("main h1")).to_contain_text("newcomer")
    expect(page.locator("header nav a[href='/cases/']")).to_be_visible()
    _assert_same_origin(browsing)


def test_it_never_asks_another_origin_for_anything(org: Org, browsing: Browsing) -> None:
    # Given a member with a case, walking through login, list, case page and language switch
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    _log_in(browsing, worker)
    for path in ("/cases/", f"/cases/{case.pk}/", "/accounts/me/"):
        browsing.page.goto(browsing.url(path))
    browsing.page.click("header button[name=language]")
    browsing.page.wait_for_load_state()
    # Then pages and their stylesheet were all fetched from the live server, and nothing else
    assert browsing.url("/static/core/corridor.css") in browsing.requests
    assert browsing.url(f"/cases/{case.pk}/") in browsing.requests
    assert browsing.foreign_requests() == []
