"""Triage in a real browser: a request from the public form reaches the desk, is flagged as a
duplicate of an existing case, and is accepted by two different desk members (T4).

Every page also proves that nothing was asked of another origin (T8).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.intake.actions import intake_desk_create
from corridor.intake.models import Submission
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing

pytestmark = pytest.mark.browser

NAME = "Бислан Тестоев"


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


def _log_out(browsing: Browsing) -> None:
    browsing.page.click("header form[action='/accounts/logout/'] button")
    browsing.page.wait_for_url("**/accounts/login/**")


def test_it_takes_a_public_request_through_two_person_acceptance(
    org: Org, browsing: Browsing
) -> None:
    # Given an intake desk with two members, and a case in North that holds a phone
    first = org.staff("desk-first", Role.TRIAGE, ("Desk", "North"))
    second = org.staff("desk-second", Role.COORDINATOR, ("Desk", "North"))
    with keyring_activated(first.keyring):
        intake_desk_create(actor_id=first.user.pk, compartment=org.compartment("Desk"))
        existing = case_create(
            actor_id=first.user.pk,
            compartment=org.compartment("North"),
            full_name="Ранее Известный",
            phone="+7 928 444-55-66",
        )
    page = browsing.page
    # When a requester sends the public form with that phone written another way
    page.goto(browsing.url("/help/"))
    page.fill("input[name=name]", NAME)
    page.fill("input[name=contact]", "8 928 444 55 66")
    page.fill("textarea[name=message]", "Меня ищут родственники, нужна помощь.")
    page.click("main form button[type=submit]")
    expect(page.locator(".codename-shown").first).to_be_visible()
    browsing.screenshot("triage-sent")
    request = Submission.objects.get()
    # And a first desk member logs in and opens the inbox
    _log_in(browsing, first)
    page.goto(browsing.url("/triage/"))
    link = page.locator(f"a[href='/triage/{request.pk}/']")
    expect(link).to_have_text(NAME)
    expect(page.locator("td .flag-duplicate")).to_be_visible()
    browsing.screenshot("triage-inbox")
    # Then the request shows its duplicate flag pointing at the existing case
    link.click()
    page.wait_for_url(browsing.url(f"/triage/{request.pk}/"))
    flag = page.locator("#flags .flag-detail.duplicate")
    expect(flag).to_contain_text("North")
    expect(flag.locator(f"a[href='/cases/{existing.pk}/']")).to_be_visible()
    # When they propose to accept it into North
    propose = page.locator("form[action$='/propose/']")
    propose.locator("select[name=compartment]").select_option(label="North")
    propose.locator("textarea[name=note]").fill("Vouched for by our partner in Grozny")
    propose.locator("button[type=submit]").click()
    page.wait_for_url(browsing.url(f"/triage/{request.pk}/"))
    expect(page.locator("form[action$='/approve/']")).to_have_count(0)  # not their own
    browsing.screenshot("triage-proposed")
    _log_out(browsing)
    # And a second desk member approves it
    _log_in(browsing, second)
    page.goto(browsing.url(f"/triage/{request.pk}/"))
    approve = page.locator("form[action$='/approve/']")
    expect(approve.locator("select[name=compartment]")).to_have_value(
        str(org.compartment("North").pk)
    )
    approve.locator("button[type=submit]").click()
    page.wait_for_url(browsing.url(f"/triage/{request.pk}/"))
    # Then the case exists in North and opens from the request page
    case = Case.objects.exclude(pk=existing.pk).get()
    assert case.compartment == org.compartment("North")
    page.locator(f"#decision a[href='/cases/{case.pk}/']").click()
    page.wait_for_url(browsing.url(f"/cases/{case.pk}/"))
    expect(page.locator("main h1")).to_contain_text(NAME)
    browsing.screenshot("triage-case")
    assert browsing.foreign_requests() == []
