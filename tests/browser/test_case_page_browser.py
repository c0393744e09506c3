"""The case page on a phone with no script (issue 13): a summary that fits the first screen,
sections to go to, and every form behind its own step, open again when it failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create, case_move_to_stage
from corridor.cases.models import Case, Stage
from corridor.tasks.actions import checkin_schedule_create, task_create
from corridor.vault.keyring import keyring_activated

from .conftest import BROWSER_LOCALE

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        locale=BROWSER_LOCALE,
        java_script_enabled=False,
        viewport=PHONE,  # type: ignore[arg-type]
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
    )
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    yield context.new_page(), asked
    context.close()


def _case(org: Org, worker: Staff) -> Case:
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name="Исаев Руслан Бесланович",
            location="Грозный, у родственников",
            at=timezone.now() - timedelta(days=5),
        )
        case_move_to_stage(actor_id=worker.user.pk, case=case, to_stage=Stage.VETTING)
        task_create(
            actor_id=worker.user.pk,
            case=case,
            title="Купить сим-карту",
            owner_id=worker.user.pk,
            due_on=timezone.localdate() - timedelta(days=1),
            at=timezone.now() - timedelta(days=3),
        )
        checkin_schedule_create(
            actor_id=worker.user.pk, case=case, every_hours=12, channel="Signal"
        )
    return case


def _log_in(page: Page, staff: Staff) -> None:
    page.goto("/accounts/login/")
    page.fill("[name=username]", staff.user.username)
    page.fill("[name=passphrase]", staff.passphrase)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/login/code/**")
    page.fill("[name=token]", staff.code())
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], wide


def test_the_case_page_fits_a_phone_with_its_summary_first_and_forms_behind_a_step(
    org: Org, phone: tuple[Page, list[str]], live_server: Any
) -> None:
    page, asked = phone
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _case(org, worker)
    # Given a caseworker on the case page, in Russian, on a 360 px phone with no script
    _log_in(page, worker)
    page.goto(f"/cases/{case.pk}/")
    # Then the summary is on the first screen: who, where now, stage and since when, risks,
    # the open tasks with the overdue one, and the next check-in
    summary = page.locator("#summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    facts = summary.locator("dl.facts").inner_text()
    for shown in ("Проверка", "Грозный, у родственников", "Открытые задачи", "просрочено 1"):
        assert shown in facts, (shown, facts)
    assert "Следующая связь" in facts
    # and no form is open: each sits behind its own step
    for form in ("#expenses form", "#tasks form.stack"):
        expect(page.locator(form).first).to_be_hidden()
    _no_sideways_scroll(page)
    # When they follow the list of sections to the expenses
    page.locator("nav.sections a[href='#expenses']").click()
    assert page.url.endswith("#expenses")
    # and open "Add expense" and send it with a negative amount
    expenses = page.locator("#expenses details")
    expenses.locator("summary").click()
    expenses.locator("[name=category]").select_option("food")
    expenses.locator("[name=amount]").fill("-3")
    expenses.locator("[name=currency]").fill("EUR")
    expenses.locator("[name=spent_on]").fill(timezone.localdate().isoformat())
    expenses.locator("button[type=submit]").click()
    page.wait_for_load_state()
    # Then the page comes back with that form open, its error by the field, nothing else open
    expect(page.locator("#expenses details")).to_have_attribute("open", "")
    expect(page.locator("#expenses [name=amount]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#tasks details").first).not_to_have_attribute("open", "")
    _no_sideways_scroll(page)
    assert [url for url in asked if not url.startswith(live_server.url + "/")] == []
